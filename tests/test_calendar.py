"""Working-day calendar: holidays VN under the administrator's overrides."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from dossiers import calendar, deadlines
from dossiers.models import CalendarDay, Channel
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


def test_five_working_days_across_tet_2024(land, db):
    land.processing_days = 5
    assert deadlines.due_date_for(land, at(2024, 2, 7, 9), Channel.IN_PERSON) == date(2024, 2, 21)
    assert calendar.add_working_days(date(2024, 2, 7), 5) == date(2024, 2, 21)


def test_tet_days_are_not_working_days(db):
    assert not calendar.is_working_day(date(2024, 2, 8))
    assert not calendar.is_working_day(date(2024, 2, 14))
    assert calendar.is_working_day(date(2024, 2, 15))
    assert calendar.next_working_day(date(2024, 2, 7)) == date(2024, 2, 15)


def test_make_up_saturday_of_2024_is_a_working_day(db):
    # 29/04/2024 off, swapped with Saturday 04/05/2024 (known by the holidays package).
    assert not calendar.is_working_day(date(2024, 4, 29))
    assert calendar.is_working_day(date(2024, 5, 4))
    # Fri 26/04 + 2 working days: Thu 02/05 (29/04-01/05 off), Fri 03/05.
    assert calendar.add_working_days(date(2024, 4, 26), 2) == date(2024, 5, 3)
    assert calendar.add_working_days(date(2024, 4, 26), 3) == date(2024, 5, 4)


def test_same_day_procedure_cut_off_at_15(birth):
    assert deadlines.due_date_for(birth, at(2024, 3, 6, 14, 59), Channel.IN_PERSON) == date(2024, 3, 6)
    assert deadlines.due_date_for(birth, at(2024, 3, 6, 15, 0), Channel.IN_PERSON) == date(2024, 3, 7)
    # Friday after 15:00 -> Monday.
    assert deadlines.due_date_for(birth, at(2024, 3, 8, 16, 0), Channel.IN_PERSON) == date(2024, 3, 11)


def test_online_outside_working_hours_counts_from_next_working_day(business, birth):
    # Wednesday 18:00 online: counts from Thursday, 3 working days -> Tuesday.
    assert deadlines.due_date_for(business, at(2024, 3, 6, 18, 0), Channel.ONLINE) == date(2024, 3, 12)
    # The same time at the counter counts from Wednesday -> Monday.
    assert deadlines.due_date_for(business, at(2024, 3, 6, 18, 0), Channel.IN_PERSON) == date(2024, 3, 11)
    # Saturday online, same-day procedure: due Monday.
    assert deadlines.due_date_for(birth, at(2024, 3, 9, 10, 0), Channel.ONLINE) == date(2024, 3, 11)


def test_admin_overrides_win_and_invalidate_the_cache(business):
    assert calendar.add_working_days(date(2024, 3, 6), 3) == date(2024, 3, 11)
    CalendarDay.objects.create(date=date(2024, 3, 8), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ bù")
    assert calendar.add_working_days(date(2024, 3, 6), 3) == date(2024, 3, 12)
    CalendarDay.objects.create(date=date(2024, 3, 9), kind=CalendarDay.Kind.WORKING, note="Làm bù")
    assert calendar.add_working_days(date(2024, 3, 6), 3) == date(2024, 3, 11)
    CalendarDay.objects.filter(date=date(2024, 3, 8)).delete()
    assert calendar.is_working_day(date(2024, 3, 8))


def test_working_days_between_counts_after_start_up_to_end(db):
    assert calendar.working_days_between(date(2024, 3, 4), date(2024, 3, 6)) == 2
    assert calendar.working_days_between(date(2024, 3, 8), date(2024, 3, 11)) == 1
    assert calendar.working_days_between(date(2024, 3, 8), date(2024, 3, 8)) == 0


def test_calendar_command_lists_days_off_and_make_up_days(db, capsys):
    CalendarDay.objects.create(date=date(2024, 12, 31), kind=CalendarDay.Kind.DAY_OFF, note="Nghỉ thêm")
    call_command("calendar", "2024")
    out = capsys.readouterr().out
    assert "08/02/2024" in out
    assert "04/05/2024 T7  LÀM BÙ" in out
    assert "31/12/2024" in out and "Nghỉ thêm" in out


def test_calendar_page_for_leader(client, chairperson):
    client.force_login(chairperson)
    response = client.get("/dossiers/calendar/2024/")
    assert response.status_code == 200
    assert "04/05/2024" in response.content.decode()


def test_calendar_page_refused_to_officer(client, officer_tuphap):
    client.force_login(officer_tuphap)
    assert client.get("/dossiers/calendar/2024/").status_code == 403
