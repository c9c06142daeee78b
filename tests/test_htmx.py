"""parindex.base.htmx: an htmx swap gets the fragment; a plain request, a boosted link and a history restore
get the whole page; every such answer varies on HX-Request."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from parindex.base.htmx import wants_fragment
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"
SWAP = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


def _wants_fragment(headers: dict) -> bool:
    request = RequestFactory().get("/", headers=headers)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    return wants_fragment(request)


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        (SWAP, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        (RESTORE, False),
    ],
)
def test_only_an_htmx_swap_wants_a_fragment(headers, fragment):
    assert _wants_fragment(headers) is fragment


def test_history_restore_of_the_register_gets_the_whole_page(client, officer_datdai, make_dossier, business):
    make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    swap = client.get(INDEX, headers=SWAP)
    restore = client.get(INDEX, headers=RESTORE)
    assert swap.templates[0].name == "dossiers/dossier_rows.html"
    assert restore.templates[0].name == "dossiers/dossier_list.html"
    assert "<html" in restore.content.decode()
    for response in (swap, restore, client.get(INDEX)):
        assert "HX-Request" in response["Vary"]
