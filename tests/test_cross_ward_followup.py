"""Follow-ups of reception for another ward (issue 17): the competent ward sends back a dossier
transferred by mistake; the API receives for another ward and offers a counter token only the
counter's moves."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from dossiers.models import Channel, Dossier, DossierEvent, LogCounter, Status
from dossiers.workflow import WorkflowError
from parindex.analytics import indicators
from parindex.api import tokens
from parindex.api.models import Scope
from parindex.base.models import Role, Ward
from parindex.base.periods import month
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

NOW = "2024-03-06 10:00:00+07:00"


@pytest.fixture
def transferred(ward, other_ward, birth, officer_tuphap) -> Dossier:
    """Received at Bình Hưng's counter for Phú Thủy; result at the counter."""
    return workflow.receive(
        ward=other_ward,
        received_by=ward,
        procedure=birth,
        channel=Channel.IN_PERSON,
        received_at=at(2024, 3, 4, 9),
        applicant_name="Phạm Thị Hoa",
        applicant_id_number="079123456789",
        by=officer_tuphap,
        result_at_counter=True,
    )


def _api(ward) -> Client:
    _token, raw = tokens.issue(name="API {}".format(ward.code), scope=Scope.WRITE, wards=[ward])
    return Client(HTTP_AUTHORIZATION="Bearer " + raw)


# --- 1. sending back a transfer made by mistake ------------------------------------------------


def test_sent_back_to_the_counters_ward_becomes_its_own_dossier(
    transferred, ward, other_ward, officer_other_ward
):
    workflow.refuse_transfer(
        transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="Nơi cư trú ở Bình Hưng"
    )
    transferred.refresh_from_db()
    assert (transferred.ward_id, transferred.received_by_ward_id) == (ward.id, None)
    assert not transferred.awaiting_acceptance and not transferred.result_at_counter
    # the receipt's code stays (the applicant looks it up by it); a new entry in Bình Hưng's log;
    # the clock still runs from the counter's reception
    assert transferred.code == "PTH-2024-000001"
    assert (transferred.log_year, transferred.log_volume, transferred.log_number) == (2024, 1, 1)
    assert LogCounter.objects.get(ward=ward, year=2024).last == 1
    assert transferred.due_at == at(2024, 3, 4, 17, 0)
    event = DossierEvent.objects.get(dossier=transferred, kind="refuse_transfer")
    assert event.by == officer_other_ward and event.at == at(2024, 3, 4, 10)
    assert event.note == (
        "Phường Phú Thủy trả lại hồ sơ PTH-2024-000001 (sổ 1/1/2024), chuyển đến Phường Bình Hưng. "
        "Lý do: Nơi cư trú ở Bình Hưng"
    )
    assert transferred.history.first().ward_id == ward.id
    assert transferred.history.first().history_change_reason == "Trả lại hồ sơ chuyển nhầm"
    # Bình Hưng handles it now, as any of its dossiers
    assert "start" in workflow.allowed_moves(transferred)
    # counted once, at Bình Hưng, and no longer as work for another unit
    counts = indicators.dossier_counts([ward.id, other_ward.id], month(2024, 3))
    assert list(counts) == [(ward.id, transferred.field_id)]
    assert counts[(ward.id, transferred.field_id)].received == 1
    assert indicators.received_for_others([ward.id, other_ward.id], month(2024, 3)) == {}
    assert list(Dossier.objects.for_wards([other_ward.id])) == []


def test_sent_on_to_another_ward_of_the_area_waits_for_its_acceptance(
    transferred, ward, other_ward, far_ward, officer_other_ward, make_user
):
    workflow.refuse_transfer(
        transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="Thuộc Tân An", to_ward=far_ward
    )
    transferred.refresh_from_db()
    assert (transferred.ward_id, transferred.received_by_ward_id) == (far_ward.id, ward.id)
    assert transferred.code == "PTH-2024-000001" and transferred.awaiting_acceptance
    assert (transferred.log_year, transferred.log_number) == (2024, 1)
    assert LogCounter.objects.get(ward=far_ward, year=2024).last == 1
    assert workflow.allowed_moves(transferred) == ["accept_transfer", "refuse_transfer"]
    counts = indicators.dossier_counts([ward.id, other_ward.id, far_ward.id], month(2024, 3))
    assert list(counts) == [(far_ward.id, transferred.field_id)]
    assert indicators.received_for_others([ward.id, other_ward.id, far_ward.id], month(2024, 3)) == {
        ward.id: 1
    }
    # Phú Thủy no longer finds it; Tân An accepts it
    assert list(Dossier.objects.for_wards([other_ward.id])) == []
    officer_far = make_user("canbo_tanan", role=Role.OFFICER, ward=far_ward, full_name="Lê Văn Ba")
    workflow.accept_transfer(transferred, by=officer_far, at=at(2024, 3, 4, 11))
    assert not transferred.awaiting_acceptance


