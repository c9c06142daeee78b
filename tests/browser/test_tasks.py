"""An official marks their task done with an evidence file; the plan's percentage moves."""

from __future__ import annotations

from datetime import date

import pytest

from tasks import plans
from tasks.models import Component, Evidence, TaskStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_official_marks_task_done_with_evidence_and_plan_percentage_changes(
    page, login, settings, tmp_path, ward, chairperson, officer_tuphap, officer_datdai
):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    mine = plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title="Niêm yết công khai thủ tục hành chính",
        component=Component.PROCEDURES,
        due_date=date(2023, 3, 31),
        lead=officer_tuphap,
    )
    plans.save_task(
        plan=plan,
        by=chairperson,
        code="02",
        title="Số hóa hồ sơ thủ tục hành chính",
        component=Component.DIGITAL,
        due_date=date(2023, 9, 30),
        lead=officer_datdai,
    )

    login("tuphap")
    page.goto(page.base_url + "/tasks/?year=2023")
    assert page.get_by_test_id("plan-ratio").inner_text() == "0/2 (0,0%)"

    page.get_by_role("link", name="Niêm yết công khai thủ tục hành chính").click()
    page.select_option("#id_status", "done")
    page.fill("#id_completed_on", "2023-05-20")
    page.set_input_files("#id_file", files=[{"name": "Biên bản niêm yết.pdf", "mimeType": "application/pdf",
                                             "buffer": PDF}])  # fmt: skip
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    assert "Hoàn thành (100%) · 20/05/2023" in page.get_by_test_id("task-status").inner_text()
    assert page.get_by_role("link", name="Biên bản niêm yết.pdf").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Biên bản niêm yết.pdf").click()
    assert download.value.suggested_filename == "Biên bản niêm yết.pdf"

    page.get_by_role("link", name="Kế hoạch", exact=True).click()
    assert page.get_by_test_id("plan-ratio").inner_text() == "1/2 (50,0%)"
    mine.refresh_from_db()
    assert mine.status == TaskStatus.DONE
    assert Evidence.objects.get(task=mine).added_by == officer_tuphap
