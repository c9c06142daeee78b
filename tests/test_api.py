"""The JSON API /api/v1/: tokens, ward isolation, scopes, idempotency, cursor pages, figures."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from dossiers import workflow
from dossiers.models import Dossier, DossierEvent, Status
from parindex.analytics import indicators
from parindex.api import tokens
from parindex.api.models import ApiCall, Scope
from parindex.base.periods import month
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
    docs = client.get("/api/v1/docs")
    # The Swagger page's assets are our static files, not a CDN.
    assert b'src="/static/ninja/swagger-ui-bundle.js"' in docs.content


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


# --- national exchange format ------------------------------------------------------------------


def national(code: str, **overrides) -> dict:
    record = {
        "MaHoSo": code,
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": "1",
        "NgayTiepNhan": "20260302090000",
        "NgayHenTra": "20260302170000",
        "TrangThaiHoSo": "2",
        "HinhThuc": "0",
        "DonViXuLy": "UBND phường Bình Hưng",
        "TaiLieuNop": [{"TenGiayTo": "Tờ khai đăng ký khai sinh"}],
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }
    record.update(overrides)
    return record


def push(api, records, path="/api/v1/exchange/dossiers"):
    return api.post(path, {"ward": "BH", "data": records}, content_type="application/json")


@freeze_time(NOW)
def test_exchange_import_creates_moves_and_replay_changes_nothing(api, birth):
    records = [
        national("000.00.01.H35-260302-0001"),
        national("000.00.01.H35-260302-0002", TrangThaiHoSo="10", NgayTra="20260302160000", HinhThuc="1"),
        national(
            "000.00.01.H35-260302-0003",
            TrangThaiHoSo="5",
            DanhSachHoSoBoSung=[{"NgayBoSung": "20260302100000", "NoiDungBoSung": "Bản sao CCCD của mẹ"}],
        ),
    ]
    response = push(api, records)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "moved": 0, "unchanged": 0, "progress_added": 0, "queued": 0}
    statuses = dict(Dossier.objects.values_list("official_code", "status"))
    assert statuses == {
        "000.00.01.H35-260302-0001": "received",
        "000.00.01.H35-260302-0002": "returned",
        "000.00.01.H35-260302-0003": "supplement",
    }
    returned = Dossier.objects.get(official_code="000.00.01.H35-260302-0002")
    assert returned.channel == "online"
    assert returned.documents == "Tờ khai đăng ký khai sinh"
    events_before = DossierEvent.objects.count()
    history_before = Dossier.history.count()

    again = push(api, records)
    assert again.json() == {"created": 0, "moved": 0, "unchanged": 3, "progress_added": 0, "queued": 0}
    assert DossierEvent.objects.count() == events_before
    assert Dossier.history.count() == history_before
    # The official code is searchable in the register.
    found = api.get("/api/v1/dossiers?q=H35-260302-0003").json()["items"]
    assert [d["official_code"] for d in found] == ["000.00.01.H35-260302-0003"]

    # A later batch moves a known dossier on: supplied, then resolved.
    later = national(
        "000.00.01.H35-260302-0003",
        TrangThaiHoSo="9",
        NgayTra="20260303150000",
        DanhSachHoSoBoSung=[
            {
                "NgayBoSung": "20260302100000",
                "NoiDungBoSung": "Bản sao CCCD của mẹ",
                "NgayTiepNhanBoSung": "20260303090000",
            }
        ],
    )
    moved = push(api, [later])
    assert moved.json() == {"created": 0, "moved": 1, "unchanged": 0, "progress_added": 0, "queued": 0}
    assert Dossier.objects.get(official_code="000.00.01.H35-260302-0003").status == Status.RESOLVED


@freeze_time(NOW)
def test_exchange_batch_with_one_bad_record_writes_nothing_and_names_it(api, birth):
    records = [
        national("A-1"),
        national("A-2", NgayTiepNhan="2026-03-02 09:00"),
        national("A-3", HinhThuc="9"),
    ]
    response = push(api, records)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["record"] == 1
    assert error["fields"]["data[1].NgayTiepNhan"] == [
        "Trường NgayTiepNhan phải là ngày giờ dạng yyyyMMddHHmmss, nhận được “2026-03-02 09:00”."
    ]
    assert list(error["fields"]) == ["data[1].NgayTiepNhan", "data[2].HinhThuc"]
    assert error["fields_en"]["data[2].HinhThuc"] == [
        "HinhThuc must be 0 (in person), 1 (online) or 2 (public post)."
    ]
    assert Dossier.objects.count() == 0
    # A record the workflow refuses (closing before reception) also rolls the whole batch back.
    late = push(api, [national("B-1"), national("B-2", TrangThaiHoSo="9", NgayTra="20260301090000")])
    assert late.status_code == 422
    assert late.json()["error"]["record"] == 1
    assert Dossier.objects.count() == 0
    nul = push(api, [national("B-3", ChuHoSo="Nguyễn\x00An")])
    assert list(nul.json()["error"]["fields"]) == ["data[0].ChuHoSo"]
    unknown = push(api, [national("C-1", TrangThaiHoSo="99", MaTTHC="9.999999")])
    assert set(unknown.json()["error"]["fields"]) == {"data[0].MaTTHC", "data[0].TrangThaiHoSo"}


@freeze_time(NOW)
def test_status_table_is_editable(api, birth):
    from parindex.api.models import StatusMapping

    StatusMapping.objects.filter(national_code="1").update(status="in_progress")
    push(api, [national("D-1", TrangThaiHoSo="1")])
    assert Dossier.objects.get(official_code="D-1").status == Status.IN_PROGRESS


@freeze_time(NOW)
def test_progress_import_is_deduplicated(api, birth):
    push(api, [national("E-1", TrangThaiHoSo="4")])
    step = {
        "MaHoSo": "E-1",
        "NguoiXuLy": "Nguyễn Thị Lan",
        "ChucDanh": "Công chức Tư pháp - Hộ tịch",
        "ThoiDiemXuLy": "20260302100000",
        "PhongBanXuLy": "Tư pháp",
        "NoiDungXuLy": "Thẩm định hồ sơ",
        "TrangThai": "4",
        "NgayBatDau": "20260302090000",
        "NgayKetThucTheoQuyDinh": "20260302170000",
    }
    first = push(api, [step], "/api/v1/exchange/progress")
    assert first.json()["progress_added"] == 1
    again = push(api, [step], "/api/v1/exchange/progress")
    assert again.json() == {"created": 0, "moved": 0, "unchanged": 1, "progress_added": 0, "queued": 0}
    bad = push(api, [dict(step, MaHoSo="nope")], "/api/v1/exchange/progress")
    assert bad.status_code == 422
    assert list(bad.json()["error"]["fields"]) == ["data[0].MaHoSo"]


@freeze_time(NOW)
def test_export_gives_the_national_shape_and_reimports_unchanged(api, birth):
    push(api, [national("F-1", TrangThaiHoSo="10", NgayTra="20260302160000")])
    exported = api.get("/api/v1/exchange/dossiers?ward=BH&kind=month&year=2026&month=3").json()["data"]
    assert len(exported) == 1
    row = exported[0]
    assert (row["MaHoSo"], row["MaTTHC"], row["TrangThaiHoSo"], row["NgayTiepNhan"], row["NgayTra"]) == (
        "F-1",
        "1.001193",
        "10",
        "20260302090000",
        "20260302160000",
    )
    assert push(api, exported).json()["unchanged"] == 1


def test_import_command_reads_a_json_file(tmp_path, ward, birth, officer_tuphap):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"data": [national("G-1")]}), encoding="utf-8")
    with freeze_time(NOW):
        call_command("import_national", str(path), ward="BH", by="tuphap")
        assert Dossier.objects.get(official_code="G-1").created_by == officer_tuphap
        path.write_text(json.dumps({"data": [national("G-2", ChuHoSo="")]}), encoding="utf-8")
        with pytest.raises(CommandError, match="record 0 \\(G-2\\) ChuHoSo"):
            call_command("import_national", str(path), ward="BH", by="tuphap")
    assert Dossier.objects.count() == 1


@freeze_time(NOW)
def test_thousand_dossiers_pushed_in_the_national_format_read_back_through_the_engine(api, ward, birth, land):
    records = []
    for i in range(1000):
        day = 2 + i % 5  # 2..6 March 2026, Monday to Friday
        received = "202603{:02d}{:02d}0000".format(day, 8 + i % 3)
        kind = i % 4
        extra = {"MaTTHC": "1.004227"} if i % 10 == 0 else {}
        if kind == 1:
            extra.update(TrangThaiHoSo="9", NgayTra="202603{:02d}160000".format(day))
        elif kind == 2:
            extra.update(TrangThaiHoSo="4", HinhThuc="1")
        elif kind == 3:
            extra.update(TrangThaiHoSo="10", NgayTra="202603{:02d}160000".format(min(day + 7, 9)))
        records.append(national("N-{:04d}".format(i), NgayTiepNhan=received, **extra))
    response = push(api, records)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == 1000
    engine = indicators.summary([ward.id], month(2026, 3)).wards[ward.id]
    figures = api.get("/api/v1/figures?ward=BH&kind=month&year=2026&month=3").json()
    assert figures["total"]["received"] == engine.counts.received == 1000
    assert figures["total"]["received_online"] == engine.counts.received_online == 250
    assert figures["total"]["resolved"] == engine.counts.resolved == 500
    assert figures["total"]["in_progress"] == engine.counts.in_progress == 500
    assert figures["total"]["resolved_late"] == engine.counts.resolved_late
    assert engine.counts.identity_errors() == []
    assert {f["field"]: f["counts"]["received"] for f in figures["fields"]} == {"TP-HT": 900, "DD": 100}
