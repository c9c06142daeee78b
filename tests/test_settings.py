"""Settings come from the environment; bad values stop start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Variables a test run may have set that must not leak into a "production" start-up.
LEAKY = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def start_django(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in LEAKY}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "parindex.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_with_clear_message():
    result = start_django(DEBUG="0", ALLOWED_HOSTS="cchc.example.gov.vn")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


def test_short_secret_key_in_production_is_refused():
    result = start_django(DEBUG="0", SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_bad_database_url_names_the_variable():
    result = start_django(DATABASE_URL="mysql//oops")
    assert result.returncode != 0
    assert "DATABASE_URL must start with sqlite:/// or postgres://" in result.stderr


def test_bad_boolean_is_refused():
    result = start_django(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be 0 or 1" in result.stderr


def test_bad_number_is_refused():
    result = start_django(SESSION_IDLE_SECONDS="half an hour")
    assert result.returncode != 0
    assert "SESSION_IDLE_SECONDS must be a whole number" in result.stderr


def test_postgres_url_selects_postgresql_and_default_is_sqlite():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])"
    for env, expected in (
        ({}, "django.db.backends.sqlite3"),
        ({"DATABASE_URL": "postgres://u:p@db.example:5432/cchc"}, "django.db.backends.postgresql"),
    ):
        clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            cwd=ROOT,
            env={**clean, **env, "DJANGO_SETTINGS_MODULE": "parindex.settings"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "cchc.example.gov.vn",
        "CSRF_TRUSTED_ORIGINS": "https://cchc.example.gov.vn",
        "DATABASE_URL": "sqlite:///{}".format(tmp_path / "deploy.sqlite3"),
    }
    clean = {k: v for k, v in os.environ.items() if k not in env and k not in LEAKY}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_postgres_connections_switch_jit_off_unless_told_otherwise():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    for env, expected in (
        ({}, "-c jit=off"),
        ({"POSTGRES_OPTIONS": "-c jit=off -c work_mem=16MB"}, "-c jit=off -c work_mem=16MB"),
    ):
        clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "POSTGRES_OPTIONS")}
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            cwd=ROOT,
            env={
                **clean,
                **env,
                "DATABASE_URL": "postgres://u:p@db.example:5432/cchc",
                "DJANGO_SETTINGS_MODULE": "parindex.settings",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
