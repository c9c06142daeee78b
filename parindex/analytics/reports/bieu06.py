"""Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP): its one column definition, and the sheet.

``COLUMNS`` says once what the form prints: each column's number, official heading, the merged
header groups above it, the engine figure that fills it and its width in the sheet; ``IDENTITIES``
which columns sum to which. Two layouts read it: ``OFFICIAL`` (the report sheet and the reports
page) and ``WARD`` (the ward dashboard: column 5 split into in person and post, one header row of
sections); ``table`` gives the one template (``reports/bieu06_table.html``) what it prints.

The sheet "Biểu 06" is ready to print and sign. Layout (13 columns A..M): national header and units, title, period, the three-row column header
with merged groups, the column-number row, one row per field (a city report: a block per ward with
its subtotal), the total row, then the preparer and signer block. Every number comes from the
figures dictionary (``figures.figures``), i.e. from the indicator engine; nothing is summed here
except the ward subtotal and total rows, which the engine's ``DossierCounts.__add__`` produces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from parindex.base import xlsx
from parindex.base.xlsx import SheetWriter

if TYPE_CHECKING:
    from parindex.analytics.reports.figures import Scope

# ---------------------------------------------------------------------------------------------
# The column definition: the one place that says what Biểu 06 prints, in which order, under which
# official heading and number, and which engine figure (``DossierCounts`` attribute) fills it. The
# report sheet, the reports page, the ward dashboard, the differences of a sent report and the
# engine's identity check all read it.


@dataclass(frozen=True)
class Group:
    """A merged header cell of the official form, above the columns that carry it (top first).
    ``section``: one of the three blocks (received, resolved, in progress) that the identities
    relate; the ward dashboard's compact header shows the sections only."""

    heading: Promise
    section: bool = False


@dataclass(frozen=True)
class Part:
    """A column the ward splits for its own use (column 5 = 5a in person + 5b by public post)."""

    key: str
    number: str
    heading: Promise


@dataclass(frozen=True)
class Column:
    number: int
    key: str  # the DossierCounts attribute (the engine's figure, also the drill-down bucket)
    heading: Promise  # the official wording in the form's lowest header row
    groups: tuple[Group, ...]  # the merged header cells above it, top first
    label: Promise | None = None  # the wording alone, out of the header (differences of a sent report)
    parts: tuple[Part, ...] = ()
    width: float = 11

    @property
    def full_label(self) -> Promise:
        return self.label or self.heading

    @property
    def section(self) -> Group:
        return next(g for g in self.groups if g.section)

    def value(self, counts: Any) -> int:
        """This column's figure from a ``DossierCounts`` or a figures dictionary (a cell of
        ``figures.figures``); a split column is the sum of its parts."""
        if self.parts:
            return sum(_figure(counts, part.key) for part in self.parts)
        return _figure(counts, self.key)


def _figure(counts: Any, key: str) -> int:
    if isinstance(counts, Mapping):
        return int(counts.get(key, 0))
    return getattr(counts, key)


TOTAL = gettext_lazy("Tổng số")
OVERDUE = gettext_lazy("Quá hạn")
RECEIVED = Group(gettext_lazy("Số hồ sơ nhận giải quyết"), section=True)
OF_WHICH = Group(gettext_lazy("Trong đó"))
RESULT = Group(gettext_lazy("Kết quả giải quyết"))
RESOLVED = Group(gettext_lazy("Số hồ sơ đã giải quyết"), section=True)
IN_PROGRESS = Group(gettext_lazy("Số lượng hồ sơ đang giải quyết"), section=True)

