"""Per-client limits on public pages (status lookup, rating), keyed on the client's address.

The address is read the way the login throttling reads it (django-axes through django-ipware, with
``TRUSTED_PROXY_COUNT`` in settings): behind nginx ``REMOTE_ADDR`` is the proxy's, and a counter
keyed on it would be shared by every citizen of the province.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return get_client_ip_address(request) or ""


def hits(key: str, *, window: int) -> int:
    """Count one hit on ``key`` (kept ``window`` seconds in the shared cache); the count so far.
    The one counter behind every rate limit: public pages here, API tokens in ``parindex.api``."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def over_limit(scope: str, request: HttpRequest, *, limit: int, window: int = 3600) -> bool:
    """Count one attempt for this client in ``scope``; True once more than ``limit`` in ``window`` s."""
    return hits("throttle:{}:{}".format(scope, client_address(request)), window=window) > limit
