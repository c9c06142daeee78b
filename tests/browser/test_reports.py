"""A leader opens the Reports page, downloads the workbook and finds the engine's figures in it."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from parindex.analytics import indicators
from parindex.analytics.indicators import DossierCounts
from parindex.analytics.reports.bieu06 import find_total_row
from tests.test_reports_scenario import *  # noqa: F403
from tests.test_reports_scenario import MARCH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_downloads_the_report_from_the_reports_page(page, login, chairperson, march, ward, tmp_path):
    login("chutich")
    page.goto(page.base_url + "/reports/?ward={}&from=2023-03-01&to=2023-03-31".format(ward.code))
    assert "01/03/2023" in page.get_by_test_id("report-heading").inner_text()
    with page.expect_download() as download_info:
        page.get_by_test_id("download-report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    ws = load_workbook(target)["Biểu 06"]
    total = DossierCounts()
    for counts in indicators.dossier_counts([ward.id], MARCH).values():
        total = total + counts
    row = find_total_row(ws)
    assert ws.cell(row=row, column=3).value == total.received
    assert ws.cell(row=row, column=7).value == total.resolved


def test_chairperson_downloads_the_report_from_the_dashboard(page, login, chairperson, march, ward, tmp_path):
    login("chutich")
    page.goto(page.base_url + "/dashboard/?kind=custom&from=2023-03-01&to=2023-03-31")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-excel").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    ws = load_workbook(target)["Biểu 06"]
    total = sum(indicators.dossier_counts([ward.id], MARCH).values(), DossierCounts())
    row = find_total_row(ws)
    # the workbook carries the dashboard's period and the engine's figures
    assert any("01/03/2023" in str(c.value) for r in ws.iter_rows(max_row=12) for c in r if c.value)
    assert [ws.cell(row=row, column=c).value for c in (3, 7, 11)] == [
        total.received,
        total.resolved,
        total.in_progress,
    ]
