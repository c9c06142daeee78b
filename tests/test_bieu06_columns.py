"""One Biểu 06 column definition (parindex/analytics/reports/bieu06.py): the ward dashboard's table, the
reports page's table and the report sheet show the same headings in the same order with the same
figures, and a changed definition shows up in all three."""

# ruff: noqa: F811  (fixtures imported from test_indicators)
from __future__ import annotations

import dataclasses
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from parindex.analytics.indicators import DossierCounts
from parindex.analytics.reports import bieu06
from parindex.analytics.reports.bieu06 import find_total_row
from tests.test_indicators import _bulk, fields_, scenario  # noqa: F401

WARD_QUERY = {"kind": "month", "year": "2024", "month": "3"}
REPORT_QUERY = {"ward": "BH", "from": "2024-03-01", "to": "2024-03-31"}

# The official form's header (Thông tư 01/2020/TT-VPCP, Biểu số 06/VPCP/KSTT), as (text, colspan, rowspan).
OFFICIAL_HEAD = [
    [
        ("STT", 1, 3),
        ("Lĩnh vực, công việc giải quyết theo cấp", 1, 3),
        ("Số hồ sơ nhận giải quyết", 4, 1),
        ("Kết quả giải quyết", 7, 1),
    ],
    [
        ("Tổng số", 1, 2),
        ("Trong đó", 3, 1),
        ("Số hồ sơ đã giải quyết", 4, 1),
        ("Số lượng hồ sơ đang giải quyết", 3, 1),
    ],
    [
        ("Trực tuyến", 1, 1),
        ("Trực tiếp, dịch vụ bưu chính", 1, 1),
        ("Từ kỳ trước", 1, 1),
        ("Tổng số", 1, 1),
        ("Trước hạn", 1, 1),
        ("Đúng hạn", 1, 1),
        ("Quá hạn", 1, 1),
        ("Tổng số", 1, 1),
        ("Trong hạn", 1, 1),
        ("Quá hạn", 1, 1),
    ],
]
# Columns 3-13 in order; the dashboard splits 5 into 5a (in person) and 5b (public post).
LEAVES = ["Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Tổng số", "Trước hạn",
          "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]  # fmt: skip
WARD_LEAVES = ["Tổng số (3)", "Trực tuyến (4)", "Trực tiếp (5a)", "Bưu chính (5b)", "Từ kỳ trước (6)",
               "Tổng số (7)", "Trước hạn (8)", "Đúng hạn (9)", "Quá hạn (10)", "Tổng số (11)",
               "Trong hạn (12)", "Quá hạn (13)"]  # fmt: skip
# Phường Bình Hưng, March 2024 (the scenario of test_indicators): columns 3-13 of the total row.
MARCH_TOTAL = [7, 2, 3, 2, 4, 1, 2, 1, 3, 1, 2]
MARCH_WARD_TOTAL = [7, 2, 2, 1, 2, 4, 1, 2, 1, 3, 1, 2]


class _Table(HTMLParser):
    """The header rows ((text, colspan, rowspan) per th) and the total row's cells of the table
    ``data-testid="bieu06"``."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[list[tuple[str, int, int]]] = []
        self.total: list[str] = []
        self._in_table = self._in_head = self._in_total = False
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("data-testid") == "bieu06":
            self._in_table = True
        elif not self._in_table:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._in_head:
            self.head.append([])
        elif tag == "tr" and a.get("data-testid") == "bieu06-total":
            self._in_total = True
        elif tag in ("th", "td"):
            self._cell = {
                "tag": tag,
                "text": "",
                "colspan": int(a.get("colspan", 1)),
                "rowspan": int(a.get("rowspan", 1)),
            }

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag == "table":
            self._in_table = False
        elif tag == "thead":
            self._in_head = False
        elif tag == "tr":
            self._in_total = False
        elif tag in ("th", "td") and self._cell is not None:
            cell, self._cell = self._cell, None
            text = " ".join(cell["text"].split())
            if self._in_head:
                self.head[-1].append((text, cell["colspan"], cell["rowspan"]))
            elif self._in_total and cell["tag"] == "td":
                self.total.append(text)


def _parse(response) -> _Table:
    assert response.status_code == 200
    table = _Table()
    table.feed(response.content.decode())
    return table


def _sheet_head(ws) -> list[list[tuple[str, int, int]]]:
    """The sheet's header rows 10-12 in the same shape: each non-empty cell with its merged span."""
    spans = {
        (r.min_row, r.min_col): (r.max_col - r.min_col + 1, r.max_row - r.min_row + 1)
        for r in ws.merged_cells.ranges
    }
    return [
        [(c.value, *spans.get((row, c.column), (1, 1))) for c in ws[row] if c.value is not None]
        for row in range(bieu06.HEADER_FIRST_ROW, bieu06.HEADER_LAST_ROW)
    ]


def _three(client):
    dashboard = _parse(client.get(reverse("dashboard"), WARD_QUERY))
    report = _parse(client.get(reverse("reports:index"), REPORT_QUERY))
    download = client.get(reverse("reports:download"), REPORT_QUERY)
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    return dashboard, report, load_workbook(io.BytesIO(content))["Biểu 06"], content


def test_dashboard_reports_page_and_sheet_show_the_same_columns_and_figures(client, chairperson, scenario):
    client.force_login(chairperson)
    dashboard, report, ws, content = _three(client)
    # The reports page and the sheet: the official three header rows, merged alike.
    assert report.head == OFFICIAL_HEAD
    assert _sheet_head(ws) == OFFICIAL_HEAD
    assert [c.value for c in ws[bieu06.HEADER_LAST_ROW]] == ["({})".format(n) for n in range(1, 14)]
    # The dashboard: the three sections over the same columns, 5 split into its two parts.
    assert dashboard.head[0] == [
        ("Lĩnh vực", 1, 2),
        ("Số hồ sơ nhận giải quyết", 5, 1),
        ("Số hồ sơ đã giải quyết", 4, 1),
        ("Số lượng hồ sơ đang giải quyết", 3, 1),
        ("Khớp", 1, 2),
    ]
    assert [text for text, _c, _r in dashboard.head[1]] == WARD_LEAVES
    # ... all taken from the one definition
    assert [str(c.heading) for c in bieu06.COLUMNS] == LEAVES
    assert [text for text, _c, _r in report.head[1][:1] + report.head[2]] == LEAVES
    # The same figures: the page's total row, the sheet's (read by two readers), the dashboard's.
    assert report.total[0] == ""  # the STT column
    assert [int(v) for v in report.total[1:]] == MARCH_TOTAL
    total_row = find_total_row(ws)
    assert [ws.cell(row=total_row, column=c).value for c in range(3, 14)] == MARCH_TOTAL
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Biểu 06").to_python()
    assert [int(v) for v in rows[total_row - 1][2:13]] == MARCH_TOTAL
    assert dashboard.total[-1] == "✓"  # the identity check
    ward_total = [int(v) for v in dashboard.total[:-1]]
    assert ward_total == MARCH_WARD_TOTAL
    assert ward_total[:2] + [ward_total[2] + ward_total[3]] + ward_total[4:] == MARCH_TOTAL


def test_identities_are_stated_once_and_checked_from_the_definition(client, chairperson, scenario):
    assert bieu06.FORMULA == "3 = 4 + 5 + 6; 3 = 7 + 11; 7 = 8 + 9 + 10; 11 = 12 + 13"
    good = DossierCounts(7, 2, 2, 1, 2, 4, 1, 2, 1, 3, 1, 2)
    assert good.identity_errors() == [] and bieu06.identity_text(good, split=True) == (
        "7 = 2 + 2 + 1 + 2; 7 = 4 + 3; 4 = 1 + 2 + 1; 3 = 1 + 2"
    )
    bad = dataclasses.replace(good, received_post=2, resolved_late=2)
    assert bad.identity_errors() == ["3 != 4 + 5 + 6", "7 != 8 + 9 + 10"]
    # the figures dictionary (what the sheet prints) is checked by the same statement
    assert bieu06.identity_errors(dataclasses.asdict(bad)) == ["3 != 4 + 5 + 6", "7 != 8 + 9 + 10"]
    client.force_login(chairperson)
    html = client.get(reverse("dashboard"), WARD_QUERY).content.decode()
    assert "(3 = 4 + 5 + 6; 3 = 7 + 11; 7 = 8 + 9 + 10; 11 = 12 + 13): 7 = 2 + 2 + 1 + 2; 7 = 4 + 3" in html


@pytest.fixture
def renamed(monkeypatch):
    """Column 8 under another heading, and the in-progress group under another name."""
    group = dataclasses.replace(bieu06.IN_PROGRESS, heading="Đang xử lý (thử)")
    columns = tuple(
        dataclasses.replace(
            c,
            heading="Sớm hạn (thử)" if c.number == 8 else c.heading,
            groups=tuple(group if g is bieu06.IN_PROGRESS else g for g in c.groups),
        )
        for c in bieu06.COLUMNS
    )
    monkeypatch.setattr(bieu06, "COLUMNS", columns)


def test_a_changed_definition_shows_in_all_three(client, chairperson, scenario, renamed):
    client.force_login(chairperson)
    dashboard, report, ws, _content = _three(client)
    assert report.head[2][4] == _sheet_head(ws)[2][4] == ("Sớm hạn (thử)", 1, 1)
    assert report.head[1][3] == _sheet_head(ws)[1][3] == ("Đang xử lý (thử)", 3, 1)
    assert dashboard.head[1][6][0] == "Sớm hạn (thử) (8)"
    assert dashboard.head[0][3] == ("Đang xử lý (thử)", 3, 1)
    # the figures stay where they were
    assert [int(v) for v in report.total[1:]] == MARCH_TOTAL
    assert [int(v) for v in dashboard.total[:-1]] == MARCH_WARD_TOTAL