def test_refusal_needs_a_reason_a_ward_of_the_area_and_a_pending_transfer(
    transferred, ward, other_ward, officer_other_ward, city
):
    with pytest.raises(WorkflowError, match="lý do"):
        workflow.refuse_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="  ")
    with pytest.raises(WorkflowError, match="khác với phường trả lại"):
        workflow.refuse_transfer(
            transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="x", to_ward=other_ward
        )
    from parindex.base.models import City

    elsewhere = City.objects.create(code="DL", name="Đà Lạt", province="Khánh Hòa")
    outside = Ward.objects.create(city=elsewhere, code="XX", name="Phường Xa")
    with pytest.raises(WorkflowError, match="cùng thành phố, tỉnh của nơi tiếp nhận"):
        workflow.refuse_transfer(
            transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="x", to_ward=outside
        )
    transferred.refresh_from_db()
    assert transferred.ward_id == other_ward.id and transferred.code == "PTH-2024-000001"
    assert not DossierEvent.objects.filter(kind="refuse_transfer").exists()
    workflow.accept_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10))
    with pytest.raises(WorkflowError, match="không chờ nhận"):
        workflow.refuse_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 11), reason="x")


@freeze_time(NOW)
def test_the_dossier_page_offers_the_refusal_with_the_counters_area(
    client, transferred, ward, other_ward, far_ward, officer_other_ward, officer_tuphap
):
    client.force_login(officer_other_ward)
    page = client.get(reverse("dossiers:detail", args=[transferred.pk]))
    forms = {name: form for name, _label, form in page.context["move_forms"]}
    assert list(forms) == ["accept_transfer", "refuse_transfer"]
    assert list(forms["refuse_transfer"].fields["to_ward"].queryset) == [ward, far_ward]
    posted = client.post(
        reverse("dossiers:move", args=[transferred.pk, "refuse_transfer"]),
        {
            "refuse_transfer-at": "2024-03-04 10:00",
            "refuse_transfer-reason": "Không thuộc thẩm quyền",
            "refuse_transfer-to_ward": str(far_ward.pk),
            "refuse_transfer-version": str(transferred.version),
        },
    )
    assert posted.status_code == 302
    transferred.refresh_from_db()
    assert transferred.ward_id == far_ward.id
    # the counter cannot refuse it for the competent ward
    client.force_login(officer_tuphap)
    refused = client.post(
        reverse("dossiers:move", args=[transferred.pk, "refuse_transfer"]),
        {"refuse_transfer-at": "2024-03-04 11:00", "refuse_transfer-reason": "x"},
    )
    assert refused.status_code == 403


# --- 2. the API: reception for another ward, the counter's moves -------------------------------


@freeze_time(NOW)
def test_api_receives_for_another_ward_of_the_area(ward, other_ward, birth, city):
    counter = _api(ward)
    payload = {
        "ward": "PTH",
        "received_by": "BH",
        "result_at_counter": True,
        "procedure": "1.001193",
        "channel": "in_person",
        "received_at": "2024-03-06T09:00:00+07:00",
        "applicant_name": "Nguyễn Văn An",
    }
    made = counter.post("/api/v1/dossiers", json.dumps(payload), content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["ward"], body["received_by"], body["code"]) == ("PTH", "BH", "PTH-2024-000001")
    # the counter token is offered only the counter's moves: none until the result
    assert body["allowed_moves"] == []
    d = Dossier.objects.get(pk=body["id"])
    assert (d.ward_id, d.received_by_ward_id, d.result_at_counter) == (other_ward.id, ward.id, True)
    competent = _api(other_ward)
    seen = competent.get("/api/v1/dossiers/{}".format(d.pk)).json()
    assert seen["allowed_moves"] == ["accept_transfer", "refuse_transfer"]
    listed = counter.get("/api/v1/dossiers").json()["items"]
    assert [row["allowed_moves"] for row in listed] == [[]]


@freeze_time(NOW)
def test_api_reception_outside_the_area_or_for_a_foreign_counter_is_refused(ward, other_ward, birth, city):
    from parindex.base.models import City

    elsewhere = City.objects.create(code="DL", name="Đà Lạt", province="Khánh Hòa")
    Ward.objects.create(city=elsewhere, code="XX", name="Phường Xa")
    counter = _api(ward)
    payload = {
        "ward": "XX",
        "received_by": "BH",
        "procedure": "1.001193",
        "channel": "in_person",
        "received_at": "2024-03-06T09:00:00+07:00",
        "applicant_name": "Nguyễn Văn An",
    }
    post = lambda p: counter.post("/api/v1/dossiers", json.dumps(p), content_type="application/json")  # noqa: E731
    outside = post(payload)
    assert outside.status_code == 409
    assert "cùng thành phố, tỉnh" in json.dumps(outside.json(), ensure_ascii=False)
    # the counter must be one of the token's wards
    assert post({**payload, "ward": "BH", "received_by": "PTH"}).status_code == 404
    assert post({**payload, "ward": "NOPE"}).status_code == 404
    assert not Dossier.objects.exists()


