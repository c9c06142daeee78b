"""The public status lookup (/tra-cuu/): by code and four digits or by the receipt's signed link;
masked, rate-limited per client address behind the proxy, rating only once a result exists."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from dossiers import workflow
from dossiers.lookup import public_token
from dossiers.models import Rating
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

FORM = "/tra-cuu/"

APPLICANT = {
    "name": "Nguyễn Văn An",
    "applicant_phone": "0905123456",
    "applicant_id_number": "049201001234",
    "applicant_email": "an.nguyen@example.vn",
    "applicant_address": "12 Trần Hưng Đạo, Bình Hưng",
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier(make_dossier, business):
    return make_dossier(business, at(2024, 3, 4, 9), **APPLICANT)


def test_code_and_last_four_phone_digits_open_the_status(client, dossier):
    response = client.post(FORM, {"code": dossier.code, "digits": "3456"})
    assert response.status_code == 302
    assert response["Location"] == reverse("lookup:status", args=[public_token(dossier)])


def test_last_four_id_digits_also_open_it_and_the_code_is_case_blind(client, dossier):
    response = client.post(FORM, {"code": dossier.code.lower(), "digits": "1234"})
    assert response["Location"] == reverse("lookup:status", args=[public_token(dossier)])


def test_wrong_digits_answer_exactly_like_an_unknown_code(client, dossier):
    wrong_digits = client.post(FORM, {"code": dossier.code, "digits": "0000"})
    unknown_code = client.post(FORM, {"code": "XX-2024-999999", "digits": "3456"})
    malformed = client.post(FORM, {"code": dossier.code, "digits": "34a"})
    assert wrong_digits.status_code == unknown_code.status_code == malformed.status_code == 200
    answers = [
        (r.context["error"], r.content.decode().count("has-error"))
        for r in (wrong_digits, unknown_code, malformed)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0].startswith("Không tìm thấy hồ sơ") and answers[0][1] == 0


def test_the_status_page_shows_the_facts_and_masks_the_person(client, dossier, officer_datdai, land_office):
    workflow.start(dossier, by=officer_datdai, at=at(2024, 3, 4, 10))
    workflow.request_supplement(dossier, by=officer_datdai, at=at(2024, 3, 5, 9), items="Hợp đồng thuê nhà")
    page = client.get(reverse("lookup:status", args=[public_token(dossier)]))
    html = page.content.decode()
    assert page.status_code == 200
    assert dossier.procedure.name in html and dossier.ward.name in html
    assert "N. V. An" in html and "Hợp đồng thuê nhà" in html and "Chờ bổ sung" in html
    assert dossier.due_date.strftime("%d/%m/%Y") in html
    assert [s.label for s in page.context["info"].steps] == [
        "Tiếp nhận hồ sơ",
        "Chuyển xử lý",
        "Yêu cầu bổ sung",
    ]
    for secret in ("Nguyễn Văn An", "0905123456", "049201001234", "an.nguyen", "Trần Hưng Đạo", "3456"):
        assert secret not in html
    assert page.context["form"] is None  # no rating before a result exists
    assert (
        client.post(reverse("lookup:status", args=[public_token(dossier)]), {"value": "yes"}).status_code
        == 400
    )
    assert not Rating.objects.exists()


def test_apology_letter_and_result_ready(client, dossier, officer_datdai):
    from datetime import date

    workflow.issue_apology(
        dossier,
        by=officer_datdai,
        at=at(2024, 3, 6, 9),
        reason="Chờ xác minh",
        new_due_date=date(2024, 3, 20),
    )
    html = client.get(reverse("lookup:status", args=[public_token(dossier)])).content.decode()
    assert "20/03/2024" in html and "Chờ xác minh" in html and 'data-testid="result-ready"' not in html
    workflow.resolve(dossier, by=officer_datdai, at=at(2024, 3, 7, 9))
    page = client.get(reverse("lookup:status", args=[public_token(dossier)]))
    assert 'data-testid="result-ready"' in page.content.decode() and page.context["form"] is not None


def test_a_forged_or_rejected_token_is_not_found(client, dossier):
    assert client.get(reverse("lookup:status", args=[public_token(dossier) + "x"])).status_code == 404


def test_the_lookup_is_rate_limited_per_client_behind_the_proxy(client, dossier, settings):
    # Behind nginx (TRUSTED_PROXY_COUNT=1): REMOTE_ADDR is always the proxy, X-Forwarded-For the client.
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.PUBLIC_LOOKUPS_PER_HOUR = 3
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(3):
        client.post(FORM, {"code": "XX", "digits": "0000"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    blocked = client.post(
        FORM, {"code": dossier.code, "digits": "3456"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
    )
    assert blocked.status_code == 429
    # Another citizen behind the same proxy has their own counter.
    other = client.post(
        FORM, {"code": dossier.code, "digits": "3456"}, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy
    )
    assert other.status_code == 302


def test_the_rating_limit_keys_on_the_client_not_the_proxy(
    client, make_dossier, business, officer_datdai, settings
):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.PUBLIC_RATINGS_PER_HOUR = 2
    first, second = (make_dossier(business, at(2024, 3, 4, 9), **APPLICANT) for _ in range(2))
    for d in (first, second):
        workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 5, 9))
    url = reverse("lookup:status", args=[public_token(first)])
    for _ in range(2):
        client.post(url, {"value": "bad"}, HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert (
        client.post(
            url, {"value": "yes"}, HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1"
        ).status_code
        == 429
    )
    url2 = reverse("lookup:status", args=[public_token(second)])
    assert (
        client.post(
            url2, {"value": "yes"}, HTTP_X_FORWARDED_FOR="198.51.100.2", REMOTE_ADDR="127.0.0.1"
        ).status_code
        == 302
    )
    assert list(Rating.objects.values_list("dossier", flat=True)) == [second.pk]


def test_the_receipt_qr_opens_the_status_page(client, dossier, officer_datdai):
    client.force_login(officer_datdai)
    # The token carries the second it was signed in: make the page and the expected token in the
    # same second, or a slow machine crossing a second boundary fails the comparison.
    with freeze_time(timezone.now()):
        receipt = client.get(reverse("dossiers:print", args=[dossier.pk, "01"]))
        assert receipt.context["rating_url"].endswith(reverse("lookup:status", args=[public_token(dossier)]))
