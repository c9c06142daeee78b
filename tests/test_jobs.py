"""Background jobs: the job page, its scope, the download, interrupted and failed jobs.

The fast suite runs tasks inline (ImmediateBackend, see conftest); tests/test_queue.py runs them
on a real worker over the database and over Redis.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from parindex.analytics.reports import jobs as report_jobs
from parindex.analytics.reports.bieu06 import find_total_row
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.models import SentReport
from parindex.base import uploads
from parindex.base.jobs import services
from parindex.base.jobs.models import Job, JobKind, JobStatus
from tests.form_tokens import form_token
from tests.test_reports_scenario import *  # noqa: F403
from tests.test_reports_scenario import MARCH

MARCH_QUERY = {"from": "2023-03-01", "to": "2023-03-31"}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _queued_export(ward, user) -> Job:
    """An export job left in the queue (no worker runs it)."""
    return report_jobs.start_export(Scope.for_ward(ward), MARCH, by=user, number="", preparer="", rows=40)


def test_large_export_answers_with_the_job_page_then_the_file(
    march, client, chairperson, ward, settings, media, django_assert_max_num_queries
):
    settings.EXPORT_INLINE_ROWS = 3
    client.force_login(chairperson)
    response = client.get(reverse("reports:download"), {"ward": ward.code, **MARCH_QUERY})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.status, job.owner, job.ward) == (
        JobKind.REPORT_EXPORT,
        JobStatus.DONE,
        chairperson,
        ward,
    )
    assert job.rows_done == job.rows_total == report_jobs.log_rows(Scope.for_ward(ward), MARCH) > 3
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'data-testid="job-download"' in page
    assert "hx-trigger" not in page  # finished: no more polling
    # session, user, membership, job, access check of wards, audit row
    with django_assert_max_num_queries(8):
        download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Biểu 06"]
    assert ws.cell(row=find_total_row(ws), column=3).value == job.rows_total
    assert job.result_file.name.startswith("jobs/") and (media / job.result_file.name).exists()


def test_small_export_still_answers_in_the_request(march, client, chairperson, ward, media):
    client.force_login(chairperson)
    response = client.get(reverse("reports:download"), {"ward": ward.code, **MARCH_QUERY})
    assert response.status_code == 200 and not Job.objects.exists()


def test_queued_job_page_polls_with_htmx_and_refreshes_without_javascript(
    march, client, chairperson, ward, settings, media
):
    settings.TASKS = DUMMY
    job = _queued_export(ward, chairperson)
    client.force_login(chairperson)
    url = reverse("jobs:detail", args=[job.pk])
    page = client.get(url)
    html = page.content.decode()
    assert 'data-status="queued"' in html
    assert 'hx-get="{}"'.format(url) in html and 'hx-trigger="every 1s"' in html
    assert 'data-testid="job-refresh" href' not in html  # plain link, attributes in order below
    assert '<a href="{}" data-testid="job-refresh">'.format(url) in html
    assert page["Refresh"] == "3"
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404  # nothing to download yet
    services.Progress(job)(20, force=True)
    html = client.get(url).content.decode()
    assert 'value="50"' in html and "20 / 40" in html


def test_another_wards_officer_and_a_colleague_get_404(
    march, client, chairperson, officer_tuphap, officer_other_ward, ward, settings, media
):
    settings.EXPORT_INLINE_ROWS = 0
    job = _queued_export(ward, chairperson)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    for user in (officer_other_ward, officer_tuphap):
        client.force_login(user)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404
        assert job.pk not in {j.pk for j in Job.objects.for_user(user)}
    client.force_login(chairperson)
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 200
    assert [j.pk for j in Job.objects.for_user(chairperson)] == [job.pk]


def test_city_job_needs_every_ward_of_the_city(march, city_viewer, chairperson, city, far_ward, settings):
    settings.TASKS = DUMMY
    job = report_jobs.start_export(
        Scope.for_city(city), MARCH, by=city_viewer, number="", preparer="", rows=1
    )
    assert job.ward is None and job.city == city
    assert list(Job.objects.for_user(city_viewer)) == [job]
    assert not Job.objects.for_user(chairperson).exists()


def test_mark_sent_runs_as_a_job_and_links_the_stored_report(march, client, chairperson, ward, media):
    client.force_login(chairperson)
    token = form_token(client.get(reverse("reports:index"), {"ward": ward.code, **MARCH_QUERY}))
    response = client.post(
        reverse("reports:mark_sent"), {"ward": ward.code, **MARCH_QUERY, "number": "7/BC", **token}
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    report = SentReport.objects.get()
    assert job.status == JobStatus.DONE and job.kind == JobKind.REPORT_SEND
    assert job.result_url == reverse("reports:sent_detail", args=[report.pk])
    assert "7/BC" in job.message and report.sent_by == chairperson


def test_failing_send_writes_nothing_and_says_so(march, chairperson, ward, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SentReport, "save", broken)
    job = report_jobs.start_send(Scope.for_ward(ward), MARCH, by=chairperson, number="8/BC")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "không có dữ liệu nào bị thay đổi" in job.error
    assert not SentReport.objects.exists()


def test_interrupted_export_is_queued_again_and_interrupted_send_is_failed(
    march, chairperson, ward, settings, media
):
    settings.TASKS = DUMMY
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    export = _queued_export(ward, chairperson)
    send = report_jobs.start_send(Scope.for_ward(ward), MARCH, by=chairperson, number="9/BC")
    alive = _queued_export(ward, chairperson)
    Job.objects.filter(pk__in=[export.pk, send.pk]).update(
        status=JobStatus.RUNNING, heartbeat_at=stale, worker="elsewhere:1", attempts=1
    )
    Job.objects.filter(pk=alive.pk).update(status=JobStatus.RUNNING, heartbeat_at=now, worker="elsewhere:2")
    assert services.sweep_stale(now=now) == 2
    export.refresh_from_db()
    send.refresh_from_db()
    alive.refresh_from_db()
    assert export.status == JobStatus.QUEUED and export.task_id
    assert send.status == JobStatus.FAILED and "gián đoạn" in send.error
    assert alive.status == JobStatus.RUNNING
    # A second interruption of the export: it has had its attempts and fails too.
    Job.objects.filter(pk=export.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=stale, worker="elsewhere:1", attempts=2
    )
    assert services.sweep_stale(now=now) == 1
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED


def test_job_of_a_dead_worker_process_on_this_machine_is_recovered_when_its_page_is_seen(
    march, client, chairperson, ward, settings, media
):
    settings.TASKS = DUMMY
    send = report_jobs.start_send(Scope.for_ward(ward), MARCH, by=chairperson, number="10/BC")
    dead = "{}:{}".format(services.socket.gethostname(), 2**22 + 12345)  # above pid_max: never alive
    Job.objects.filter(pk=send.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now(), worker=dead)
    client.force_login(chairperson)
    page = client.get(reverse("jobs:detail", args=[send.pk])).content.decode()
    assert 'data-status="failed"' in page and 'data-testid="job-error"' in page


def test_a_job_runs_once_even_when_delivered_twice(march, chairperson, ward, settings, media):
    settings.EXPORT_INLINE_ROWS = 0
    job = _queued_export(ward, chairperson)
    job.refresh_from_db()
    finished = job.finished_at
    report_jobs.export_report.call(str(job.pk))
    job.refresh_from_db()
    assert job.attempts == 1 and job.finished_at == finished


# --- Imports ----------------------------------------------------------------------------------------


def test_a_job_of_no_ward_is_its_owners_alone(client, chairperson, officer_tuphap, media):
    from dossiers import catalogue_xlsx

    job = catalogue_xlsx.start_import(SimpleUploadedFile("dm.xlsx", b"hello"), by=chairperson)
    assert list(Job.objects.for_user(chairperson)) == [job] and not Job.objects.for_user(officer_tuphap)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "Excel" in job.error and _staged() == []


def _staged() -> list[str]:
    try:
        return sorted(uploads.staging_storage().listdir(uploads.STAGING)[1])
    except FileNotFoundError:
        return []


def test_confirmed_import_runs_as_a_job_and_its_copy_is_deleted(client, chairperson, ward, catalogue, media):
    from dossiers.models import Dossier
    from tests.test_imports import PROVINCIAL_ROWS, _provincial

    client.force_login(chairperson)
    upload = _provincial(PROVINCIAL_ROWS)
    upload.name = "hoso.xlsx"
    preview = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": upload}, follow=True
    )
    # The preview was a job too: it read the file, nothing written, the staged copy kept.
    built = Job.objects.get(kind=JobKind.IMPORT_PREVIEW)
    assert built.status == JobStatus.DONE and built.params["preview"]["n_create"] == 3
    assert not Dossier.objects.exists() and _staged() == [preview.context["token"] + ".xlsx"]
    response = client.post(
        reverse("reports:import"),
        {"ward": ward.code, "action": "confirm", "token": preview.context["token"], **form_token(preview)},
    )
    job = Job.objects.get(kind=JobKind.DOSSIER_IMPORT)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.DONE and Dossier.objects.count() == 3
    assert job.message == "Đã nhập tệp hoso.xlsx: 3 hồ sơ mới, 0 hồ sơ cập nhật, 0 hồ sơ không đổi."
    assert job.rows_total == job.rows_done == 3
    assert _staged() == []
    built.refresh_from_db()
    assert built.params["token"] == ""  # spent: the same preview cannot be confirmed again


def test_import_failing_at_the_second_row_writes_nothing(chairperson, ward, catalogue, media, monkeypatch):
    from dossiers import workflow
    from dossiers.models import Dossier, DossierEvent
    from parindex.analytics.reports import imports
    from tests.test_imports import PROVINCIAL_ROWS, _provincial

    real = imports._apply_row
    calls = []

    def second_fails(row, **kwargs):
        calls.append(row)
        if len(calls) == 2:
            raise workflow.WorkflowError("Ngày có kết quả trước ngày tiếp nhận.")
        return real(row, **kwargs)

    monkeypatch.setattr(imports, "_apply_row", second_fails)
    job = report_jobs.start_import(
        SimpleUploadedFile("hoso.xlsx", _provincial(PROVINCIAL_ROWS).getvalue()), ward=ward, by=chairperson
    )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Ngày có kết quả trước ngày tiếp nhận." in job.error
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists()
    assert _staged() == []


def test_unreadable_import_file_fails_with_the_readers_message(chairperson, ward, media):
    job = report_jobs.start_import(SimpleUploadedFile("x.xlsx", b"hello"), ward=ward, by=chairperson)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "Excel" in job.error


# --- The register's export ---------------------------------------------------------------------------


def test_register_export_beyond_a_screenful_is_a_job_with_the_filtered_rows(
    client, officer_datdai, officer_other_ward, make_dossier, business, settings, media
):
    from tests.dossiers_fixtures import at

    for day in (4, 5, 6):
        make_dossier(business, at(2024, 3, day, 9), name="Người ngày {}".format(day))
    settings.EXPORT_INLINE_ROWS = 1
    client.force_login(officer_datdai)
    response = client.get("/dossiers/", {"export": "xlsx", "q": "Người ngày", "received_from": "2024-03-05"})
    job = Job.objects.get(kind=JobKind.DOSSIER_EXPORT)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.rows_total == 2 and job.ward == officer_datdai.membership.ward
    rows = list(load_workbook(job.result_file.open("rb")).active.iter_rows(values_only=True))
    assert sorted(r[3] for r in rows[1:]) == ["Người ngày 5", "Người ngày 6"]
    client.force_login(officer_other_ward)
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_a_tampered_stored_query_is_refused(officer_datdai, make_dossier, business, media):
    from dossiers.models import Dossier
    from dossiers.views import export_list

    token = services.dump_query(Dossier.objects.filter(ward=officer_datdai.membership.ward))
    job = services.start(
        export_list,
        kind=JobKind.DOSSIER_EXPORT,
        owner=officer_datdai,
        ward=officer_datdai.membership.ward,
        params={"query": "x" + token},
    )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