# Biểu số 06/VPCP/KSTT columns 3-13 in print order (columns 1 and 2 are the layouts' lead columns).
COLUMNS: tuple[Column, ...] = (
    Column(3, "received", TOTAL, (RECEIVED,), gettext_lazy("Tổng số nhận giải quyết")),
    Column(4, "received_online", gettext_lazy("Trực tuyến"), (RECEIVED, OF_WHICH)),
    Column(
        5,
        "received_offline",
        gettext_lazy("Trực tiếp, dịch vụ bưu chính"),
        (RECEIVED, OF_WHICH),
        parts=(
            Part("received_in_person", "5a", gettext_lazy("Trực tiếp")),
            Part("received_post", "5b", gettext_lazy("Bưu chính")),
        ),
    ),
    Column(6, "carried_over", gettext_lazy("Từ kỳ trước"), (RECEIVED, OF_WHICH)),
    Column(7, "resolved", TOTAL, (RESULT, RESOLVED), gettext_lazy("Tổng số đã giải quyết")),
    Column(8, "resolved_before", gettext_lazy("Trước hạn"), (RESULT, RESOLVED)),
    Column(9, "resolved_on_time", gettext_lazy("Đúng hạn"), (RESULT, RESOLVED)),
    Column(10, "resolved_late", OVERDUE, (RESULT, RESOLVED), gettext_lazy("Quá hạn (đã giải quyết)")),
    Column(11, "in_progress", TOTAL, (RESULT, IN_PROGRESS), gettext_lazy("Tổng số đang giải quyết")),
    Column(12, "in_progress_within", gettext_lazy("Trong hạn"), (RESULT, IN_PROGRESS)),
    Column(
        13, "in_progress_overdue", OVERDUE, (RESULT, IN_PROGRESS), gettext_lazy("Quá hạn (đang giải quyết)")
    ),
)
BY_NUMBER: dict[int, Column] = {c.number: c for c in COLUMNS}
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
# The official column number of each figure (parts included: "5a", "5b"), for labels and links.
NUMBERS: dict[str, str] = {c.key: str(c.number) for c in COLUMNS} | {
    p.key: p.number for c in COLUMNS for p in c.parts
}

# The reconciliation identities of the form: column = sum of columns. The engine checks them
# (``DossierCounts.identity_errors``), the sheet warns and the dashboard shows them from here.
IDENTITIES: tuple[tuple[int, tuple[int, ...]], ...] = (
    (3, (4, 5, 6)),  # received = online + in person and post + carried over
    (3, (7, 11)),  # received = resolved + in progress
    (7, (8, 9, 10)),  # resolved = before + on time + late
    (11, (12, 13)),  # in progress = within + overdue
)
FORMULA = "; ".join("{} = {}".format(t, " + ".join(map(str, parts))) for t, parts in IDENTITIES)


def identity_errors(counts: Any) -> list[str]:
    """The identities that do not hold for ``counts`` (empty when the cell reconciles)."""
    return [
        "{} != {}".format(t, " + ".join(map(str, parts)))
        for t, parts in IDENTITIES
        if BY_NUMBER[t].value(counts) != sum(BY_NUMBER[n].value(counts) for n in parts)
    ]


def identity_text(counts: Any, *, split: bool = False) -> str:
    """The identities with ``counts``'s figures in place of the column numbers ("7 = 2 + 5; ...");
    ``split``: a split column shows its parts."""

    def values(number: int) -> list[int]:
        column = BY_NUMBER[number]
        if split and column.parts:
            return [_figure(counts, p.key) for p in column.parts]
        return [column.value(counts)]

    return "; ".join(
        "{} = {}".format(BY_NUMBER[t].value(counts), " + ".join(str(v) for n in parts for v in values(n)))
        for t, parts in IDENTITIES
    )


# ---------------------------------------------------------------------------------------------
# Layouts: the official form (the report sheet and the reports page) and the ward dashboard's
# compact table (column 5 split, one header row of sections). Both come from COLUMNS.


@dataclass(frozen=True)
class Lead:
    """A column before the figures (STT, the field), with its number on the official form."""

    heading: Promise
    number: int
    width: float


@dataclass(frozen=True)
class Leaf:
    """One printed figure column of a layout: a column of the form, or a part of a split one."""

    key: str
    number: str
    heading: Promise
    groups: tuple[Group, ...]
    width: float
    part: bool = False

    def value(self, counts: Any) -> int:
        return _figure(counts, self.key) if self.part else BY_KEY[self.key].value(counts)


@dataclass(frozen=True)
class HeaderCell:
    text: Promise | str
    column: int  # 1-based position in the layout
    colspan: int = 1
    rowspan: int = 1
    leaf: Leaf | None = None


