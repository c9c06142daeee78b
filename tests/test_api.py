"""The JSON API /api/v1/: tokens, ward isolation, scopes, idempotency, cursor pages, figures."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from dossiers import workflow
from dossiers.models import Dossier, DossierEvent, Status
from parindex import indicators
from parindex.api import tokens
from parindex.api.models import ApiCall, Scope
from parindex.periods import month
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

NOW = "2026-03-10 10:00:00+07:00"


@pytest.fixture
def write_token(ward):
    token, raw = tokens.issue(name="Hộ tịch Bình Hưng", scope=Scope.WRITE, wards=[ward])
    return raw


@pytest.fixture
def read_token(ward):
    token, raw = tokens.issue(name="Đọc Bình Hưng", scope=Scope.READ, wards=[ward])
    return raw


@pytest.fixture
def api(write_token):
    return Client(HTTP_AUTHORIZATION="Bearer " + write_token)


def new_dossier(**overrides) -> dict:
    body = {
        "ward": "BH",
        "procedure": "1.001193",
        "channel": "in_person",
        "received_at": "2026-03-10T09:00:00+07:00",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "079123456789",
        "applicant_phone": "0912345678",
    }
    body.update(overrides)
    return body


@freeze_time(NOW)
def test_token_scoped_to_one_ward_creates_moves_and_reads_it(api, birth, other_ward, make_dossier):
    response = api.post("/api/v1/dossiers", new_dossier(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ward"] == "BH"
    assert body["status"] == "received"
    assert body["applicant_id_number"] == "•••••••••789"
    pk = body["id"]

    moved = api.post(
        "/api/v1/dossiers/{}/moves/start".format(pk),
        {"at": "2026-03-10T09:30:00+07:00"},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "in_progress"
    event = DossierEvent.objects.get(dossier_id=pk, kind="start")
    assert event.by.api_token.name == "Hộ tịch Bình Hưng"

    resolved = api.post(
        "/api/v1/dossiers/{}/moves/resolve".format(pk),
        {"at": "2026-03-10T09:45:00+07:00"},
        content_type="application/json",
    )
    assert resolved.json()["status"] == "resolved"
    assert api.get("/api/v1/dossiers/{}".format(pk)).json()["status"] == "resolved"

    # The other ward of the same city: not found, not listed, not creatable.
    elsewhere = make_dossier(birth, at(2026, 3, 9), ward_=other_ward)
    assert api.get("/api/v1/dossiers/{}".format(elsewhere.pk)).status_code == 404
    move = api.post(
        "/api/v1/dossiers/{}/moves/start".format(elsewhere.pk),
        {"at": "2026-03-10T09:30:00+07:00"},
        content_type="application/json",
    )
    assert move.status_code == 404
    assert [d["id"] for d in api.get("/api/v1/dossiers").json()["items"]] == [pk]
    refused = api.post("/api/v1/dossiers", new_dossier(ward="PTH"), content_type="application/json")
    assert refused.status_code == 404
    assert Dossier.objects.filter(ward=other_ward).count() == 1


@freeze_time(NOW)
def test_revoked_and_unknown_tokens_get_401_json_not_a_login_redirect(ward, write_token, birth):
    assert Client().get("/api/v1/dossiers").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer nope").get("/api/v1/dossiers")
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthenticated"
    assert bad.json()["error"]["message_en"] == "Missing, wrong or revoked token."
    token = tokens.find(write_token)
    token.revoked_at = timezone.now()
    token.save()
    response = Client(HTTP_AUTHORIZATION="Bearer " + write_token).get("/api/v1/dossiers")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"


@freeze_time(NOW)
def test_read_only_token_cannot_write(read_token, birth, make_dossier):
    client = Client(HTTP_AUTHORIZATION="Bearer " + read_token)
    response = client.post("/api/v1/dossiers", new_dossier(), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message_vi"] == "Mã kết nối này chỉ có quyền đọc."
    dossier = make_dossier(birth, at(2026, 3, 9))
    move = client.post(
        "/api/v1/dossiers/{}/moves/start".format(dossier.pk),
        {"at": "2026-03-10T09:30:00+07:00"},
        content_type="application/json",
    )
    assert move.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RECEIVED
    assert client.get("/api/v1/dossiers/{}".format(dossier.pk)).status_code == 200


@freeze_time(NOW)
def test_idempotency_key_makes_a_retried_push_return_the_first_dossier(api, birth):
    first = api.post(
        "/api/v1/dossiers", new_dossier(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="ht-001"
    )
    again = api.post(
        "/api/v1/dossiers", new_dossier(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="ht-001"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Dossier.objects.count() == 1
    other = api.post(
        "/api/v1/dossiers", new_dossier(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="ht-002"
    )
    assert other.status_code == 201
    assert Dossier.objects.count() == 2


@freeze_time(NOW)
def test_invalid_input_names_the_field_in_both_languages_and_writes_nothing(api, birth):
    response = api.post(
        "/api/v1/dossiers", new_dossier(applicant_id_number="12"), content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"]["applicant_id_number"] == [
        "Số CCCD phải gồm 12 chữ số; mã số thuế gồm 10 hoặc 13 chữ số."
    ]
    assert list(error["fields_en"]) == ["applicant_id_number"]
    assert error["message_en"] == "The data sent is not valid."
    assert Dossier.objects.count() == 0
    refused = api.post(
        "/api/v1/dossiers/999/moves/fly", {"at": "2026-03-10T09:30:00+07:00"}, content_type="application/json"
    )
    assert refused.status_code == 404


@freeze_time(NOW)
def test_workflow_refusal_is_409_with_the_reason(api, birth, make_dossier):
    dossier = make_dossier(birth, at(2026, 3, 9))
    response = api.post(
        "/api/v1/dossiers/{}/moves/return_result".format(dossier.pk),
        {"at": "2026-03-10T09:30:00+07:00"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "Trả kết quả" in response.json()["error"]["message_vi"]


@freeze_time(NOW)
def test_cursor_pagination_walks_every_dossier_once(api, birth, make_dossier, django_assert_max_num_queries):
    made = [make_dossier(birth, at(2026, 3, 2 + i % 5, 8 + i % 3)) for i in range(7)]
    seen, cursor = [], None
    while True:
        url = "/api/v1/dossiers?limit=3" + ("&cursor=" + cursor if cursor else "")
        with django_assert_max_num_queries(12):
            page = api.get(url).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = [d.pk for d in sorted(made, key=lambda d: (d.received_at, d.pk), reverse=True)]
    assert seen == expected
    assert api.get("/api/v1/dossiers?cursor=!!!").status_code == 400


@freeze_time(NOW)
def test_list_uses_the_register_filters(api, birth, land, make_dossier):
    a = make_dossier(birth, at(2026, 3, 2), name="Trần Thị Bé")
    make_dossier(land, at(2026, 3, 3), name="Lê Văn Cường")
    found = api.get("/api/v1/dossiers?q=tran thi").json()["items"]
    assert [d["id"] for d in found] == [a.pk]
    by_field = api.get("/api/v1/dossiers?field={}".format(land.field_id)).json()["items"]
    assert [d["procedure"] for d in by_field] == ["1.004227"]
    dated = api.get("/api/v1/dossiers?received_from=2026-03-03&received_to=2026-03-03").json()["items"]
    assert [d["applicant_name"] for d in dated] == ["Lê Văn Cường"]
    bad = api.get("/api/v1/dossiers?received_from=2026-03-05&received_to=2026-03-01")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["received_to"] == ["Ngày kết thúc phải sau ngày bắt đầu."]


@freeze_time(NOW)
def test_figures_and_indicators_equal_the_engine(api, ward, birth, land, make_dossier, officer_datdai):
    for day in (2, 3, 4):
        d = make_dossier(birth, at(2026, 2, day))
        workflow.resolve(d, by=officer_datdai, at=at(2026, 2, day, 15))
    make_dossier(land, at(2026, 2, 5), channel="online")
    figures = api.get("/api/v1/figures?ward=BH&kind=month&year=2026&month=2").json()
    engine = indicators.summary([ward.id], month(2026, 2)).wards[ward.id]
    assert figures["total"]["received"] == engine.counts.received == 4
    assert figures["total"]["resolved"] == engine.counts.resolved == 3
    assert figures["total"]["received_online"] == 1
    assert {f["field"]: f["counts"]["received"] for f in figures["fields"]} == {"TP-HT": 3, "DD": 1}
    values = {
        i["code"]: i
        for i in api.get("/api/v1/indicators?ward=BH&kind=month&year=2026&month=2").json()["indicators"]
    }
    assert values["on_time_rate"]["value"] == float(engine.value_of("on_time_rate").number) == 100.0
    assert values["online_rate"]["numerator"] == 1
    assert values["online_rate"]["denominator"] == 4
    assert api.get("/api/v1/figures?ward=PTH&kind=month&year=2026&month=2").status_code == 404
    bad = api.get("/api/v1/figures?ward=BH&kind=month&year=2026")
    assert bad.status_code == 400


@freeze_time(NOW)
def test_every_call_is_logged_and_the_rate_limit_answers_429(api, settings, ward, birth):
    settings.API_RATE_LIMIT = 2
    assert api.get("/api/v1/fields").status_code == 200
    assert api.get("/api/v1/procedures").status_code == 200
    limited = api.get("/api/v1/fields")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    Client().get("/api/v1/fields")
    calls = list(ApiCall.objects.order_by("id").values_list("token__name", "method", "path", "status"))
    assert calls == [
        ("Hộ tịch Bình Hưng", "GET", "/api/v1/fields", 200),
        ("Hộ tịch Bình Hưng", "GET", "/api/v1/procedures", 200),
        ("Hộ tịch Bình Hưng", "GET", "/api/v1/fields", 429),
        (None, "GET", "/api/v1/fields", 401),
    ]


def test_openapi_description_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/dossiers/{dossier_id}/moves/{move}" in paths
    assert "/api/v1/figures" in paths


def test_administrator_issues_a_token_for_the_own_city_shown_once(client, administrator, ward, far_ward):
    client.force_login(administrator)
    page = client.get("/admin/api/apitoken/add/")
    assert page.status_code == 200
    wards = list(page.context["adminform"].form.fields["wards"].queryset.values_list("code", flat=True))
    assert "TA" not in wards
    response = client.post(
        "/admin/api/apitoken/add/", {"name": "Hộ tịch", "scope": "write", "wards": [ward.pk]}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    raw = shown[0].rsplit(": ", 1)[1]
    token = tokens.find(raw)
    assert token.name == "Hộ tịch"
    assert token.token_hash != raw and raw not in token.hint + token.name
    assert list(token.wards.values_list("code", flat=True)) == ["BH"]
    assert not token.user.has_usable_password()