@freeze_time(NOW)
def test_counter_token_lists_the_return_once_resolved_and_the_api_refuses_transfers(
    transferred, ward, other_ward, far_ward, officer_other_ward
):
    counter, competent = _api(ward), _api(other_ward)
    url = "/api/v1/dossiers/{}".format(transferred.pk)
    body = json.dumps({"at": "2024-03-04T10:00:00+07:00", "reason": "Nhầm", "to_ward": "TA"})
    assert (
        counter.post(url + "/moves/refuse_transfer", body, content_type="application/json").status_code == 403
    )
    bad = json.dumps({"at": "2024-03-04T10:00:00+07:00", "reason": "Nhầm", "to_ward": "NOPE"})
    assert (
        competent.post(url + "/moves/refuse_transfer", bad, content_type="application/json").status_code
        == 422
    )
    sent = competent.post(url + "/moves/refuse_transfer", body, content_type="application/json")
    # sent on: the answer says where it went; Phú Thủy's token no longer finds it
    assert sent.status_code == 200, sent.content
    assert (sent.json()["ward"], sent.json()["received_by"], sent.json()["allowed_moves"]) == ("TA", "BH", [])
    assert competent.get(url).status_code == 404
    transferred.refresh_from_db()
    assert transferred.ward_id == far_ward.id
    assert counter.get(url).json()["allowed_moves"] == []


# --- 3. the city dashboard: received for other units per ward ----------------------------------


def test_city_dashboard_shows_the_received_for_other_units_count_per_ward(
    client, transferred, ward, other_ward, city_viewer, birth, officer_tuphap, django_assert_max_num_queries
):
    # a second one from Bình Hưng's counter, and one Phú Thủy's counter took in for Bình Hưng
    for counter, competent in ((ward, other_ward), (other_ward, ward)):
        workflow.receive(
            ward=competent,
            received_by=counter,
            procedure=birth,
            channel=Channel.IN_PERSON,
            received_at=at(2024, 3, 5, 9),
            applicant_name="Trần Văn B",
            by=officer_tuphap,
        )
    client.force_login(city_viewer)
    query = {"kind": "month", "year": "2024", "month": "3"}
    with django_assert_max_num_queries(18):
        page = client.get(reverse("city_dashboard"), query)
    by_ward = {row["ward"].code: row["received_for_others"] for row in page.context["rows"]}
    assert by_ward == {"BH": 2, "PTH": 1}
    assert page.context["received_for_others_total"] == 3
    html = page.content.decode()
    assert 'data-testid="for-others-BH">2<' in html and 'data-testid="for-others-total">3<' in html
    assert indicators.received_for_others([ward.id, other_ward.id], month(2024, 4)) == {}


# --- 6. the demo's cross-ward example ----------------------------------------------------------


def test_demo_cross_ward_example_counts_at_phu_thuy_and_moves_no_binh_hung_figure(
    ward, other_ward, birth, officer_tuphap, officer_other_ward
):
    from parindex import demo
    from parindex.base.periods import year

    before = indicators.dossier_counts([ward.id], year(2023))
    d = demo.seed_cross_ward(ward, officer_tuphap, other_ward, officer_other_ward)
    assert (d.ward_id, d.received_by_ward_id, d.status) == (other_ward.id, ward.id, Status.RETURNED)
    assert [e.kind for e in d.events.order_by("at")] == [
        "receive",
        "accept_transfer",
        "start",
        "resolve",
        "return_result",
    ]
    assert indicators.dossier_counts([ward.id], year(2023)) == before == {}
    counts = indicators.dossier_counts([other_ward.id], year(2023))
    assert [(c.received, c.resolved) for c in counts.values()] == [(1, 1)]
    assert indicators.received_for_others([ward.id, other_ward.id], month(2023, 5)) == {ward.id: 1}


def test_sent_back_dossier_is_still_found_by_its_receipt_code_and_a_clash_takes_a_new_code(
    client, transferred, ward, other_ward, birth, officer_tuphap, officer_other_ward
):
    from dossiers import lookup

    assert lookup.find("PTH-2024-000001", "6789") == transferred
    workflow.refuse_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10), reason="Nhầm")
    assert lookup.find("PTH-2024-000001", "6789") == transferred

    # a second mistaken transfer whose code Bình Hưng already holds: it takes Bình Hưng's next code
    def receive(**kw):
        return workflow.receive(
            procedure=birth,
            channel=Channel.IN_PERSON,
            received_at=at(2024, 3, 4, 11),
            applicant_name="Lê Văn C",
            by=officer_tuphap,
            **kw,
        )

    receive(ward=ward, code="PTH-2024-000002")
    second = receive(ward=other_ward, received_by=ward)
    assert second.code == "PTH-2024-000002"
    workflow.refuse_transfer(second, by=officer_other_ward, at=at(2024, 3, 4, 12), reason="Nhầm")
    second.refresh_from_db()
    assert second.ward_id == ward.id and second.code.startswith("BH-2024-")
    assert second.code != "PTH-2024-000002"
    note = DossierEvent.objects.get(dossier=second, kind="refuse_transfer").note
    assert note.startswith("Phường Phú Thủy trả lại hồ sơ PTH-2024-000002 (sổ 2/1/2024)")
