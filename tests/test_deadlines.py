"""The deadline rulebook (dossiers/deadlines.py): working time, due moments, pauses, the due
moment's history, classification at a cut-off, and the cases of issue 12 as regressions."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bench import generate_load
from dossiers import buckets, calendar, deadlines, workflow
from dossiers.models import ApologyLetter, Channel, Dossier, DueChange, Procedure, WorkingHours
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.periods import PeriodError, period_from_query
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

LATER = at(2030, 1, 1, 9)  # "now" for periods that have ended


def _counts(ward, period, now=LATER) -> indicators.DossierCounts:
    return sum(indicators.dossier_counts([ward.id], period, now=now).values(), indicators.DossierCounts())


# --- Working time --------------------------------------------------------------------------------


def test_working_minutes_across_lunch_weekend_and_tet(db):
    # Mon 04/03/2024 11:00 + 1 h: 30 min before lunch, 30 after it.
    assert calendar.add_working_minutes(at(2024, 3, 4, 11), 60) == at(2024, 3, 4, 14)
    # Fri 08/03 16:30 + 1 h: the weekend is skipped.
    assert calendar.add_working_minutes(at(2024, 3, 8, 16, 30), 60) == at(2024, 3, 11, 8)
    # Wed 07/02/2024 16:30 + 1 h: Tết 08-14/02 is skipped.
    assert calendar.add_working_minutes(at(2024, 2, 7, 16, 30), 60) == at(2024, 2, 15, 8)
    # A result exactly at a shift's end stays there.
    assert calendar.add_working_minutes(at(2024, 3, 4, 11), 30) == at(2024, 3, 4, 11, 30)


def test_pause_minutes_count_only_working_time(db):
    # Mon 16:30 -> Tue 08:00: 16:30-17:00 and 07:30-08:00, one working hour (not a whole day).
    assert calendar.working_minutes_between(at(2024, 3, 4, 16, 30), at(2024, 3, 5, 8)) == 60
    # Mon 08:00 -> Mon 16:30: 3 h 30 in the morning + 3 h in the afternoon (not zero).
    assert calendar.working_minutes_between(at(2024, 3, 4, 8), at(2024, 3, 4, 16, 30)) == 390
    # Over a weekend and over Tết nothing is counted.
    assert calendar.working_minutes_between(at(2024, 3, 8, 17), at(2024, 3, 11, 7, 30)) == 0
    assert calendar.working_minutes_between(at(2024, 2, 7, 17), at(2024, 2, 15, 7, 30)) == 0
    assert calendar.clock_start(at(2024, 3, 9, 10)) == at(2024, 3, 11, 7, 30)
    assert calendar.last_working_moment(at(2024, 3, 4, 12)) == at(2024, 3, 4, 11, 30)


def test_city_working_hours_apply_from_their_date(city, ward, land, make_dossier):
    WorkingHours.objects.create(
        city=city, valid_from=date(2024, 3, 1), afternoon_start=time(14, 0), afternoon_end=time(17, 30)
    )
    assert calendar.close_of(date(2024, 2, 29), city_id=city.id) == at(2024, 2, 29, 17)
    assert calendar.close_of(date(2024, 3, 1), city_id=city.id) == at(2024, 3, 1, 17, 30)
    # Lunch is now 11:30-14:00.
    assert calendar.add_working_minutes(at(2024, 3, 4, 11), 60, city_id=city.id) == at(2024, 3, 4, 14, 30)
    d = make_dossier(land, at(2024, 3, 4, 9))
    assert d.due_at == at(2024, 3, 18, 17, 30)


# --- Due moments (DOMAIN.md 2 and 2b) ------------------------------------------------------------


@pytest.fixture
def five_days(land) -> Procedure:
    return Procedure.objects.create(
        field=land.field, code="T.5", name="Thủ tục 5 ngày", valid_from=date(2020, 1, 1), processing_days=5
    )


@pytest.fixture
def half_day(land) -> Procedure:
    return Procedure.objects.create(
        field=land.field,
        code="T.H",
        name="Thủ tục nửa ngày",
        valid_from=date(2020, 1, 1),
        processing_hours=Decimal("4"),
    )


def test_five_working_days_across_tet_end_at_the_close_of_the_day(five_days):
    assert deadlines.due_moment_for(five_days, at(2024, 2, 7, 9), Channel.IN_PERSON) == at(2024, 2, 21, 17)


def test_same_day_procedure_cut_off_at_15_gives_a_moment(birth):
    assert deadlines.due_moment_for(birth, at(2024, 3, 6, 14, 59), Channel.IN_PERSON) == at(2024, 3, 6, 17)
    assert deadlines.due_moment_for(birth, at(2024, 3, 6, 15, 0), Channel.IN_PERSON) == at(2024, 3, 7, 17)


def test_hour_procedures_count_working_minutes(half_day):
    # Half a day (4 h) from Mon 10:00: 1 h 30 before lunch, 2 h 30 after it.
    assert deadlines.due_moment_for(half_day, at(2024, 3, 4, 10), Channel.IN_PERSON) == at(2024, 3, 4, 16)
    # Online, submitted Sat 10:00: the clock starts Mon 07:30.
    assert deadlines.due_moment_for(half_day, at(2024, 3, 9, 10), Channel.ONLINE) == at(2024, 3, 11, 11, 30)


def test_classification_by_the_due_moment(half_day, make_dossier, officer_datdai):
    def resolved(hh, mm):
        d = make_dossier(half_day, at(2024, 3, 4, 10))  # due 16:00 the same day
        workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 4, hh, mm))
        return deadlines.classify(d, now=LATER)

    assert resolved(15, 59) == deadlines.ON_TIME
    assert resolved(16, 0) == deadlines.ON_TIME
    assert resolved(16, 1) == deadlines.LATE
    early = make_dossier(half_day, at(2024, 3, 1, 10))  # due Fri 01/03 16:00
    workflow.resolve(early, by=officer_datdai, at=at(2024, 3, 1, 11))
    assert early.due_at == at(2024, 3, 1, 16)
    assert deadlines.classify(early, now=LATER) == deadlines.ON_TIME
    next_day = make_dossier(half_day, at(2024, 3, 1, 16))  # due Mon 04/03 10:30
    assert next_day.due_at == at(2024, 3, 4, 10, 30)
    workflow.resolve(next_day, by=officer_datdai, at=at(2024, 3, 1, 16, 30))
    assert deadlines.classify(next_day, now=LATER) == deadlines.BEFORE


def test_pause_moves_the_due_moment_by_the_working_time_stopped(land, make_dossier, officer_datdai):
    d = make_dossier(land, at(2024, 3, 4, 9))
    assert d.due_at == at(2024, 3, 18, 17)
    workflow.request_supplement(d, by=officer_datdai, at=at(2024, 3, 4, 16, 30), items="Giấy tờ")
    assert d.due_paused
    workflow.resume(d, by=officer_datdai, at=at(2024, 3, 5, 8))
    assert d.paused_minutes == 60
    assert (d.due_at, d.due_date) == (at(2024, 3, 19, 8, 30), date(2024, 3, 19))
    assert list(d.due_changes.values_list("kind", "effective_at", "due_at")) == [
        ("reception", at(2024, 3, 4, 9), at(2024, 3, 18, 17)),
        ("pause", at(2024, 3, 4, 16, 30), None),
        ("resume", at(2024, 3, 5, 8), at(2024, 3, 19, 8, 30)),
    ]
    d2 = make_dossier(land, at(2024, 3, 4, 7, 30))
    workflow.request_supplement(d2, by=officer_datdai, at=at(2024, 3, 4, 8), items="Giấy tờ")
    workflow.resume(d2, by=officer_datdai, at=at(2024, 3, 4, 16, 30))
    assert d2.paused_minutes == 390  # 6 h 30, not zero


def test_verification_extension_is_a_due_change(make_dossier, officer_datdai, land_field):
    marriage = Procedure.objects.create(
        field=land_field,
        code="T.V",
        name="Thủ tục có xác minh",
        valid_from=date(2020, 1, 1),
        processing_days=3,
        verification_days=2,
    )
    d = make_dossier(marriage, at(2024, 3, 4, 9))
    assert d.due_at == at(2024, 3, 7, 17)
    workflow.extend_verification(d, by=officer_datdai, at=at(2024, 3, 5, 9), reason="Xác minh nơi cư trú")
    assert d.due_at == at(2024, 3, 11, 17)
    assert d.due_changes.last().kind == DueChange.Kind.VERIFICATION
    with pytest.raises(workflow.WorkflowError, match="đã được gia hạn"):
        workflow.extend_verification(d, by=officer_datdai, at=at(2024, 3, 5, 10), reason="Lần hai")


# --- Issue 12 regressions ------------------------------------------------------------------------


def test_waiting_for_a_supplement_past_the_original_due_date_is_within(
    ward, land, make_dossier, officer_datdai
):
    d = make_dossier(land, at(2026, 2, 9, 9))
    assert d.due_date == date(2026, 3, 2)
    workflow.request_supplement(d, by=officer_datdai, at=at(2026, 2, 11, 9), items="Trích đo địa chính")
    period = periods.custom(date(2026, 3, 1), date(2026, 3, 5))
    counts = _counts(ward, period)
    assert (counts.in_progress, counts.in_progress_within, counts.in_progress_overdue) == (1, 1, 0)
    end = period.end_at
    assert deadlines.classify(d, at=end, now=LATER, judge=deadlines.judged_at(end, now=LATER)) == "within"
    assert deadlines.classify(d, now=LATER) == deadlines.WITHIN
    assert not Dossier.objects.overdue_at(LATER).exists()
    # Resumed later: that period's figures stay as they were.
    workflow.resume(d, by=officer_datdai, at=at(2026, 3, 20, 9))
    assert _counts(ward, period) == counts


def test_a_period_not_ended_is_judged_now(ward, land, make_dossier):
    make_dossier(land, at(2026, 12, 1, 9))  # due 15/12/2026
    december = periods.month(2026, 12)
    counts = _counts(ward, december, now=at(2026, 12, 3, 10))
    assert (counts.in_progress_within, counts.in_progress_overdue) == (1, 0)
    # Once the month has ended the dossier (still open, due 15/12) is overdue in it.
    counts = _counts(ward, december, now=at(2027, 1, 2, 10))
    assert (counts.in_progress_within, counts.in_progress_overdue) == (0, 1)


def test_a_future_period_is_refused_everywhere(ward, client, chairperson, tmp_path):
    today = date(2026, 12, 3)
    with pytest.raises(PeriodError, match="chưa bắt đầu"):
        period_from_query({"kind": "month", "year": "2027", "month": "1"}, today)
    assert period_from_query({"kind": "month", "year": "2026", "month": "12"}, today).end == date(
        2026, 12, 31
    )
    with pytest.raises(CommandError, match="chưa bắt đầu"):
        call_command(
            "export_report", ward="BH", start="2099-01-01", end="2099-01-31", output=str(tmp_path / "x.xlsx")
        )
    client.force_login(chairperson)
    response = client.get(
        reverse("reports:download"), {"ward": "BH", "from": "2099-01-01", "to": "2099-01-31"}
    )
    assert response.status_code == 400
    assert "chưa bắt đầu" in response.content.decode()


def test_ended_period_keeps_its_overdue_dossier_after_a_later_supplement(
    ward, business, make_dossier, officer_datdai
):
    d = make_dossier(business, at(2024, 3, 4, 9))  # due 07/03 17:00
    march_1_8 = periods.custom(date(2024, 3, 1), date(2024, 3, 8))
    before = _counts(ward, march_1_8)
    assert before.in_progress_overdue == 1
    workflow.request_supplement(d, by=officer_datdai, at=at(2024, 3, 11, 9), items="Giấy tờ")
    workflow.resume(d, by=officer_datdai, at=at(2024, 3, 20, 9))
    assert _counts(ward, march_1_8) == before
    assert buckets.bucket_queryset([ward.id], march_1_8, "in_progress_overdue", now=LATER).get() == d


def test_apology_after_the_due_moment_is_flagged_and_stays_a_gap(
    ward, business, make_dossier, officer_datdai
):
    d = make_dossier(business, at(2024, 3, 4, 9))  # due 07/03 17:00
    letter = workflow.issue_apology(
        d, by=officer_datdai, at=at(2024, 3, 8, 9), reason="Chậm", new_due_date=date(2024, 3, 12)
    )
    assert letter.issued_late
    workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 12, 9))
    assert list(Dossier.objects.late_without_apology()) == [d]
    service = indicators.service_counts([ward.id], periods.month(2024, 3), now=LATER)
    (_counts_, cell) = next(iter(service.values()))
    assert (cell.needs_apology, cell.apology_missing) == (1, 1)
    timely = make_dossier(business, at(2024, 3, 4, 9))
    assert not workflow.issue_apology(
        timely, by=officer_datdai, at=at(2024, 3, 7, 9), reason="Chậm", new_due_date=date(2024, 3, 12)
    ).issued_late


def test_late_dossier_resolved_without_a_letter_shows_the_gap_and_can_still_get_one(
    client, ward, business, make_dossier, officer_datdai
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    response = client.post(
        reverse("dossiers:move", args=[d.pk, "resolve"]),
        {"resolve-at": "2024-03-12T09:00", "resolve-outcome": "approved"},
        follow=True,
    )
    page = response.content.decode()
    assert "chưa có thư xin lỗi đúng hạn" in page
    assert 'data-testid="apology-gap"' in page
    assert d in Dossier.objects.needing_apology_on(date(2024, 3, 12))
    workflow.issue_apology(
        d, by=officer_datdai, at=at(2024, 3, 12, 10), reason="Chậm", new_due_date=date(2024, 3, 13)
    )
    assert ApologyLetter.objects.get(dossier=d).issued_late
    assert d in Dossier.objects.needing_apology_on(date(2024, 3, 12))  # still not a timely letter


def test_receipt_prints_the_hour_of_the_due_moment(client, land, make_dossier, officer_datdai):
    d = make_dossier(land, at(2024, 2, 7, 9))
    client.force_login(officer_datdai)
    page = client.get(reverse("dossiers:print", args=[d.pk, "01"])).content.decode()
    assert "17 giờ 00 phút, ngày 28/02/2024" in page
    assert "09 giờ 00 phút, ngày 07/02/2024" in page
    workflow.request_supplement(d, by=officer_datdai, at=at(2024, 2, 7, 16, 30), items="Giấy tờ")
    workflow.resume(d, by=officer_datdai, at=at(2024, 2, 15, 8))  # across Tết: one working hour
    detail = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    history = detail[detail.index('data-testid="due-changes"') :]
    assert "Tạm dừng chờ bổ sung" in history and "hẹn trả 08:30 29/02/2024" in history
    assert "ban đầu 28/02/2024, tạm dừng 1 giờ 0 phút làm việc" in detail


def test_lateness_by_agency_counts_late_hops_even_when_the_ward_was_on_time(
    client, ward, land, land_office, make_dossier, officer_datdai, chairperson, django_assert_max_num_queries
):
    on_time = make_dossier(land, at(2024, 3, 4, 9))  # due 18/03
    workflow.send_to_agency(
        on_time, agency=land_office, by=officer_datdai, at=at(2024, 3, 4, 10), due_date=date(2024, 3, 8)
    )
    workflow.return_from_agency(on_time, by=officer_datdai, at=at(2024, 3, 12, 9))  # late at the office
    workflow.resolve(on_time, by=officer_datdai, at=at(2024, 3, 15, 9))  # the ward is still in time
    late = make_dossier(land, at(2024, 3, 1, 9))  # due 15/03
    workflow.send_to_agency(
        late, agency=land_office, by=officer_datdai, at=at(2024, 3, 1, 10), due_date=date(2024, 3, 8)
    )
    workflow.return_from_agency(late, by=officer_datdai, at=at(2024, 3, 20, 9))
    workflow.resolve(late, by=officer_datdai, at=at(2024, 3, 21, 9))
    own = make_dossier(land, at(2024, 3, 1, 9))
    workflow.resolve(own, by=officer_datdai, at=at(2024, 3, 19, 9))
    march = periods.month(2024, 3)
    # 3 queries: late hops per agency, late dossiers per agency, the ward's own late dossiers.
    with django_assert_max_num_queries(3):
        rows = indicators.lateness_by_agency([ward.id], march, now=LATER)
    office, ward_row = rows
    assert (office.agency_id, office.late_hops, office.late_hops_ward_in_time, office.late_dossiers) == (
        land_office.id,
        2,
        1,
        1,
    )
    assert (ward_row.agency_id, ward_row.late_dossiers) == (None, 1)
    client.force_login(chairperson)
    page = client.get(reverse("agency_lateness"), {"ward": "BH", "from": "2024-03-01", "to": "2024-03-31"})
    assert land_office.name in page.content.decode()


def test_drill_down_shows_state_and_due_moment_as_of_the_period_end(
    client, chairperson, ward, business, make_dossier, officer_datdai, django_assert_max_num_queries
):
    d = make_dossier(business, at(2024, 5, 27, 9))  # due 30/05 17:00
    workflow.start(d, by=officer_datdai, at=at(2024, 5, 27, 10))
    workflow.request_supplement(d, by=officer_datdai, at=at(2024, 6, 3, 9), items="Giấy tờ")
    workflow.resume(d, by=officer_datdai, at=at(2024, 6, 4, 9))
    workflow.resolve(d, by=officer_datdai, at=at(2024, 6, 5, 9))
    workflow.return_result(d, by=officer_datdai, at=at(2024, 6, 5, 10))
    client.force_login(chairperson)
    params = {"bucket": "in_progress_overdue", "from": "2024-05-01", "to": "2024-05-31"}
    # The page's queries do not grow with the rows: the as-of state is two subqueries per row.
    with django_assert_max_num_queries(12):
        page = client.get(reverse("dossiers:index"), params).content.decode()
    assert "Đang giải quyết quá hạn, kỳ 01/05/2024 - 31/05/2024" in page
    assert "tính đến hết ngày 31/05/2024" in page
    row = page[page.index(d.code) :]
    assert "30/05/2024 17:00" in row.split("</tr>")[0]  # the due moment then, not the moved one
    assert "Đang giải quyết" in row.split("</tr>")[0] and "Đã trả kết quả" not in row.split("</tr>")[0]
    assert "Quá hạn" in row.split("</tr>")[0]


def test_generated_load_has_the_cases_that_matter_at_a_period_end(db):
    from django.db.models import F, Q

    from dossiers.demo import load_catalogue
    from dossiers.models import Hop, SupplementRequest

    load_catalogue()
    call_command(
        generate_load.Command(), city="LOADTEST", wards=1, years=1, per_ward_year=600, end=date(2024, 12, 31)
    )
    # Waiting for a supplement while the original due date passed: within at that day's end.
    spanning = SupplementRequest.objects.filter(
        Q(resumed_at__isnull=True) | Q(resumed_at__date__gt=F("dossier__original_due_date")),
        requested_at__date__lte=F("dossier__original_due_date"),
    )
    assert spanning.exists()
    s = spanning.select_related("dossier").first()
    cut = periods.custom(date(2024, 1, 1), s.dossier.original_due_date)
    assert s.dossier_id in set(
        buckets.bucket_queryset([s.dossier.ward_id], cut, "in_progress_within", now=LATER).values_list(
            "id", flat=True
        )
    )
    # Late hops of dossiers the ward still finished in time.
    in_time = deadlines.resolved_before_q("dossier__") | deadlines.resolved_on_time_q("dossier__")
    assert Hop.objects.filter(deadlines.late_hop_q()).filter(in_time).exists()


def test_catalogue_import_takes_procedures_in_working_hours(client, administrator, catalogue):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from dossiers.catalogue_xlsx import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([str(c[1]) for c in COLUMNS])
    ws.append(["HKD", "T.4H", "Thủ tục nửa ngày", "01/01/2024", None, "không", 0, 0, 0, "không", "", "", "4"])
    ws.append(["HKD", "T.BAD", "Thủ tục sai", "01/01/2024", None, "không", 0, 0, 0, "không", "", "", "-1"])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(administrator)
    upload = SimpleUploadedFile("danh-muc.xlsx", buf.getvalue())
    # the import runs on the worker: its job page says what was wrong
    page = client.post(reverse("dossiers:catalogue_import"), {"file": upload}, follow=True).content.decode()
    assert 'data-status="failed"' in page
    assert "số giờ không âm" in page
    assert not Procedure.objects.filter(code__in=["T.4H", "T.BAD"]).exists()  # all or nothing
    ws.delete_rows(3)
    buf = io.BytesIO()
    wb.save(buf)
    done = client.post(
        reverse("dossiers:catalogue_import"),
        {"file": SimpleUploadedFile("d.xlsx", buf.getvalue())},
        follow=True,
    )
    assert 'data-status="done"' in done.content.decode()
    assert Procedure.objects.get(code="T.4H").processing_hours == Decimal("4")
