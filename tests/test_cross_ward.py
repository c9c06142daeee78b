"""Reception regardless of administrative boundary (issue 17 item 5): a dossier received at
Bình Hưng's counter for Phú Thủy is Phú Thủy's to accept, handle and count; Bình Hưng sees it in
the counter's role; a third ward never finds it."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from dossiers.models import Channel, Dossier, DossierEvent, Status
from dossiers.workflow import WorkflowError
from parindex.analytics import indicators
from parindex.api import tokens
from parindex.api.models import Scope
from parindex.base.access import is_receiving_counter
from parindex.base.audit import AccessLog
from parindex.base.models import Role, Ward
from parindex.base.periods import month
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

NOW = "2024-03-06 10:00:00+07:00"


@pytest.fixture
def third_ward(city) -> Ward:
    return Ward.objects.create(city=city, code="DT", name="Phường Đức Thắng")


@pytest.fixture
def officer_third_ward(make_user, third_ward):
    return make_user("canbo_ducthang", role=Role.OFFICER, ward=third_ward, full_name="Hồ Văn Tư")


@pytest.fixture
def leader_other_ward(make_user, other_ward):
    return make_user("chutich_phuthuy", role=Role.LEADER, ward=other_ward, full_name="Mai Văn Sơn")


@pytest.fixture
def transferred(ward, other_ward, birth, officer_tuphap) -> Dossier:
    """Received at Bình Hưng (the counter) for Phú Thủy (the competent unit); result at the counter."""
    return workflow.receive(
        ward=other_ward,
        received_by=ward,
        procedure=birth,
        channel=Channel.IN_PERSON,
        received_at=at(2024, 3, 4, 9),
        applicant_name="Phạm Thị Hoa",
        applicant_id_number="079123456789",
        applicant_phone="0912345678",
        applicant_address="12 Trần Phú, Phường Phú Thủy",
        by=officer_tuphap,
        result_at_counter=True,
    )


def _accept_and_resolve(dossier: Dossier, by) -> None:
    workflow.accept_transfer(dossier, by=by, at=at(2024, 3, 4, 10))
    workflow.start(dossier, by=by, at=at(2024, 3, 4, 10, 5))
    workflow.resolve(dossier, by=by, at=at(2024, 3, 4, 11))


def test_reception_for_another_ward_is_numbered_and_owned_by_the_competent_ward(
    transferred, ward, other_ward
):
    assert (transferred.ward_id, transferred.received_by_ward_id) == (other_ward.id, ward.id)
    # numbered in the competent ward's sequence; the clock runs from the counter's reception
    assert transferred.code == "PTH-2024-000001"
    assert transferred.due_at == at(2024, 3, 4, 17, 0)
    assert transferred.awaiting_acceptance and transferred.e_circulated
    note = DossierEvent.objects.get(dossier=transferred, kind="receive").note
    assert note == "Tiếp nhận tại Phường Bình Hưng, chuyển điện tử đến Phường Phú Thủy."


def test_reception_outside_the_province_is_refused(ward, far_ward, birth, officer_tuphap):
    far_ward.city.province = "Đồng Nai"
    far_ward.city.save()
    with pytest.raises(WorkflowError, match="cùng thành phố, tỉnh"):
        workflow.receive(
            ward=far_ward,
            received_by=ward,
            procedure=birth,
            channel=Channel.IN_PERSON,
            received_at=at(2024, 3, 4, 9),
            applicant_name="A",
            by=officer_tuphap,
        )
    assert not Dossier.objects.exists()


def test_competent_ward_accepts_before_any_other_move(transferred, officer_other_ward):
    assert workflow.allowed_moves(transferred) == ["accept_transfer", "refuse_transfer"]
    with pytest.raises(WorkflowError, match="phải nhận hồ sơ chuyển đến trước"):
        workflow.start(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10))
    workflow.accept_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10))
    assert not transferred.awaiting_acceptance
    assert transferred.transfer_accepted_by == officer_other_ward
    assert "accept_transfer" not in workflow.allowed_moves(transferred)
    with pytest.raises(WorkflowError, match="không chờ nhận"):
        workflow.accept_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 11))
    workflow.start(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10, 5))
    assert transferred.status == Status.IN_PROGRESS


def test_counted_once_where_handled_and_as_the_counters_own_work(
    transferred, ward, other_ward, officer_other_ward
):
    _accept_and_resolve(transferred, officer_other_ward)
    period = month(2024, 3)
    counts = indicators.dossier_counts([ward.id, other_ward.id], period)
    assert list(counts) == [(other_ward.id, transferred.field_id)]
    cell = counts[(other_ward.id, transferred.field_id)]
    assert (cell.received, cell.resolved) == (1, 1)
    assert indicators.received_for_others([ward.id, other_ward.id], period) == {ward.id: 1}
    assert indicators.received_for_others([ward.id], month(2024, 4)) == {}


def test_incoming_worklist_of_the_competent_ward(client, transferred, officer_other_ward):
    client.force_login(officer_other_ward)
    page = client.get(reverse("dossiers:index"), {"list": "incoming"})
    assert [d.code for d in page.context["page"].object_list] == ["PTH-2024-000001"]
    tabs = {t["key"]: t["count"] for t in page.context["worklists"]}
    assert tabs["incoming"] == 1
    workflow.accept_transfer(transferred, by=officer_other_ward, at=at(2024, 3, 4, 10))
    page = client.get(reverse("dossiers:index"), {"list": "incoming"})
    assert list(page.context["page"].object_list) == []


def test_both_wards_see_it_each_in_its_role_and_a_third_never(
    client, transferred, officer_tuphap, leader_other_ward, officer_third_ward
):
    url = reverse("dossiers:detail", args=[transferred.pk])
    # the competent ward: every move, the personal data by the one rule (its leader: in full)
    client.force_login(leader_other_ward)
    page = client.get(url)
    assert page.status_code == 200
    assert [m for m, _label, _form in page.context["move_forms"]] == ["accept_transfer", "refuse_transfer"]
    assert page.context["personal"].id_number == "079123456789"
    # the counter: status, no moves before the result, no change history, no "show"
    client.force_login(officer_tuphap)
    page = client.get(url)
    assert page.status_code == 200
    assert is_receiving_counter(officer_tuphap, transferred)
    assert page.context["move_forms"] == [] and page.context["audit_entries"] == []
    assert b'data-testid="awaiting-acceptance"' in page.content
    assert b'data-testid="reveal-form"' not in page.content
    # a third ward of the same city: not found, whatever the door
    client.force_login(officer_third_ward)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dossiers:print", args=[transferred.pk, "01"])).status_code == 404
    move = reverse("dossiers:move", args=[transferred.pk, "accept_transfer"])
    assert client.post(move, {"accept_transfer-at": "2024-03-04T10:00"}).status_code == 404
    assert not transferred.events.filter(kind="accept_transfer").exists()


def test_counter_reads_what_it_entered_and_not_what_the_competent_ward_changed(
    client, transferred, officer_tuphap, leader_other_ward
):
    workflow.accept_transfer(transferred, by=leader_other_ward, at=at(2024, 3, 4, 10))
    workflow.edit(
        transferred,
        by=leader_other_ward,
        at=at(2024, 3, 4, 10, 30),
        expected_version=transferred.version,
        changes={"applicant_phone": "0987654321"},
    )
    client.force_login(officer_tuphap)
    page = client.get(reverse("dossiers:detail", args=[transferred.pk]))
    personal = page.context["personal"]
    assert personal.id_number == "079123456789"  # entered at the counter
    assert personal.phone == "098••••321"  # added by the competent ward: masked
    assert AccessLog.objects.filter(user=officer_tuphap, action="view (counter)").count() == 1
    reveal = reverse("dossiers:reveal", args=[transferred.pk, "detail"])
    assert client.post(reveal, {"reason": "Cần gọi người nộp"}).status_code == 403


def test_counter_hands_the_result_back_and_nothing_else(
    client, transferred, officer_tuphap, officer_other_ward
):
    _accept_and_resolve(transferred, officer_other_ward)
    # the result goes back through the counter: not the competent ward's move
    assert "return_result" not in workflow.allowed_moves(transferred)
    client.force_login(officer_tuphap)
    url = reverse("dossiers:detail", args=[transferred.pk])
    assert [m for m, _label, _form in client.get(url).context["move_forms"]] == ["return_result"]
    stop = reverse("dossiers:move", args=[transferred.pk, "stop"])
    assert client.post(stop, {"stop-at": "2024-03-04T14:00", "stop-reason": "x"}).status_code == 403
    with freeze_time("2024-03-04 15:00:00+07:00"):
        back = reverse("dossiers:move", args=[transferred.pk, "return_result"])
        assert client.post(back, {"return_result-at": "2024-03-04T14:00"}).status_code == 302
    transferred.refresh_from_db()
    assert transferred.status == Status.RETURNED
    assert transferred.events.get(kind="return_result").by == officer_tuphap


def test_register_lists_and_exports_by_role(
    client, transferred, officer_tuphap, officer_other_ward, officer_third_ward, django_assert_max_num_queries
):
    index = reverse("dossiers:index")
    client.force_login(officer_tuphap)
    assert list(client.get(index, {"reset": "1"}).context["page"].object_list) == []  # not in its register
    with django_assert_max_num_queries(16):
        page = client.get(index, {"list": "for_others"})
    assert [d.code for d in page.context["page"].object_list] == ["PTH-2024-000001"]
    assert page.context["page"].object_list[0].personal.id_number == "•••••••••789"  # lists: masked
    assert b'data-testid="cross-ward"' in page.content
    export = client.get(index, {"list": "for_others", "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert [r[0] for r in rows[1:]] == ["PTH-2024-000001"]
    assert rows[1][4] == "•••••••••789"

    client.force_login(officer_other_ward)
    assert [d.code for d in client.get(index).context["page"].object_list] == ["PTH-2024-000001"]

    client.force_login(officer_third_ward)
    assert list(client.get(index).context["page"].object_list) == []
    assert list(client.get(index, {"list": "for_others"}).context["page"].object_list) == []
    assert list(client.get(index, {"q": "PTH-2024"}).context["page"].object_list) == []
    export = client.get(index, {"list": "for_others", "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 1  # the header only


def _api(ward) -> Client:
    _token, raw = tokens.issue(name="API {}".format(ward.code), scope=Scope.WRITE, wards=[ward])
    return Client(HTTP_AUTHORIZATION="Bearer " + raw)


@freeze_time(NOW)
def test_api_sees_it_in_each_role_and_never_for_a_third_ward(
    transferred, ward, other_ward, third_ward, officer_other_ward
):
    url = "/api/v1/dossiers/{}".format(transferred.pk)
    counter, competent, third = _api(ward), _api(other_ward), _api(third_ward)
    body = counter.get(url).json()
    assert (body["applicant_id_number"], body["ward"], body["received_by"]) == ("•••••••••789", "PTH", "BH")
    assert competent.get(url).status_code == 200
    assert third.get(url).status_code == 404
    assert [d["code"] for d in third.get("/api/v1/dossiers").json()["items"]] == []
    assert [d["code"] for d in counter.get("/api/v1/dossiers").json()["items"]] == ["PTH-2024-000001"]
    body = json.dumps({"at": "2024-03-04T10:00:00+07:00"})
    refused = counter.post(url + "/moves/accept_transfer", body, content_type="application/json")
    assert refused.status_code == 403
    assert (
        third.post(url + "/moves/accept_transfer", body, content_type="application/json").status_code == 404
    )
    accepted = competent.post(url + "/moves/accept_transfer", body, content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    transferred.refresh_from_db()
    assert transferred.transfer_accepted_at == at(2024, 3, 4, 10)


@freeze_time(NOW)
def test_counter_logs_a_dossier_for_another_ward_on_the_form(client, officer_tuphap, other_ward, birth):
    client.force_login(officer_tuphap)
    page = client.get(reverse("dossiers:create"))
    response = client.post(
        reverse("dossiers:create"),
        {
            **form_token(page),
            "procedure": "1.001193 - Đăng ký khai sinh",
            "channel": "in_person",
            "received_at": "2024-03-06T09:30",
            "applicant_name": "Phạm Thị Hoa",
            "applicant_id_number": "079123456789",
            "sets": "1",
            "competent_ward": str(other_ward.pk),
            "result_at_counter": "on",
        },
    )
    d = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:detail", args=[d.pk])
    assert (d.ward, d.received_by_ward.code, d.code, d.result_at_counter) == (
        other_ward,
        "BH",
        "PTH-2024-000001",
        True,
    )
    # the receipt printed at the counter carries what the counter entered
    receipt = client.get(reverse("dossiers:print", args=[d.pk, "01"]))
    assert receipt.status_code == 200 and receipt.context["personal"].id_number == "079123456789"


def test_dashboard_and_report_show_the_received_for_other_units_count(
    client, transferred, chairperson, leader_other_ward, django_assert_max_num_queries
):
    query = {"kind": "month", "year": "2024", "month": "3"}
    client.force_login(chairperson)
    page = client.get(reverse("dashboard"), query)
    assert page.context["received_for_others"]["count"] == 1
    assert page.context["indicators"].counts.received == 0  # Biểu 06 counts it at Phú Thủy
    client.force_login(leader_other_ward)
    page = client.get(reverse("dashboard"), query)
    assert page.context["received_for_others"]["count"] == 0
    assert page.context["indicators"].counts.received == 1


def test_report_sheet_lists_the_received_for_other_units_count(ward, transferred):
    from parindex.analytics.reports import sheets
    from parindex.analytics.reports.figures import Scope
    from parindex.base import xlsx

    period = month(2024, 3)
    scope = Scope.for_ward(ward)
    workbook = xlsx.new_workbook()
    sheets.write_indicators(workbook, scope, period, indicators.summary(scope.ward_ids, period))
    path = io.BytesIO()
    workbook.save(path)
    rows = list(openpyxl.load_workbook(io.BytesIO(path.getvalue())).active.values)
    line = [r for r in rows if r[1] == "Tiếp nhận cho đơn vị khác"]
    assert [(r[0], r[6]) for r in line] == [("Phường Bình Hưng", 1)]


def test_public_status_names_the_counter_the_competent_unit_and_where_to_collect(client, transferred):
    from dossiers.lookup import public_token

    page = client.get(reverse("lookup:status", args=[public_token(transferred)]))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<dd data-testid="received-at">Phường Bình Hưng</dd>' in html
    assert '<dd data-testid="result-at">Phường Bình Hưng</dd>' in html
    assert "<dd>Phường Phú Thủy</dd>" in html
