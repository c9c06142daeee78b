"""The officers' daily digest (manage.py send_digests): the worklists' counts per officer, the
ward's counts for the leader, in the portal and by e-mail when configured."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from dossiers import workflow
from dossiers.models import OfficerDigest
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


@pytest.fixture
def desk(make_dossier, business, officer_datdai):
    """Three dossiers of officer_datdai: overdue, due on 07/03, due on 08/03 (checked on Thu 07/03/2024)."""
    overdue = make_dossier(business, at(2024, 2, 26, 9))
    workflow.start(overdue, by=officer_datdai, at=at(2024, 2, 26, 10))
    today = make_dossier(business, at(2024, 3, 4, 9))
    tomorrow = make_dossier(business, at(2024, 3, 5, 9))
    return overdue, today, tomorrow


def test_each_officer_gets_the_counts_of_the_worklists(
    desk, officer_datdai, officer_tuphap, chairperson, settings, mailoutbox
):
    overdue, today, tomorrow = desk
    assert (overdue.due_date < date(2024, 3, 7), today.due_date, tomorrow.due_date) == (
        True,
        date(2024, 3, 7),
        date(2024, 3, 8),
    )
    settings.EMAIL_HOST = "smtp.example.vn"
    officer_datdai.email = "diachinh@binhhung.example.vn"
    officer_datdai.save()
    call_command("send_digests", "--date", "2024-03-07")
    mine = OfficerDigest.objects.get(user=officer_datdai)
    assert (mine.due_today, mine.due_next, mine.overdue, mine.ward_overdue, mine.emailed) == (
        1,
        1,
        1,
        None,
        True,
    )
    assert OfficerDigest.objects.get(user=officer_tuphap).is_empty
    (mail,) = mailoutbox
    assert (
        mail.to == ["diachinh@binhhung.example.vn"] and today.code in mail.body and overdue.code in mail.body
    )
    assert "Nguyễn Văn An" not in mail.body  # codes and procedures only
    # Run twice the same day: one digest, one e-mail.
    call_command("send_digests", "--date", "2024-03-07")
    assert OfficerDigest.objects.filter(user=officer_datdai).count() == 1 and len(mailoutbox) == 1


def test_the_chairperson_gets_the_wards_overdue_and_late_without_apology(
    desk, chairperson, officer_datdai, make_dossier, business
):
    late = make_dossier(business, at(2024, 2, 26, 9))
    workflow.resolve(late, by=officer_datdai, at=at(2024, 3, 6, 9))
    call_command("send_digests", "--date", "2024-03-07")
    lead = OfficerDigest.objects.get(user=chairperson)
    assert (lead.ward_overdue, lead.ward_late_without_apology) == (1, 1)


def test_the_digest_shows_on_the_home_page(desk, client, officer_datdai):
    call_command("send_digests", "--date", "2024-03-07")
    client.force_login(officer_datdai)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="digest"' in html and "07/03/2024" in html and "?list=overdue" in html


def test_no_digest_on_a_day_off_unless_forced(desk, officer_datdai):
    call_command("send_digests", "--date", "2024-03-09")  # Saturday
    assert not OfficerDigest.objects.exists()
    call_command("send_digests", "--date", "2024-03-09", "--force")
    assert OfficerDigest.objects.filter(user=officer_datdai).exists()


def test_no_email_without_configuration(desk, officer_datdai, mailoutbox, settings):
    settings.EMAIL_HOST = ""
    officer_datdai.email = "diachinh@binhhung.example.vn"
    officer_datdai.save()
    call_command("send_digests", "--date", "2024-03-07")
    assert mailoutbox == [] and not OfficerDigest.objects.get(user=officer_datdai).emailed
