from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


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


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's, except for /api/: integrations authenticate with a token and get a 401 JSON
    body from the API itself, never a redirect to the login page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
