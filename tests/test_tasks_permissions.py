"""Who does what on the plan: officers their own tasks, leaders all, city viewers read only,
other wards nothing (404), evidence files only through the checked view."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.base.models import AccessLog
from tasks import plans
from tasks.models import Component, Evidence, TaskStatus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _june_1(monkeypatch):
    # Views ask tasks.views.today() for "now"; tests pin it instead of freezing the clock, which
    # would also expire the test client's session.
    monkeypatch.setattr("tasks.views.today", lambda: date(2023, 6, 1))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(ward, chairperson):
    return plans.create_plan(ward=ward, year=2023, by=chairperson)


@pytest.fixture
def task(plan, chairperson, officer_datdai):
    return plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title="Niêm yết công khai TTHC",
        component=Component.PROCEDURES,
        due_date=date(2023, 3, 31),
        lead=officer_datdai,
    )


def post_status(client, task, status="done", **extra):
    data = {"status": status, "completed_on": "2023-05-20", "cancel_reason": "", "url": "", "note": ""}
    data.update(extra)
    return client.post(reverse("tasks:task_update", args=[task.pk]), data)


def test_officer_cannot_update_another_officers_task(client, task, officer_tuphap):
    client.force_login(officer_tuphap)
    assert post_status(client, task).status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED


def test_co_official_can_update_the_task(client, task, chairperson, officer_tuphap, officer_datdai):
    plans.save_task(
        plan=task.plan,
        by=chairperson,
        task=task,
        code=task.code,
        title=task.title,
        component=task.component,
        due_date=task.due_date,
        lead=officer_datdai,
        co_officials=[officer_tuphap],
    )
    client.force_login(officer_tuphap)
    response = post_status(client, task)
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_on) == (TaskStatus.DONE, date(2023, 5, 20))
    assert task.history.latest().history_user == officer_tuphap


def test_lead_official_updates_and_leader_edits(client, task, chairperson, officer_datdai, officer_tuphap):
    client.force_login(officer_datdai)
    assert post_status(client, task, status="in_progress").status_code == 302
    assert client.get(reverse("tasks:task_edit", args=[task.pk])).status_code == 403
    client.force_login(chairperson)
    response = client.post(
        reverse("tasks:task_edit", args=[task.pk]),
        {
            "code": "01",
            "title": "Niêm yết TTHC",
            "component": "procedures",
            "due_date": "30/04/2023",
            "lead": officer_tuphap.pk,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.due_date, task.lead) == ("Niêm yết TTHC", date(2023, 4, 30), officer_tuphap)


def test_city_viewer_reads_but_cannot_change(client, task, city_viewer):
    client.force_login(city_viewer)
    page = client.get(reverse("tasks:index"), {"year": 2023, "ward": "BH"})
    detail = client.get(reverse("tasks:task_detail", args=[task.pk]))
    assert page.status_code == 200 and detail.status_code == 200
    assert "Cập nhật tiến độ" not in detail.content.decode()
    assert post_status(client, task).status_code == 403
    assert client.post(reverse("tasks:plan_copy"), {"year": 2024}).status_code == 403
    assert client.get(reverse("tasks:plan_import")).status_code == 403


def test_other_ward_gets_404_on_tasks_and_criteria(client, task, officer_other_ward, ward, chairperson):
    from tasks.criteria import create_default_tree

    criterion = create_default_tree(ward=ward, year=2023, by=chairperson)[0]
    client.force_login(officer_other_ward)
    assert client.get(reverse("tasks:task_detail", args=[task.pk])).status_code == 404
    assert post_status(client, task).status_code == 404
    assert client.get(reverse("tasks:criterion_detail", args=[criterion.pk])).status_code == 404
    # Their own plan page never lists Bình Hưng's tasks.
    response = client.get(reverse("tasks:index"), {"year": 2023})
    assert response.context["plan"] is None


def test_evidence_is_downloaded_with_its_name_and_denied_to_another_ward(
    client, task, officer_datdai, officer_other_ward
):
    client.force_login(officer_datdai)
    upload = SimpleUploadedFile("Biên bản niêm yết.pdf", PDF, content_type="application/pdf")
    response = post_status(client, task, file=upload)
    assert response.status_code == 302
    evidence = Evidence.objects.get(task=task)
    assert evidence.original_name == "Biên bản niêm yết.pdf"
    assert "Biên bản" not in evidence.file.name  # stored under a random name
    download = client.get(reverse("tasks:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert "Bi%C3%AAn%20b%E1%BA%A3n" in download["Content-Disposition"]
    assert AccessLog.objects.filter(object_id=str(evidence.pk), action="download").count() == 1
    client.force_login(officer_other_ward)
    assert client.get(reverse("tasks:evidence_download", args=[evidence.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "không được chấp nhận"),
        ("trang.html", b"<html>", "không được chấp nhận"),
        ("gia-mao.pdf", b"<script>alert(1)</script>", "không đúng định dạng PDF"),
    ],
)
def test_disallowed_files_are_refused_and_nothing_changes(
    client, task, officer_datdai, name, content, message
):
    client.force_login(officer_datdai)
    response = post_status(client, task, file=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED  # the status change was rolled back with the file
    assert not Evidence.objects.exists()


def test_too_large_file_is_refused(client, task, officer_datdai, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(officer_datdai)
    response = post_status(client, task, file=SimpleUploadedFile("lon.pdf", PDF + b"0" * 2000))
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert not Evidence.objects.exists()


def test_links_and_notes_are_evidence_too(client, task, officer_datdai):
    client.force_login(officer_datdai)
    post_status(client, task, status="in_progress", url="https://binhhung.gov.vn/cchc", note="Đã đăng tin")
    evidence = Evidence.objects.get(task=task)
    assert (evidence.kind, evidence.url, evidence.note) == (
        "link",
        "https://binhhung.gov.vn/cchc",
        "Đã đăng tin",
    )
