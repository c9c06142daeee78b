"""Every screen that offers an Excel download gives a real workbook in the browser: the staffing
tables, the reform plan and its progress, the catalogue and the city's QĐ 766 scoreboard (the register, the
report and the PAR self-assessment have their own tests)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from dossiers import workflow
from dossiers.models import Channel
from tasks import plans
from tasks.models import Component
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _download(page, locator) -> tuple[str, list[tuple]]:
    with page.expect_download() as download:
        locator.click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    return download.value.suggested_filename, [
        row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
    ]


def test_staffing_plan_progress_and_catalogue_download_their_tables(
    page, login, ward, chairperson, officer_tuphap, catalogue
):
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title="Niêm yết công khai thủ tục hành chính",
        component=Component.PROCEDURES,
        due_date=date(2023, 3, 31),
        lead=officer_tuphap,
    )
    login("chutich")
    page.goto(page.base_url + "/staffing/")
    name, rows = _download(page, page.get_by_role("link", name="Tải Excel"))
    assert name.endswith(".xlsx")
    assert any(row and row[0] == "STT" for row in rows)  # the positions table's header

    page.goto(page.base_url + "/tasks/?year=2023")
    name, rows = _download(page, page.get_by_role("link", name="Tải Excel").first)
    assert name.endswith(".xlsx")
    assert any("Niêm yết công khai thủ tục hành chính" in row for row in rows)

    page.goto(page.base_url + "/tasks/progress/?year=2023")
    name, rows = _download(page, page.get_by_role("link", name="Tải Excel"))
    assert name.endswith(".xlsx") and rows

    page.goto(page.base_url + "/dossiers/catalogue/")
    name, rows = _download(page, page.get_by_role("link", name="Xuất Excel"))
    assert name.endswith(".xlsx")
    assert any("1.001193" in row for row in rows)  # birth registration


def test_city_viewer_downloads_the_scoreboard(
    page, login, city_viewer, ward, other_ward, officer_tuphap, birth
):
    d = workflow.receive(
        ward=ward, procedure=birth, channel=Channel.ONLINE, received_at=at(2024, 5, 6, 9),
        applicant_name="Nguyễn Văn A", by=officer_tuphap, digitised_at_reception=True,
    )  # fmt: skip
    workflow.resolve(d, by=officer_tuphap, at=at(2024, 5, 6, 10), electronic_result=True)
    login("thanhpho")
    page.goto(page.base_url + "/dashboard/index766/?kind=month&year=2024&month=5")
    name, rows = _download(page, page.get_by_test_id("export-xlsx"))
    assert name.endswith(".xlsx")
    assert any("Phường Bình Hưng" in row for row in rows)
