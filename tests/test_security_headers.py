"""Content-Security-Policy on every response, no inline script anywhere; no-store on personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from dossiers import workflow
from dossiers.views import rating_token
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.sent import mark_sent
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.test_reports_scenario import MARCH

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_no_template_has_inline_script_or_event_handler_attributes():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        offenders += ["{}: {}".format(path.name, m.group(0)) for m in INLINE_SCRIPT.finditer(text)]
        offenders += ["{}: {}".format(path.name, m.group(0)[:60]) for m in HANDLER.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_the_login_page_has_the_policy(client):
    policy = directives(client.get(reverse("login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # no nonce asked for on this page
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_pages_have_the_policy_and_no_inline_script(
    client, officer_datdai, make_dossier, business, administrator
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    for url in (
        reverse("home"),
        reverse("dossiers:index"),
        reverse("dossiers:detail", args=[d.pk]),
        reverse("dossiers:create"),
        reverse("staffing:index"),
        reverse("reports:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response)["script-src"] == ["'self'"], url
        body = response.content.decode()
        assert INLINE_SCRIPT.findall(body) == [] and HANDLER.findall(body) == [], url
        assert "content='{\"includeIndicatorStyles\": false}'" in body, url
    client.force_login(administrator)
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 200 and directives(admin)["script-src"] == ["'self'"]


def test_the_printed_form_style_carries_the_nonce_of_its_policy(
    client, officer_datdai, make_dossier, business
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    response = client.get(reverse("dossiers:print", args=[d.pk, "01"]))
    body = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">', body).group(1)
    assert len(nonce) >= 16
    assert directives(response)["style-src"] == ["'self'", "'nonce-{}'".format(nonce)]
    assert "data-print" in body and "/static/js/print.js" in body
    # a new nonce on every response
    again = client.get(reverse("dossiers:print", args=[d.pk, "01"])).content.decode()
    assert re.search(r'<style nonce="([^"]+)">', again).group(1) != nonce


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_and_files_with_personal_data_are_not_stored(
    client, chairperson, officer_datdai, make_dossier, business, ward, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    d = make_dossier(business, at(2024, 3, 4, 9), applicant_phone="0912345678")
    report = mark_sent(Scope.for_ward(ward), MARCH, by=chairperson, number="1/BC")
    client.force_login(chairperson)
    responses = {
        "list": client.get(reverse("dossiers:index")),
        "detail": client.get(reverse("dossiers:detail", args=[d.pk])),
        "print": client.get(reverse("dossiers:print", args=[d.pk, "01"])),
        "export": client.get(reverse("dossiers:index"), {"export": "xlsx"}),
        "report": client.get(
            reverse("reports:download"), {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31"}
        ),
        "sent file": client.get(reverse("reports:sent_file", args=[report.pk])),
        "staffing": client.get(reverse("staffing:index")),
        "dashboard": client.get(reverse("dashboard")),
    }
    assert {name: (r.status_code, no_store(r)) for name, r in responses.items()} == dict.fromkeys(
        responses, (200, True)
    )
    assert responses["export"]["Content-Disposition"].startswith("attachment")


def test_the_public_rating_page_is_not_stored(client, make_dossier, business, officer_datdai):
    d = make_dossier(business, at(2024, 3, 4, 9))
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 4, 10))
    response = client.get(reverse("lookup:status", args=[rating_token(d)]))
    assert response.status_code == 200
    assert no_store(response)
    assert directives(response)["script-src"] == ["'self'"]