@dataclass(frozen=True)
class Layout:
    lead: tuple[Lead, ...]
    split: bool = False  # split columns print their parts
    sections_only: bool = False  # one header row of sections above the leaves

    def leaves(self) -> list[Leaf]:
        result = []
        for c in COLUMNS:
            groups = (c.section,) if self.sections_only else c.groups
            if self.split and c.parts:
                result += [Leaf(p.key, p.number, p.heading, groups, c.width, part=True) for p in c.parts]
            else:
                result.append(Leaf(c.key, str(c.number), c.heading, groups, c.width))
        return result

    @property
    def widths(self) -> list[float]:
        return [lead.width for lead in self.lead] + [leaf.width for leaf in self.leaves()]

    def header_rows(self) -> list[list[HeaderCell]]:
        """The merged header rows: a group spans its consecutive columns, a column's heading sits
        under its last group and reaches down to the lowest row, lead columns span every row."""
        leaves = self.leaves()
        depth = max(len(leaf.groups) for leaf in leaves) + 1
        offset = len(self.lead)
        rows: list[list[HeaderCell]] = []
        for level in range(depth):
            row: list[HeaderCell] = []
            if level == 0:
                row += [
                    HeaderCell(lead.heading, i, rowspan=depth) for i, lead in enumerate(self.lead, start=1)
                ]
            index = 0
            while index < len(leaves):
                leaf = leaves[index]
                position = offset + index + 1
                if level < len(leaf.groups):
                    prefix = leaf.groups[: level + 1]
                    span = 1
                    while index + span < len(leaves) and leaves[index + span].groups[: level + 1] == prefix:
                        span += 1
                    row.append(HeaderCell(leaf.groups[level].heading, position, colspan=span))
                    index += span
                    continue
                if level == len(leaf.groups):
                    row.append(HeaderCell(leaf.heading, position, rowspan=depth - level, leaf=leaf))
                index += 1
            rows.append(row)
        return rows


FIELD_HEADER = gettext_noop("Lĩnh vực, công việc giải quyết theo cấp")
OFFICIAL = Layout(lead=(Lead(gettext_lazy("STT"), 1, 6), Lead(gettext_lazy(FIELD_HEADER), 2, 34)))
WARD = Layout(lead=(Lead(gettext_lazy("Lĩnh vực"), 1, 34),), split=True, sections_only=True)


def table(
    layout: Layout,
    rows: Sequence[tuple[Any, Any, bool, int | None]],
    total: Any,
    *,
    url: Callable[[str, int | None], str] | None = None,
    titles: Mapping[str, Any] | None = None,
) -> dict:
    """What the Biểu 06 template (``reports/bieu06_table.html``) prints: the header rows, one row
    per ``(label, counts, strong, field_id)`` and the total row. ``url(key, field_id)`` links each
    figure to its dossiers; ``titles`` (figure key -> words) gives the cells their tooltips."""
    leaves = layout.leaves()

    def cells(counts: Any, field_id: int | None) -> list[Cell]:
        return [
            Cell(
                leaf.value(counts),
                url(leaf.key, field_id) if url else "",
                "{} ({})".format(titles[leaf.key], leaf.number) if titles else "",
            )
            for leaf in leaves
        ]

    def row(label: Any, counts: Any, strong: bool, field_id: int | None) -> dict:
        return {
            "label": label,
            "strong": strong,
            "cells": cells(counts, field_id),
            "errors": identity_errors(counts),
            "identity": identity_text(counts, split=layout.split),
        }

    head = [
        [
            {
                "text": h.text,
                "colspan": h.colspan,
                "rowspan": h.rowspan,
                "number": h.leaf.number if h.leaf else "",
                "title": titles.get(h.leaf.key, "") if titles and h.leaf else "",
            }
            for h in header_row
        ]
        for header_row in layout.header_rows()
    ]
    return {
        "layout": layout,
        "compact": layout.sections_only,
        "head": head,
        "width": len(layout.lead) + len(leaves),
        "formula": FORMULA,
        "rows": [row(*r) for r in rows],
        "total": row(None, total, True, None),
    }


