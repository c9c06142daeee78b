"""The one htmx helper (base layer): the typed request, when to answer with a fragment, and the
``Vary`` header that keeps a page and its fragment apart in every cache.

A view serves its page and its fragment from one URL (STYLE.md): an htmx swap gets the fragment; a
boosted link, a plain request and a history restore get the page. htmx sends
``HX-History-Restore-Request`` when the user goes back to a page its history cache no longer holds,
and then puts the answer in place of the whole ``<body>``: a fragment there would leave a page
without its header and menu.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx swap of part of the page: not a boosted navigation, not a history restore."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The same URL answers a page or a fragment depending on ``HX-Request``: say so to caches."""
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_page_or_fragment(
    request: HtmxHttpRequest, page: str, fragment: str, context: dict | None = None
) -> HttpResponse:
    """``fragment`` for an htmx swap, ``page`` otherwise; the response varies on ``HX-Request``."""
    template = fragment if wants_fragment(request) else page
    return vary_on_htmx(render(request, template, context))
