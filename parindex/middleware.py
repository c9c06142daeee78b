import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from parindex import dbrouter


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user picked another language with the switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language, so an office PC with an
    English Windows would show the portal in English; the issue asks for Vietnamese by default,
    English only when the user selects it (the choice lives in the language cookie).
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on what the portal answers, so that no browser cache or proxy
    keeps a copy of applicants' data (dossier pages, lists, prints, exports, report files).

    Every response to a signed-in user gets it, whatever the view said; an anonymous response gets
    it unless its view chose its own caching (the public rating page carries a dossier's details).
    Static files never reach this middleware: WhiteNoise answers them first, cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True)
        return response


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


class RefuseNulBytesMiddleware:
    """A NUL byte in a query or form value is refused with 400 before any view sees it.

    No value a person types holds one, and PostgreSQL refuses it in a query with an error (a 500);
    the parsers check their own values too (``access.ward_code_from``, form fields), this is the
    guard under them for any value a view reads directly. Multipart bodies are left to the views
    (reading them here would consume the upload before the view sets its limits).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or self._post_has_nul(request):
            if request.path_info.startswith("/api/"):
                # Integrations read JSON: the API's own bilingual error body.
                return JsonResponse(
                    {
                        "error": {
                            "code": "bad_request",
                            "message_vi": "Dữ liệu gửi lên chứa ký tự không hợp lệ.",
                            "message_en": "The request contains an invalid character.",
                        }
                    },
                    status=400,
                )
            return render(
                request, "400.html", {"reason": _("Dữ liệu gửi lên chứa ký tự không hợp lệ.")}, status=400
            )
        return self.get_response(request)

    @staticmethod
    def _post_has_nul(request) -> bool:
        if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
            return False
        return _has_nul(request.POST)


class SessionRenewalMiddleware:
    """Keep the idle timeout without writing the session on every request.

    SESSION_SAVE_EVERY_REQUEST would write the session store on each page (a database write per
    request, contention between app servers). Instead an active session is marked modified, and
    so saved with a new expiry, only when its last renewal is older than SESSION_RENEW_SECONDS;
    the idle timeout is then exact to within that minute."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.modified:
            return response
        renewed = session.get(self.KEY)
        if not isinstance(renewed, int) or int(time.time()) - renewed >= settings.SESSION_RENEW_SECONDS:
            mark_renewed(session)
        return response


def mark_renewed(session) -> None:
    """Stamp the session as renewed now (it is saved with a new expiry with this request)."""
    session[SessionRenewalMiddleware.KEY] = int(time.time())


class ReplicaReadsMiddleware:
    """GET pages of ``dbrouter.REPLICA_VIEWS`` read from the replica, unless this browser wrote
    something in the last ``REPLICA_PIN_SECONDS`` (then they read their own write on the primary).
    Installed only when ``DATABASE_REPLICA_URL`` is set."""

    COOKIE = "cchc_primary"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(
                self.COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True, samesite="Lax",
                secure=not settings.DEBUG,
            )  # fmt: skip
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method == "GET"
            and match is not None
            and match.view_name in dbrouter.REPLICA_VIEWS
            and self.COOKIE not in request.COOKIES
        ):
            with dbrouter.replica_reads():
                return view_func(request, *view_args, **view_kwargs)
        return None


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's, except for /api/: integrations authenticate with a token and get a 401 JSON
    body from the API itself, never a redirect to the login page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