@dataclass
class Cell:
    value: int
    url: str
    label: str


def cell_key(ward_code: str, field_code: str) -> str:
    """The key of one (ward, field) cell in a figures dictionary."""
    return "{}|{}".format(ward_code, field_code)


# ---------------------------------------------------------------------------------------------
# The report sheet.

SHEET_TITLE = "Biểu 06"
CENTER_ITALIC_RIGHT = xlsx.Style(italic=True, horizontal="right")
HEADER_FIRST_ROW = 10  # first row of the column header, repeated on every printed page
HEADER_LAST_ROW = 13  # the "(1) (2) ... (13)" row
TOTAL_LABEL = gettext_noop("Tổng cộng")
REFERENCE_LINE = gettext_noop("Ban hành kèm theo Thông tư số 01/2020/TT-VPCP")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


@dataclass
class ReportMeta:
    """The words around the numbers: who reports to whom, under which number, signed by whom."""

    number: str = ""
    report_date: date | None = None
    place: str = ""
    reporting_unit: str = ""
    parent_unit: str = ""
    receiving_unit: str = ""
    preparer: str = ""
    signer_title: str = ""
    signer_name: str = ""


def _roman(n: int) -> str:
    return ROMAN[n - 1] if n <= len(ROMAN) else str(n)


def _date_words(day: date | None, place: str) -> str:
    if day is None:
        return _("{}, ngày ... tháng ... năm ...").format(place or "...")
    return _("{}, ngày {:02d} tháng {:02d} năm {}").format(place or "...", day.day, day.month, day.year)


