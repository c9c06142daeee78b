"""The demo's January-May 2023 report read back from the file: the article's figures, reconciled."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import transaction
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from parindex import demo
from parindex.analytics.reports.bieu06 import find_total_row
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.workbook import build_report
from parindex.base import periods
from parindex.base.models import Ward

PERIOD = periods.custom(date(2023, 1, 1), date(2023, 5, 31))


@pytest.fixture(scope="module")
def demo_report(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo.seed(other_wards=False)
            out = io.BytesIO()
            build_report(Scope.for_ward(Ward.objects.get(code="BH")), PERIOD, out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_demo_total_row_is_the_articles_story(demo_report):
    ws = load_workbook(io.BytesIO(demo_report))["Biểu 06"]
    row = find_total_row(ws)
    total = [ws.cell(row=row, column=c).value for c in range(3, 14)]
    assert total == [741, 236, 472, 33, 710, 643, 50, 17, 31, 31, 0]
    for r in range(14, row + 1):
        c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = (
            ws.cell(row=r, column=c).value for c in range(3, 14)
        )
        assert c3 == c4 + c5 + c6 == c7 + c11 and c7 == c8 + c9 + c10 and c11 == c12 + c13
    rows = CalamineWorkbook.from_filelike(io.BytesIO(demo_report)).get_sheet_by_name("Biểu 06").to_python()
    assert [int(v) for v in next(r for r in rows if r[1] == "Tổng cộng")[2:13]] == total
    log = load_workbook(io.BytesIO(demo_report), read_only=True)["Sổ theo dõi"]
    assert sum(1 for _ in log.iter_rows(min_row=4)) == 741


@pytest.mark.django_db
def test_demo_lateness_sheet_puts_the_seventeen_land_dossiers_at_the_land_office(demo_report):
    rows = list(load_workbook(io.BytesIO(demo_report), read_only=True)["Trễ hạn theo cơ quan"].values)
    body = [r for r in rows[3:] if r and r[1]]
    land_office = next(r for r in body if "đăng ký đất đai" in r[1].lower())
    assert land_office[4] == 17
    assert land_office[2] >= 17  # its late hops (some of dossiers the ward still finished in time)
    assert all(r[4] == 0 for r in body if r is not land_office)
