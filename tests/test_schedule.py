"""Scheduled work: the monthly reports on the 15th and the 1st with their notices, deadline
reminders, and a rerun that changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from freezegun import freeze_time

from dossiers import facts, workflow
from dossiers.fact_models import DayFact
from dossiers.models import Channel, Dossier, Procedure
from parindex.analytics.reports.schedule import period_due
from parindex.base import periods
from parindex.base.jobs.models import Job, JobKind, JobStatus, Notification
from tasks import plans
from tests.dossiers_fixtures import at
from tests.test_reports_scenario import *  # noqa: F403


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_15th_is_the_official_month_and_the_1st_the_calendar_month():
    assert period_due(date(2023, 3, 15)) == periods.official_month(2023, 3)
    assert period_due(date(2023, 3, 15)).start == date(2023, 2, 15)
    assert period_due(date(2023, 1, 1)) == periods.month(2022, 12)
    assert period_due(date(2023, 3, 2)) is None


def test_on_the_15th_every_ward_gets_its_report_and_leader_and_city_a_notice(
    march, ward, other_ward, chairperson, city_viewer, officer_tuphap, officer_other_ward, media, client
):
    call_command("run_schedule", date="2023-03-15")
    jobs = Job.objects.filter(kind=JobKind.MONTHLY_REPORT).order_by("ward__code")
    assert [(j.ward.code, j.status) for j in jobs] == [("BH", JobStatus.DONE), ("PTH", JobStatus.DONE)]
    bh = jobs[0]
    assert bh.owner is None and bh.result_file and bh.params["start"] == "2023-02-15"
    assert bh.rows_total == bh.rows_done > 0
    notices = Notification.objects.filter(key__startswith="monthly:BH:")
    assert {n.recipient for n in notices} == {chairperson, city_viewer}
    assert notices[0].url == reverse("jobs:detail", args=[bh.pk])
    assert Notification.objects.filter(recipient=city_viewer, key__startswith="monthly:").count() == 2
    # The ward's officers may open the scheduled report like any report of their ward; others not.
    client.force_login(officer_tuphap)
    assert client.get(reverse("jobs:file", args=[bh.pk])).status_code == 200
    client.force_login(officer_other_ward)
    assert client.get(reverse("jobs:detail", args=[bh.pk])).status_code == 404
    # The notice page lists it and marks it read.
    client.force_login(chairperson)
    page = client.get(reverse("jobs:notifications")).content.decode()
    assert "Báo cáo kỳ 15/02/2023 - 14/03/2023 của Phường Bình Hưng" in page
    assert not Notification.objects.filter(recipient=chairperson, read_at__isnull=True).exists()

    call_command("run_schedule", date="2023-03-15")  # the timer fired twice
    assert Job.objects.filter(kind=JobKind.MONTHLY_REPORT).count() == 2
    assert Notification.objects.filter(key__startswith="monthly:").count() == 3  # PTH has no leader


def test_a_failed_monthly_report_is_queued_again_next_run(march, ward, other_ward, media):
    call_command("run_schedule", date="2023-04-01")
    Job.objects.filter(ward=ward).update(status=JobStatus.FAILED)
    call_command("run_schedule", date="2023-04-01")
    assert Job.objects.filter(ward=ward).count() == 2
    assert Job.objects.filter(ward=ward, status=JobStatus.DONE).count() == 1


def test_no_report_on_other_days(march, ward, media):
    call_command("run_schedule", date="2023-03-16")
    assert not Job.objects.exists()


def test_officers_hear_of_dossiers_due_next_working_day_and_overdue(ward, officer_datdai, catalogue):
    with freeze_time("2023-03-10 08:00:00+07:00"):  # a Friday: the next working day is Monday
        procedure = Procedure.objects.get(code="1.001193")
        made = [
            workflow.receive(
                ward=ward,
                procedure=procedure,
                channel=Channel.IN_PERSON,
                received_at=at(2023, 3, 10),
                applicant_name="Người {}".format(n),
                by=officer_datdai,
            )
            for n in range(3)
        ]
        Dossier.objects.filter(pk__in=[d.pk for d in made]).update(assignee=officer_datdai)
        # The due moment decides (dossiers/deadlines.py); the date beside it is what forms print.
        Dossier.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(
            due_at=at(2023, 3, 13, 17), due_date=date(2023, 3, 13)
        )
        Dossier.objects.filter(pk=made[2].pk).update(due_at=at(2023, 3, 9, 17), due_date=date(2023, 3, 9))
        facts.rebuild()  # the rows were written behind the workflow's back
        call_command("run_schedule", date="2023-03-10")
        call_command("run_schedule", date="2023-03-10")
    notice = Notification.objects.get(recipient=officer_datdai)
    assert notice.text == "Hồ sơ của bạn: 2 đến hạn ngày 13/03/2023, 1 quá hạn."


def test_plan_task_leads_hear_7_3_and_1_days_before(ward, chairperson, officer_tuphap, officer_datdai):
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    for code, due in (("1", date(2023, 3, 17)), ("2", date(2023, 3, 13)), ("3", date(2023, 3, 12))):
        plans.save_task(
            plan=plan,
            by=chairperson,
            code=code,
            title="Nhiệm vụ {}".format(code),
            component="procedures",
            due_date=due,
            lead=officer_tuphap,
            co_officials=[officer_datdai] if code == "1" else [],
        )
    call_command("run_schedule", date="2023-03-10")
    texts = sorted(Notification.objects.filter(recipient=officer_tuphap).values_list("text", flat=True))
    assert texts == [
        "Nhiệm vụ \u201cNhiệm vụ 1\u201d đến hạn ngày 17/03/2023 (còn 7 ngày).",
        "Nhiệm vụ \u201cNhiệm vụ 2\u201d đến hạn ngày 13/03/2023 (còn 3 ngày).",
    ]
    assert Notification.objects.filter(recipient=officer_datdai).count() == 1


def test_old_finished_jobs_are_deleted_with_their_files(march, ward, other_ward, media, settings):
    from datetime import timedelta

    from django.utils import timezone

    call_command("run_schedule", date="2023-03-15")
    old, recent = Job.objects.order_by("ward__code")
    Job.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=settings.JOB_KEEP_DAYS + 1)
    )
    name = old.result_file.name
    assert old.result_file.storage.exists(name)
    call_command("run_schedule", date="2023-03-16")
    assert list(Job.objects.all()) == [recent]
    assert not old.result_file.storage.exists(name)


def test_notices_are_mailed_after_commit_when_configured(
    march, ward, other_ward, chairperson, media, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BY_EMAIL = True
    settings.PORTAL_URL = "https://cchc.example.gov.vn"
    chairperson.email = "chutich@example.gov.vn"
    chairperson.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", date="2023-03-15")
    job = Job.objects.get(ward=ward)
    assert [m.to for m in mailoutbox] == [["chutich@example.gov.vn"]]
    assert "https://cchc.example.gov.vn{}".format(reverse("jobs:detail", args=[job.pk])) in mailoutbox[0].body


def test_the_nightly_run_checks_the_facts_and_fails_after_its_work_when_they_differ(
    ward, officer_datdai, catalogue, capsys
):
    with freeze_time("2023-03-10 08:00:00+07:00"):
        workflow.receive(
            ward=ward,
            procedure=Procedure.objects.get(code="1.001193"),
            channel=Channel.ONLINE,
            received_at=at(2023, 3, 10),
            applicant_name="Người nộp",
            by=officer_datdai,
        )
        call_command("run_schedule", date="2023-03-10")
        assert "agree with the live engine" in capsys.readouterr().out
        # a facts row that no longer matches the records (a bulk write that skipped the hook)
        assert DayFact.objects.filter(ward=ward, new_online=1).count() == 1
        DayFact.objects.filter(ward=ward, new_online=1).update(new_online=5)
        with pytest.raises(CommandError, match="scheduled work done, but facts check: .* differences"):
            call_command("run_schedule", date="2023-03-10")
        captured = capsys.readouterr()
        assert "Reminders 2023-03-10" in captured.out  # the day's work ran before the check
        assert "received_new facts 5 != live 1" in captured.err
