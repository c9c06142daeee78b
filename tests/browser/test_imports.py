"""A leader uploads a dossier file: the page shows the worker reading it, moves on to the preview
by itself once the worker is done (htmx polling), and the confirmation's job imports the rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dossiers.models import Dossier
from parindex.base.jobs import services
from parindex.base.jobs.models import Job, JobKind, JobStatus
from tests.test_imports import PROVINCIAL_ROWS, _provincial
from tests.test_reports_scenario import *  # noqa: F403

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_preview_arrives_from_the_worker_and_the_confirmation_imports(
    page, login, chairperson, ward, catalogue, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    held = []
    # The queue holds the preview job until the test plays the worker (the suite's backend would
    # run it inside the upload's request).
    monkeypatch.setattr(services, "_enqueue", lambda task, job: held.append((task, job)))
    login("chutich")
    page.goto(page.base_url + "/reports/import/?ward={}".format(ward.code))
    upload = tmp_path / "hoso.xlsx"
    upload.write_bytes(_provincial(PROVINCIAL_ROWS).getvalue())
    page.set_input_files("#i-file", str(upload))
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_url("**preview=**")
    expect(page.get_by_test_id("job-state")).to_have_text("Đang chờ")
    assert page.get_by_test_id("import-preview").count() == 0 and not Dossier.objects.exists()

    monkeypatch.undo()
    ((task, job),) = held
    task.call(str(job.pk))  # the worker reads the file and keeps the preview in the job
    expect(page.get_by_test_id("import-preview")).to_be_visible()  # the polling page moved on
    assert page.get_by_test_id("n-create").inner_text() == "3"
    assert not Dossier.objects.exists()

    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_url("**/jobs/**")
    expect(page.get_by_test_id("job-state")).to_have_text("Hoàn thành")
    assert "3 hồ sơ mới" in page.get_by_test_id("job-status").inner_text()
    assert Dossier.objects.filter(ward=ward).count() == 3
    assert Job.objects.get(kind=JobKind.DOSSIER_IMPORT).status == JobStatus.DONE