def write_bieu06(workbook, scope: Scope, period, data: dict, meta: ReportMeta) -> SheetWriter:
    widths = OFFICIAL.widths
    sheet = SheetWriter(
        workbook,
        SHEET_TITLE,
        widths=widths,
        freeze="C{}".format(HEADER_LAST_ROW + 1),
        repeat_rows=(HEADER_FIRST_ROW, HEADER_LAST_ROW),
    )
    # National header: unit names on the left, the motto on the right (rows 1-3).
    left, right_first = 4, 6
    row = sheet.append(
        [(meta.parent_unit.upper(), xlsx.CENTER)]
        + [None] * (right_first - 2)
        + [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", xlsx.CENTER_BOLD)],
        merges=[(1, left), (right_first, 13)],
    )
    row = sheet.append(
        [(meta.reporting_unit.upper(), xlsx.CENTER_BOLD)]
        + [None] * (right_first - 2)
        + [("Độc lập - Tự do - Hạnh phúc", xlsx.CENTER_BOLD)],
        merges=[(1, left), (right_first, 13)],
    )
    row = sheet.append(
        [(_("Số: {}").format(meta.number or "......"), xlsx.CENTER)]
        + [None] * (right_first - 2)
        + [(_date_words(meta.report_date, meta.place), xlsx.CENTER_ITALIC)],
        merges=[(1, left), (right_first, 13)],
    )
    # The form's own name and the text it is issued with (rows 4-5, where a blank row and the
    # name stood: the rows below keep their places).
    sheet.append([None] * 10 + [(_("Biểu số 06/VPCP/KSTT"), xlsx.CENTER_BOLD)], merges=[(11, 13)])
    sheet.append([None] * 10 + [(_(REFERENCE_LINE), xlsx.CENTER_ITALIC)], merges=[(11, 13)])
    sheet.line(
        _(
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
        ),
        xlsx.TITLE,
    )
    sheet.line(
        _("Kỳ báo cáo: Từ ngày {} đến ngày {}").format(
            period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
        ),
        xlsx.CENTER_ITALIC,
    )
    row = sheet.append(
        [(_("Đơn vị báo cáo: {}").format(meta.reporting_unit), xlsx.PLAIN)]
        + [None] * 5
        + [(_("Đơn vị nhận báo cáo: {}").format(meta.receiving_unit), xlsx.PLAIN)],
        merges=[(1, 6), (7, 13)],
    )
    row = sheet.append(
        [None] * 10 + [(_("Đơn vị tính: Số hồ sơ TTHC"), CENTER_ITALIC_RIGHT)], merges=[(11, 13)]
    )
    assert row == HEADER_FIRST_ROW - 1
    # Column header, three rows with merged groups as on the official form (``OFFICIAL``):
    # "Kết quả giải quyết" spans the resolved (7-10) and the in-progress (11-13) groups; "Trong đó"
    # the parts of 3. A cell spanning columns only is merged with its row (its text wraps over the
    # joint width); one spanning rows is merged once the rows below it exist.
    h = xlsx.HEADER
    header_rows = OFFICIAL.header_rows()
    down: list[tuple[int, HeaderCell]] = []
    for header_row in header_rows:
        values: list[Any] = [(None, h)] * len(widths)
        for cell in header_row:
            values[cell.column - 1] = (str(cell.text), h)
        first = sheet.append(
            values,
            merges=[
                (c.column, c.column + c.colspan - 1) for c in header_row if c.colspan > 1 and c.rowspan == 1
            ],
        )
        down += [(first, c) for c in header_row if c.rowspan > 1]
    for first, c in down:
        sheet.merge(first, c.column, c.column + c.colspan - 1, first + c.rowspan - 1)
    numbers = sheet.append(
        [
            ("({})".format(n), xlsx.CENTER_ITALIC)
            for n in [lead.number for lead in OFFICIAL.lead] + [c.number for c in COLUMNS]
        ]
    )
    assert numbers == HEADER_LAST_ROW

    def count_row(stt, label, counts, *, bold: bool = False) -> int:
        num = xlsx.NUMBER_BOLD if bold else xlsx.NUMBER
        text = xlsx.CELL_BOLD if bold else xlsx.CELL
        return sheet.append(
            [(stt, xlsx.CELL_CENTER), (label, text)] + [(column.value(counts), num) for column in COLUMNS]
        )

    problems: list[str] = []
    for ward_index, ward in enumerate(scope.wards, start=1):
        if scope.is_city:
            count_row(_roman(ward_index), ward.name, data["wards"][ward.code], bold=True)
        for index, (field_code, field_name) in enumerate(data["fields"], start=1):
            counts = data["cells"][cell_key(ward.code, field_code)]
            count_row(index, field_name, counts)
            if errors := identity_errors(counts):
                problems.append("{} / {}: {}".format(ward.name, field_name, ", ".join(errors)))
    total = data["total"]
    count_row("", _(TOTAL_LABEL), total, bold=True)
    if errors := identity_errors(total):
        problems.append("{}: {}".format(_(TOTAL_LABEL), ", ".join(errors)))
    if problems:
        # Never expected (the engine partitions by construction); if it happens the sheet says so
        # rather than letting a leader sign numbers that do not add up.
        sheet.line(
            _("Cảnh báo: số liệu không khớp các đẳng thức của biểu: {}").format("; ".join(problems)),
            xlsx.BOLD,
        )
    sheet.blank()
    # Preparer (left) and signer (right) block.
    sheet.append(
        [None, (_("NGƯỜI LẬP BIỂU"), xlsx.CENTER_BOLD)]
        + [None] * 6
        + [(meta.signer_title.upper(), xlsx.CENTER_BOLD)],
        merges=[(9, 13)],
    )
    sheet.append(
        [None, (_("(Ký, ghi rõ họ tên)"), xlsx.CENTER_ITALIC)]
        + [None] * 6
        + [(_("(Ký, đóng dấu, ghi rõ họ tên)"), xlsx.CENTER_ITALIC)],
        merges=[(9, 13)],
    )
    for _i in range(3):
        sheet.blank()
    sheet.append(
        [None, (meta.preparer, xlsx.CENTER_BOLD)] + [None] * 6 + [(meta.signer_name, xlsx.CENTER_BOLD)],
        merges=[(9, 13)],
    )
    return sheet


def find_total_row(ws) -> int | None:
    """Row index of the total row in a read-back sheet (for tests and the import of old reports)."""
    for row in ws.iter_rows(min_col=2, max_col=2):
        cell = row[0]
        if cell.value in (TOTAL_LABEL, _(TOTAL_LABEL)):
            return cell.row
    return None
