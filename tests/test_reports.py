"""The report workbook read back: Biểu 06 equals the engine, identities, second reader, safety."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from parindex import indicators
from parindex.indicators import DossierCounts
from parindex.reports.bieu06 import find_total_row
from parindex.reports.figures import BIEU06_COLUMNS, Scope
from parindex.reports.workbook import build_report
from tests.test_reports_scenario import *  # noqa: F403
from tests.test_reports_scenario import HOSTILE_NAMES, MARCH


def _engine_total(ward_ids, period) -> DossierCounts:
    total = DossierCounts()
    for counts in indicators.dossier_counts(ward_ids, period).values():
        total = total + counts
    return total


def _build(scope, period=MARCH) -> bytes:
    out = io.BytesIO()
    build_report(scope, period, out)
    return out.getvalue()


def _row_counts(ws, row: int) -> dict[str, int]:
    return {attr: ws.cell(row=row, column=number).value for attr, number, _label in BIEU06_COLUMNS}


def test_total_row_equals_engine_and_identities_hold(march, ward):
    content = _build(Scope.for_ward(ward))
    ws = load_workbook(io.BytesIO(content))["Biểu 06"]
    total_row = find_total_row(ws)
    assert total_row is not None
    engine = _engine_total([ward.id], MARCH)
    assert engine.received > 20 and engine.carried_over == 2 and engine.resolved_late >= 1
    assert _row_counts(ws, total_row) == {attr: getattr(engine, attr) for attr, _n, _l in BIEU06_COLUMNS}
    for row in range(14, total_row + 1):
        values = [ws.cell(row=row, column=c).value for c in range(3, 14)]
        assert all(isinstance(v, int) for v in values), row
        c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = values
        assert c3 == c4 + c5 + c6 and c3 == c7 + c11 and c7 == c8 + c9 + c10 and c11 == c12 + c13
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in [c.value for c in ws[1]]
    assert "Từ ngày 01/03/2023 đến ngày 31/03/2023" in ws.cell(row=7, column=1).value
    assert "C10:F10" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$10:$13"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_second_reader_sees_the_same_total(march, ward):
    content = _build(Scope.for_ward(ward))
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = book.get_sheet_by_name("Biểu 06").to_python()
    total = next(r for r in rows if len(r) > 1 and r[1] == "Tổng cộng")
    engine = _engine_total([ward.id], MARCH)
    assert [int(v) for v in total[2:13]] == [getattr(engine, a) for a, _n, _l in BIEU06_COLUMNS]


def test_log_lists_the_received_dossiers_with_real_dates(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Sổ theo dõi"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == _engine_total([ward.id], MARCH).received
    received = ws.cell(row=4, column=13)
    assert isinstance(received.value, datetime) and received.number_format.startswith("dd/mm/yyyy")
    assert isinstance(ws.cell(row=4, column=14).value, datetime)  # the due date, a real date
    assert ws.freeze_panes == "D4"


def test_formula_injection_text_stays_text_and_illegal_characters_are_stripped(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Sổ theo dõi"]
    names = {ws.cell(row=r, column=8).value: ws.cell(row=r, column=8) for r in range(4, ws.max_row + 1)}
    formula = names[HOSTILE_NAMES[0]]
    assert formula.data_type == "s" and formula.value.startswith("=")
    for hostile in HOSTILE_NAMES[1:4]:
        assert names[hostile].data_type == "s"
    assert "Lê Văn Bell" in names


def test_late_sheet_names_days_late_and_apology(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Hồ sơ trễ hạn"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    engine = _engine_total([ward.id], MARCH)
    assert len(rows) == engine.resolved_late + engine.in_progress_overdue
    with_letter = [r for r in rows if r[12] is not None]
    assert with_letter and with_letter[0][13] == datetime(2023, 3, 20)
    assert all(isinstance(r[10], int) and r[10] > 0 for r in rows)


def test_city_report_has_a_block_per_ward_and_the_city_total(march, ward, other_ward, city):
    ws = load_workbook(io.BytesIO(_build(Scope.for_city(city))))["Biểu 06"]
    labels = [ws.cell(row=r, column=2).value for r in range(14, ws.max_row + 1)]
    assert ward.name in labels and other_ward.name in labels
    engine = _engine_total([ward.id, other_ward.id], MARCH)
    assert ws.cell(row=find_total_row(ws), column=3).value == engine.received


def test_export_query_count_does_not_grow_with_dossiers(
    ward, other_ward, officer_datdai, catalogue, django_assert_max_num_queries
):
    from tests.test_reports_scenario import make_month

    make_month(ward, officer_datdai)
    # signer, fields, engine counts, summary, late ids + late dossiers + apologies + hops, log,
    # tasks, staffing (4 for the ward): about 20, fixed.
    with django_assert_max_num_queries(30) as small:
        _build(Scope.for_ward(ward))
    make_month(ward, officer_datdai, extra=30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        _build(Scope.for_ward(ward))
