"""Sheet "Biểu 06": Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP), ready to print and sign.

Layout (13 columns A..M): national header and units, title, period, the three-row column header
with merged groups, the column-number row, one row per field (a city report: a block per ward with
its subtotal), the total row, then the preparer and signer block. Every number comes from the
figures dictionary (``figures.figures``), i.e. from the indicator engine; nothing is summed here
except the ward subtotal and total rows, which the engine's ``DossierCounts.__add__`` produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parindex.reports import xlsx
from parindex.reports.figures import BIEU06_COLUMNS, Scope, cell_key, counts_from
from parindex.reports.xlsx import SheetWriter

SHEET_TITLE = "Biểu 06"
CENTER_ITALIC_RIGHT = xlsx.Style(italic=True, horizontal="right")
HEADER_FIRST_ROW = 10  # first row of the column header, repeated on every printed page
HEADER_LAST_ROW = 13  # the "(1) (2) ... (13)" row
TOTAL_LABEL = gettext_noop("Tổng cộng")
REFERENCE_LINE = gettext_noop("Ban hành kèm theo Thông tư số 01/2020/TT-VPCP")
# The official form's header texts (Thông tư 01/2020/TT-VPCP, Biểu số 06/VPCP/KSTT).
FIELD_HEADER = gettext_noop("Lĩnh vực, công việc giải quyết theo cấp")
RECEIVED_HEADER = gettext_noop("Số hồ sơ nhận giải quyết")
RESULT_HEADER = gettext_noop("Kết quả giải quyết")
OF_WHICH = gettext_noop("Trong đó")
RESOLVED_HEADER = gettext_noop("Số hồ sơ đã giải quyết")
IN_PROGRESS_HEADER = gettext_noop("Số lượng hồ sơ đang giải quyết")
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
    widths = [6, 34] + [11] * 11
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
    # Column header, three rows with merged groups as on the official form: "Kết quả giải quyết"
    # spans the resolved (7-10) and the in-progress (11-13) groups; "Trong đó" the parts of 3.
    h = xlsx.HEADER
    r1 = sheet.append(
        [(_("STT"), h), (_(FIELD_HEADER), h), (_(RECEIVED_HEADER), h)]
        + [(None, h)] * 3
        + [(_(RESULT_HEADER), h)]
        + [(None, h)] * 6,
        merges=[(3, 6), (7, 13)],
    )
    r2 = sheet.append(
        [(None, h), (None, h), (_("Tổng số"), h), (_(OF_WHICH), h), (None, h), (None, h)]
        + [(_(RESOLVED_HEADER), h), (None, h), (None, h), (None, h)]
        + [(_(IN_PROGRESS_HEADER), h), (None, h), (None, h)],
        merges=[(4, 6), (7, 10), (11, 13)],
    )
    r3 = sheet.append(
        [(None, h), (None, h), (None, h)]
        + [(_("Trực tuyến"), h), (_("Trực tiếp, dịch vụ bưu chính"), h), (_("Từ kỳ trước"), h)]
        + [(_("Tổng số"), h), (_("Trước hạn"), h), (_("Đúng hạn"), h), (_("Quá hạn"), h)]
        + [(_("Tổng số"), h), (_("Trong hạn"), h), (_("Quá hạn"), h)]
    )
    sheet.merge(r1, 1, 1, r3)
    sheet.merge(r1, 2, 2, r3)
    sheet.merge(r2, 3, 3, r3)
    numbers = sheet.append([("({})".format(i), xlsx.CENTER_ITALIC) for i in range(1, 14)])
    assert numbers == HEADER_LAST_ROW

    def count_row(stt, label, counts, *, bold: bool = False) -> int:
        num = xlsx.NUMBER_BOLD if bold else xlsx.NUMBER
        text = xlsx.CELL_BOLD if bold else xlsx.CELL
        return sheet.append(
            [(stt, xlsx.CELL_CENTER), (label, text)]
            + [(getattr(counts, attr), num) for attr, _n, _l in BIEU06_COLUMNS]
        )

    problems: list[str] = []
    for ward_index, ward in enumerate(scope.wards, start=1):
        if scope.is_city:
            ward_counts = counts_from(data["wards"][ward.code])
            count_row(_roman(ward_index), ward.name, ward_counts, bold=True)
        for index, (field_code, field_name) in enumerate(data["fields"], start=1):
            counts = counts_from(data["cells"][cell_key(ward.code, field_code)])
            count_row(index, field_name, counts)
            if counts.identity_errors():
                problems.append(
                    "{} / {}: {}".format(ward.name, field_name, ", ".join(counts.identity_errors()))
                )
    total = counts_from(data["total"])
    count_row("", _(TOTAL_LABEL), total, bold=True)
    if total.identity_errors():
        problems.append("{}: {}".format(_(TOTAL_LABEL), ", ".join(total.identity_errors())))
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
