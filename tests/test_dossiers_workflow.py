"""Workflow moves, the state machine's refusals, pause arithmetic, hops, codes and deadlines."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from dossiers import deadlines, workflow
from dossiers.models import Channel, Dossier, DossierEvent, Hop, Outcome, Rating, Status
from dossiers.workflow import WorkflowError
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


def test_receive_sets_code_due_date_fee_search_and_event(make_dossier, business, officer_datdai):
    d = make_dossier(
        business,
        at(2024, 2, 7, 9),
        name="Nguyễn Văn Ánh",
        applicant_phone="0912345678",
        applicant_id_number="079123456789",
    )
    assert d.code == "BH-2024-000001"
    assert d.due_date == date(2024, 2, 19) == d.original_due_date  # 3 working days after Tết
    assert d.fee == Decimal(100000)
    assert d.status == Status.RECEIVED and d.version == 1
    assert d.search_text == "bh-2024-000001 nguyen van anh 0912345678 079123456789"
    assert list(d.events.values_list("kind", "to_status")) == [("receive", "received")]
    second = make_dossier(business, at(2024, 2, 7, 10))
    assert second.code == "BH-2024-000002"


def test_receive_validates_backdating_future_and_procedure_validity(ward, business, officer_datdai):
    common = {
        "ward": ward,
        "procedure": business,
        "channel": Channel.IN_PERSON,
        "applicant_name": "A",
        "by": officer_datdai,
    }
    with pytest.raises(WorkflowError, match="lý do"):
        workflow.receive(received_at=at(2024, 3, 1, 9), now=at(2024, 3, 4, 9), **common)
    with pytest.raises(WorkflowError, match="tương lai"):
        workflow.receive(received_at=at(2024, 3, 5, 9), now=at(2024, 3, 4, 9), **common)
    with pytest.raises(WorkflowError, match="hiệu lực"):
        workflow.receive(received_at=at(2019, 3, 5, 9), **common)
    d = workflow.receive(
        received_at=at(2024, 3, 1, 9), now=at(2024, 3, 4, 9), backdate_reason="Nhập sổ giấy", **common
    )
    assert d.backdate_reason == "Nhập sổ giấy"


def test_full_path_with_supplement_hop_resolve_return_and_rating(
    make_dossier, land, land_office, officer_datdai
):
    d = make_dossier(land, at(2024, 2, 7, 9))  # 10 working days -> 28/02
    assert d.due_date == date(2024, 2, 28)
    workflow.start(d, by=officer_datdai, at=at(2024, 2, 7, 10))
    assert d.status == Status.IN_PROGRESS and d.assignee == officer_datdai
    workflow.request_supplement(
        d,
        by=officer_datdai,
        at=at(2024, 2, 15, 10),
        items="Bản sao sổ hộ khẩu",
        legal_basis="Điều 8 Nghị định 61",
    )
    assert d.status == Status.SUPPLEMENT
    workflow.resume(d, by=officer_datdai, at=at(2024, 2, 19, 10))
    # Paused Thu 15/02 10:00 -> Mon 19/02 10:00: two working days of 7 h 30 = 900 working minutes.
    assert d.paused_minutes == 900
    assert d.due_date == date(2024, 3, 1)
    hop = workflow.send_to_agency(
        d, agency=land_office, by=officer_datdai, at=at(2024, 2, 19, 11), due_date=date(2024, 2, 26)
    )
    assert d.status == Status.AT_AGENCY
    workflow.return_from_agency(d, by=officer_datdai, at=at(2024, 2, 27, 8))
    hop.refresh_from_db()
    assert hop.result == Hop.Result.LATE and hop.returned_at == at(2024, 2, 27, 8)
    assert deadlines.agencies_at_fault(d) == [land_office]
    workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 1, 16))
    assert (d.status, d.outcome, d.resolved_on) == (Status.RESOLVED, Outcome.APPROVED, date(2024, 3, 1))
    assert deadlines.classify(d) == deadlines.ON_TIME
    workflow.return_result(d, by=officer_datdai, at=at(2024, 3, 4, 9))
    assert d.status == Status.RETURNED and d.returned_at == at(2024, 3, 4, 9)
    rating = workflow.rate(
        d, value=Rating.Value.SATISFIED, source=Rating.Source.OFFICER, at=at(2024, 3, 4, 9), by=officer_datdai
    )
    assert rating.ward_id == d.ward_id and rating.field_id == d.field_id
    with pytest.raises(WorkflowError, match="đã được đánh giá"):
        workflow.rate(d, value=Rating.Value.SATISFIED, source=Rating.Source.PUBLIC, at=at(2024, 3, 5, 9))
    d.refresh_from_db()
    assert d.version == 8
    assert list(DossierEvent.objects.filter(dossier=d).values_list("kind", flat=True)) == [
        "receive",
        "start",
        "request_supplement",
        "resume",
        "send_to_agency",
        "return_from_agency",
        "resolve",
        "return_result",
        "rate",
    ]


def test_hop_returned_on_its_due_day_is_on_time_and_earlier_is_before(
    make_dossier, land, land_office, officer_datdai
):
    d = make_dossier(land, at(2024, 3, 4, 9))
    workflow.send_to_agency(
        d, agency=land_office, by=officer_datdai, at=at(2024, 3, 4, 10), due_date=date(2024, 3, 8)
    )
    hop = workflow.return_from_agency(d, by=officer_datdai, at=at(2024, 3, 8, 16))
    assert hop.result == Hop.Result.ON_TIME
    workflow.send_to_agency(
        d, agency=land_office, by=officer_datdai, at=at(2024, 3, 8, 17), due_date=date(2024, 3, 12)
    )
    hop2 = workflow.return_from_agency(d, by=officer_datdai, at=at(2024, 3, 11, 9))
    assert hop2.result == Hop.Result.BEFORE
    assert deadlines.agencies_at_fault(d) == []


@pytest.mark.parametrize(
    ("status_moves", "illegal"),
    [
        ([], "resume"),
        ([], "return_from_agency"),
        ([], "return_result"),
        (["start"], "start"),
        (["start"], "reject_at_reception"),
        (["resolve"], "resolve"),
        (["resolve"], "withdraw"),
        (["resolve"], "issue_apology"),
        (["withdraw"], "start"),
        (["stop"], "resolve"),
        (["reject"], "start"),
        (["supplement"], "resolve"),
        (["supplement"], "send_to_agency"),
    ],
)
def test_illegal_moves_are_refused_with_a_vietnamese_message(
    make_dossier, land, land_office, officer_datdai, status_moves, illegal
):
    d = make_dossier(land, at(2024, 3, 4, 9))
    t = at(2024, 3, 4, 10)
    for m in status_moves:
        {
            "start": lambda: workflow.start(d, by=officer_datdai, at=t),
            "resolve": lambda: workflow.resolve(d, by=officer_datdai, at=t),
            "withdraw": lambda: workflow.withdraw(d, by=officer_datdai, at=t, reason="Rút"),
            "stop": lambda: workflow.stop(d, by=officer_datdai, at=t, reason="Dừng"),
            "reject": lambda: workflow.reject_at_reception(
                d, by=officer_datdai, at=t, reason="Sai thẩm quyền"
            ),
            "supplement": lambda: workflow.request_supplement(d, by=officer_datdai, at=t, items="Giấy"),
        }[m]()
    version = d.version
    later = at(2024, 3, 5, 9)
    calls = {
        "start": lambda: workflow.start(d, by=officer_datdai, at=later),
        "resume": lambda: workflow.resume(d, by=officer_datdai, at=later),
        "return_from_agency": lambda: workflow.return_from_agency(d, by=officer_datdai, at=later),
        "return_result": lambda: workflow.return_result(d, by=officer_datdai, at=later),
        "reject_at_reception": lambda: workflow.reject_at_reception(
            d, by=officer_datdai, at=later, reason="x"
        ),
        "resolve": lambda: workflow.resolve(d, by=officer_datdai, at=later),
        "withdraw": lambda: workflow.withdraw(d, by=officer_datdai, at=later, reason="x"),
        "issue_apology": lambda: workflow.issue_apology(
            d, by=officer_datdai, at=later, reason="x", new_due_date=date(2024, 4, 30)
        ),
        "send_to_agency": lambda: workflow.send_to_agency(
            d, agency=land_office, by=officer_datdai, at=later, due_date=date(2024, 3, 8)
        ),
    }
    with pytest.raises(WorkflowError, match="Không thể thực hiện"):
        calls[illegal]()
    d.refresh_from_db()
    assert d.version == version


def test_moves_refuse_times_before_reception_or_last_event(make_dossier, land, officer_datdai):
    d = make_dossier(land, at(2024, 3, 4, 9))
    with pytest.raises(WorkflowError, match="trước thời điểm tiếp nhận"):
        workflow.start(d, by=officer_datdai, at=at(2024, 3, 4, 8))
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 5, 9))
    with pytest.raises(WorkflowError, match="thao tác gần nhất"):
        workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 4, 10))


def test_reasons_are_required(make_dossier, land, officer_datdai):
    d = make_dossier(land, at(2024, 3, 4, 9))
    for fn in (workflow.withdraw, workflow.stop, workflow.reject_at_reception):
        with pytest.raises(WorkflowError, match="lý do"):
            fn(d, by=officer_datdai, at=at(2024, 3, 4, 10), reason="  ")
    with pytest.raises(WorkflowError, match="lý do"):
        workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 4, 10), outcome=Outcome.REFUSED)
    with pytest.raises(WorkflowError, match="bổ sung"):
        workflow.request_supplement(d, by=officer_datdai, at=at(2024, 3, 4, 10), items="")


def test_withdrawn_and_stopped_count_as_closed_on_time(make_dossier, land, officer_datdai):
    w = make_dossier(land, at(2024, 3, 4, 9))
    workflow.withdraw(w, by=officer_datdai, at=at(2024, 4, 30, 9), reason="Công dân xin rút")
    assert (w.status, w.outcome, w.resolved_on) == (Status.WITHDRAWN, Outcome.WITHDRAWN, date(2024, 4, 30))
    assert deadlines.classify(w) == deadlines.ON_TIME
    s = make_dossier(land, at(2024, 3, 4, 9))
    workflow.stop(s, by=officer_datdai, at=at(2024, 3, 5, 9), reason="Tranh chấp")
    assert deadlines.classify(s) == deadlines.ON_TIME
    r = make_dossier(land, at(2024, 3, 4, 9))
    workflow.reject_at_reception(
        r, by=officer_datdai, at=at(2024, 3, 4, 9, 5), reason="Không thuộc thẩm quyền"
    )
    assert deadlines.classify(r) is None
    assert r.resolved_at is None
    assert set(Dossier.objects.accepted().values_list("pk", flat=True)) == {w.pk, s.pk}
    assert Dossier.objects.filter(resolved_on_time_q := deadlines.resolved_on_time_q()).count() == 2
    assert resolved_on_time_q is not None


def test_classification_at_a_cut_off_date(make_dossier, land, business, officer_datdai):
    before = make_dossier(business, at(2024, 3, 4, 9))  # due 07/03
    workflow.resolve(before, by=officer_datdai, at=at(2024, 3, 6, 9))
    on_time = make_dossier(business, at(2024, 3, 4, 9))
    workflow.resolve(on_time, by=officer_datdai, at=at(2024, 3, 7, 16))
    late = make_dossier(business, at(2024, 3, 4, 9))
    workflow.resolve(late, by=officer_datdai, at=at(2024, 3, 8, 8))
    open_overdue = make_dossier(business, at(2024, 3, 4, 9))
    open_within = make_dossier(land, at(2024, 3, 4, 9))  # due 18/03
    waiting = make_dossier(business, at(2024, 3, 4, 9))
    workflow.request_supplement(waiting, by=officer_datdai, at=at(2024, 3, 5, 9), items="Giấy tờ")

    qs = Dossier.objects.all()
    assert set(qs.filter(deadlines.resolved_before_q())) == {before}
    assert set(qs.filter(deadlines.resolved_on_time_q())) == {on_time}
    assert set(qs.filter(deadlines.resolved_late_q())) == {late}

    cutoff = date(2024, 3, 11)
    from parindex.base.periods import start_of_day

    moment = start_of_day(date(2024, 3, 12))
    open_qs = qs.open_on(cutoff)
    assert set(open_qs) == {open_overdue, open_within, waiting}
    judge = deadlines.judged_at(moment, now=at(2026, 1, 1, 9))
    assert set(open_qs.filter(deadlines.open_overdue_q(moment, judge))) == {open_overdue}
    assert set(open_qs.filter(deadlines.open_within_q(moment, judge))) == {open_within, waiting}
    # The late dossier was still open and overdue at the end of 07/03? No: due 07/03, overdue from 08/03.
    end_of_7th = start_of_day(date(2024, 3, 8))
    assert (
        deadlines.classify(late, at=end_of_7th, judge=deadlines.judged_at(end_of_7th, now=at(2026, 1, 1, 9)))
        == deadlines.WITHIN
    )
    assert deadlines.classify(open_overdue, at=moment, judge=judge) == deadlines.OVERDUE
    assert deadlines.classify(waiting, at=moment, judge=judge) == deadlines.WITHIN
    assert deadlines.classify(before, at=moment, judge=judge) == deadlines.BEFORE


def test_worklist_querysets(make_dossier, land, business, birth, officer_datdai):
    due_today = make_dossier(business, at(2024, 3, 4, 9))  # due Thu 07/03
    due_next = make_dossier(business, at(2024, 3, 5, 9))  # due Fri 08/03
    overdue = make_dossier(business, at(2024, 2, 28, 9))  # due 04/03
    later = make_dossier(land, at(2024, 3, 4, 9))
    waiting = make_dossier(business, at(2024, 2, 28, 9))
    workflow.request_supplement(waiting, by=officer_datdai, at=at(2024, 2, 29, 9), items="x")
    day = date(2024, 3, 7)
    qs = Dossier.objects.all()
    assert set(qs.due_on(day)) == {due_today}
    assert set(qs.overdue_on(day)) == {overdue}
    assert set(qs.at_risk_on(day)) == {due_today, due_next}
    assert set(qs.needing_apology_on(day)) == {due_today, due_next, overdue}
    workflow.issue_apology(
        overdue,
        by=officer_datdai,
        at=at(2024, 3, 7, 9),
        reason="Chờ ý kiến Văn phòng ĐKĐĐ",
        new_due_date=date(2024, 3, 14),
    )
    # Issued after the due moment (04/03 17:00): recorded, flagged late, and still a gap (issue 12).
    assert set(qs.needing_apology_on(day)) == {due_today, due_next, overdue}
    assert overdue.apologies.get().issued_late
    workflow.issue_apology(
        due_today,
        by=officer_datdai,
        at=at(2024, 3, 7, 9),
        reason="Chờ xác minh",
        new_due_date=date(2024, 3, 14),
    )
    assert set(qs.needing_apology_on(day)) == {due_next, overdue}
    assert set(qs.waiting_supplement()) == {waiting}
    assert later not in set(qs.at_risk_on(day))


def test_apology_letter_keeps_due_date_and_counts_per_field(make_dossier, land, land_office, officer_datdai):
    d = make_dossier(land, at(2024, 3, 4, 9))  # due 18/03
    with pytest.raises(WorkflowError, match="hẹn trả mới"):
        workflow.issue_apology(
            d, by=officer_datdai, at=at(2024, 3, 15, 9), reason="Chậm", new_due_date=date(2024, 3, 18)
        )
    letter = workflow.issue_apology(
        d,
        by=officer_datdai,
        at=at(2024, 3, 15, 9),
        reason="Chờ đo đạc",
        new_due_date=date(2024, 3, 25),
        agency_at_fault=land_office,
    )
    assert letter.field_id == d.field_id and letter.ward_id == d.ward_id
    assert d.due_date == date(2024, 3, 18)
    workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 22, 9))
    assert deadlines.classify(d) == deadlines.LATE
    assert not Dossier.objects.late_without_apology().exists()


def test_late_without_apology_is_a_compliance_gap(make_dossier, business, officer_datdai):
    d = make_dossier(business, at(2024, 3, 4, 9))
    workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 12, 9))
    assert list(Dossier.objects.late_without_apology()) == [d]


def test_stale_edit_is_refused_with_who_and_when(make_dossier, land, officer_datdai, officer_tuphap):
    d = make_dossier(land, at(2024, 3, 4, 9))
    opened = d.version
    workflow.edit(
        d,
        by=officer_tuphap,
        at=at(2024, 3, 4, 10),
        expected_version=opened,
        changes={"applicant_phone": "0987654321"},
    )
    with pytest.raises(workflow.StaleEdit, match="Nguyễn Thị Lan sửa lúc 10:00 04/03/2024"):
        workflow.edit(
            d,
            by=officer_datdai,
            at=at(2024, 3, 4, 11),
            expected_version=opened,
            changes={"applicant_phone": "0911111111"},
        )
    d.refresh_from_db()
    assert d.applicant_phone == "0987654321"
    assert "0987654321" in d.search_text


def test_explicit_code_must_be_unique_per_ward(make_dossier, land, other_ward):
    make_dossier(land, at(2024, 3, 4, 9), code="BH-IMPORT-1")
    with pytest.raises(WorkflowError, match="đã tồn tại"):
        make_dossier(land, at(2024, 3, 4, 9), code="BH-IMPORT-1")
    assert make_dossier(land, at(2024, 3, 4, 9), code="BH-IMPORT-1", ward_=other_ward).code == "BH-IMPORT-1"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_receptions_get_distinct_codes(ward, officer_datdai, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL: DATABASE_URL=postgres://...")
    from dossiers.models import Procedure

    procedure = Procedure.objects.get(code="2.000720")
    codes: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(20)

    def work(i: int) -> None:
        try:
            barrier.wait()
            d = workflow.receive(
                ward=ward,
                procedure=procedure,
                channel=Channel.IN_PERSON,
                received_at=at(2024, 3, 4, 9),
                applicant_name="Người {}".format(i),
                by=officer_datdai,
            )
            codes.append(d.code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(codes) == ["BH-2024-{:06d}".format(n) for n in range(1, 21)]


def test_electronic_hand_over_marks_the_dossier_e_circulated(make_dossier, land, land_office, officer_datdai):
    paper = make_dossier(land, at(2024, 3, 4, 9))
    digital = make_dossier(land, at(2024, 3, 4, 10))
    assert not paper.e_circulated and not digital.e_circulated
    workflow.send_to_agency(
        paper,
        agency=land_office,
        by=officer_datdai,
        at=at(2024, 3, 4, 11),
        due_date=date(2024, 3, 8),
        electronic=False,
    )
    workflow.send_to_agency(
        digital, agency=land_office, by=officer_datdai, at=at(2024, 3, 4, 11), due_date=date(2024, 3, 8)
    )
    paper.refresh_from_db()
    digital.refresh_from_db()
    assert (paper.e_circulated, digital.e_circulated) == (False, True)
