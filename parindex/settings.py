"""Settings for the ward reform portal, driven by environment variables.

Every variable goes through a tiny typed helper below; a bad value stops start-up with an
ImproperlyConfigured that names the variable and what it expects.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1 (or true/false), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    scheme = urlparse(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must start with sqlite:/// or postgres://, got {raw!r}. "
            "Example: postgres://user:password@127.0.0.1:5432/parindex"
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL ({exc}).") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers (the dashboard) run while an officer saves a dossier.
        config["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, got {raw!r}.")
    else:
        # Session settings for every connection. JIT off: the dashboards' statements are short and
        # compiling them cost more than it saved (at 1M dossiers the city page's one-statement floor
        # took 1866 ms with JIT and 806 ms without; docs/deploy.md, docs/performance.md).
        config.setdefault("OPTIONS", {})["options"] = env_str("POSTGRES_OPTIONS", "-c jit=off")
    return config


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG=0. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-development-key-only-for-debug-mode-00000000000000"
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG=0.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, got {_origin!r}."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Serves the API docs page's Swagger assets from our static files: no CDN (offices lack internet).
    "ninja",
    "parindex",
    "parindex.base.jobs",
    "parindex.staffing",
    "parindex.analytics.reports",
    "dossiers",
    "tasks",
    "parindex.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.middleware.SessionRenewalMiddleware",
    "parindex.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "parindex.middleware.RefuseNulBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "parindex.middleware.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "parindex.middleware.LoginRequiredMiddleware",
    "parindex.api.middleware.ApiCallLogMiddleware",
    "axes.middleware.AxesMiddleware",
]
if env_str("DATABASE_REPLICA_URL"):
    MIDDLEWARE.append("parindex.middleware.ReplicaReadsMiddleware")

ROOT_URLCONF = "parindex.urls"
WSGI_APPLICATION = "parindex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "parindex.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A PostgreSQL streaming replica for the dashboards', reports' and lists' reads (parindex/dbrouter.py).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10, minimum=1)
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", "")
    if (
        DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]
        or "sqlite" in DATABASES["replica"]["ENGINE"]
    ):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a PostgreSQL replica of DATABASE_URL.")
    # Tests run against the primary's test database; the replica has the same (it replays it).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["parindex.dbrouter.ReplicaRouter"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Session expires after this much inactivity. Activity renews it, at most once a minute
# (parindex.middleware.SessionRenewalMiddleware), not with a session write on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed-login throttling (django-axes, parindex/base/lockout.py): an account is locked from one address
# after 5 failures there; an address is locked for every account after 20 failures in all (one
# office shares an address, so its limit is higher; guessing across accounts still stops).
LOGIN_FAILURES_PER_ACCOUNT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_FAILURE_LIMIT = "parindex.base.lockout.failure_limit"
AXES_HANDLER = "parindex.base.lockout.LockoutHandler"
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind nginx every request comes from 127.0.0.1: with TRUSTED_PROXY_COUNT=1 the client address is
# read from X-Forwarded-For, which our nginx configuration overwrites with the client's address
# (docs/deploy.md), so one office's typos do not lock out the whole province. django-ipware counts
# the proxies listed in that header besides the client: one trusted proxy that overwrites it = 0.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "parindex.base.access.axes_username"
# Public pages (no login) per client address and hour: the status lookup's attempts and ratings.
PUBLIC_LOOKUPS_PER_HOUR = env_int("PUBLIC_LOOKUPS_PER_HOUR", 30, minimum=1)
PUBLIC_RATINGS_PER_HOUR = env_int("PUBLIC_RATINGS_PER_HOUR", 20, minimum=1)
# Petitions (PAKN) a client address may send from the public page per hour.
PUBLIC_PETITIONS_PER_HOUR = env_int("PUBLIC_PETITIONS_PER_HOUR", 5, minimum=1)
# The ward's public results page: satisfaction is shown only from this many ratings (fewer would
# let one applicant's answer read as "0% satisfied"); figures are cached this long.
PUBLIC_MIN_RATINGS = env_int("PUBLIC_MIN_RATINGS", 10, minimum=1)
PUBLIC_RESULTS_CACHE_SECONDS = env_int("PUBLIC_RESULTS_CACHE_SECONDS", 3600, minimum=0)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "parindex" / "locale"]  # apps keep their own <app>/locale too
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["parindex.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files (evidence, sent reports, job results) go through the storage API: a local folder by
# default, S3-compatible object storage when S3_BUCKET is set, so any app server serves any file.
S3_BUCKET = env_str("S3_BUCKET").strip()
if S3_BUCKET:
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured("S3_BUCKET needs django-storages: pip install -e '.[s3]'.")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY") or None,
            "secret_key": env_str("S3_SECRET_KEY") or None,
            "location": env_str("S3_PREFIX", "cchc"),
            # Private objects, never overwritten; the portal streams them after its permission check.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"  # never served publicly: evidence files go through permission-checked views
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# What an Office upload may unpack to (zip-bomb guard, parindex/base/uploads.py).
UPLOAD_MAX_UNPACKED_BYTES = env_int("UPLOAD_MAX_UNPACKED_MB", 100, minimum=1) * 1024 * 1024
# Import previews staged on disk older than this are deleted (`manage.py purge_staging`).
UPLOAD_STAGING_MAX_AGE = env_int("UPLOAD_STAGING_MAX_AGE_MINUTES", 120, minimum=1) * 60

# Content-Security-Policy (django-csp): scripts and style sheets only from our own static files, no
# inline script at all (no on* attributes either: behaviour lives in static/js/). A <style> element
# needs the request's nonce (`<style nonce="{{ request.csp_nonce }}">`, the printed forms); style attributes
# stay allowed (SVG charts, the admin), they cannot run code. htmx's own indicator <style> is off
# (`htmx-config` in base.html); its rules are in portal.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Moves and receptions may be dated this far ahead of the server's clock (an office PC running a
# little fast), never more: a move dated next month would block every later move at the real time.
CLOCK_SKEW = timedelta(minutes=env_int("CLOCK_SKEW_MINUTES", 5))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Calendar overrides and rate limits are cached; in production every gunicorn worker must see the
# same values, so the cache lives in the database (`migrate` creates the table, whatever DEBUG
# says). Development and tests keep the per-process memory cache.
DATABASE_CACHE_TABLE = "parindex_cache"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if DEBUG
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": DATABASE_CACHE_TABLE}
}
# CACHE_URL=redis://... puts the cache and the sessions in Redis: app servers then share them
# without a database round trip (Django's built-in Redis cache).
CACHE_URL = env_str("CACHE_URL").strip()
if CACHE_URL:
    if urlparse(CACHE_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"CACHE_URL must start with redis://, rediss:// or unix://, got {CACHE_URL!r}."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "cchc",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# Background work (exports, the report build, imports) goes through Django's tasks API
# (django-tasks, the backport of django.tasks). Embedded default: the database backend, whose worker
# `make run` starts beside gunicorn. Production: TASKS_BACKEND=rq with REDIS_URL, worked by rq.
# "immediate" runs each task inside the request (the test suite's default; never in production).
TASKS_BACKEND = env_str("TASKS_BACKEND", "database").strip().lower()
REDIS_URL = env_str("REDIS_URL").strip()
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}. "
        "Example: redis://127.0.0.1:6379/0"
    )
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, got {TASKS_BACKEND!r}."
    )
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL, e.g. redis://127.0.0.1:6379/0.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A city's year export takes about a minute; an hour is the ceiling before rq kills the job.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# A running job writes a heartbeat while it works; one silent for this long is marked failed.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 300, minimum=10)
# Finished jobs and their files are deleted after this many days (run_schedule).
JOB_KEEP_DAYS = env_int("JOB_KEEP_DAYS", 14, minimum=1)
# Exports of at most this many rows answer in the request; larger ones go to the queue.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 500)

# Scheduled notices (monthly reports built, deadlines near) are also e-mailed when this is on and
# Django's EMAIL_* settings reach a mail server; links in the mail start with PORTAL_URL.
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", False)
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cchc@localhost")

# Notices to applicants and digests to officers (dossiers/notices.py). E-mail goes through Django's
# backend and counts as configured once EMAIL_HOST is set; SMS through SMS_BACKEND: the log-only
# gateway by default, "parindex.base.sms.HttpBackend" with the provider's URL and key.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cchc@localhost")
SMS_BACKEND = env_str("SMS_BACKEND", "parindex.base.sms.LogBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
# Many gateways and old handsets take only ASCII: SMS texts are sent without diacritics.
SMS_ASCII_ONLY = env_bool("SMS_ASCII_ONLY", True)
# Links in notices point here (the public status lookup); empty: the address of the request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Calls per minute and integration token on /api/ (0: no limit).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
