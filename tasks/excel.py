"""Excel in and out for the reform plan and the criteria tree.

Import: the file is read in full and every row checked before anything is written; errors name
the row and the column as a person sees them in Excel ("Dòng 5, cột H (Hạn hoàn thành)").
Export: openpyxl write-only workbooks; user text that Excel would run as a formula is stored as
text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from parindex.base import uploads
from parindex.base.exporting import ListExporter, TableExporter
from parindex.base.xlsx import (
    CELL,
    CELL_BOLD,
    CELL_CENTER,
    HEADER,
    TITLE,
    SheetWriter,
    Style,
)
from tasks.models import Component, Criterion, Task


class ImportFailed(Exception):
    """The file was refused; ``errors`` lists every problem found, none was imported."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


# -- reading -----------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    header: str
    required: bool
    width: int = 18
    max_length: int | None = None  # of the text, as the model's column allows


@dataclass
class Row:
    number: int  # the row number Excel shows
    values: dict[str, object]
    letters: dict[str, str]

    def where(self, key: str, columns: dict[str, Column]) -> str:
        return _("Dòng {row}, cột {col} ({header})").format(
            row=self.number, col=self.letters.get(key, "?"), header=columns[key].header
        )


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


def read_rows(upload, columns: list[Column]) -> list[Row]:
    """Rows of the first sheet keyed by column, blank rows skipped; ImportFailed on a bad file
    or missing required columns."""
    if not hasattr(upload, "read"):
        with open(upload, "rb") as handle:
            return read_rows(handle, columns)
    try:
        uploads.check_upload(upload)
    except uploads.UploadRefused as exc:
        raise ImportFailed([exc.message]) from None
    try:
        workbook = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a non-xlsx file
        raise ImportFailed([_("Không đọc được tệp: hãy dùng tệp Excel .xlsx theo mẫu.")]) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    by_header = {_norm(column.header): column for column in columns}
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        column = by_header.get(_norm(value))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [str(c.header) for c in columns if c.required and c.key not in positions]
    if missing:
        workbook.close()
        raise ImportFailed(
            [_("Thiếu cột bắt buộc ở dòng tiêu đề (dòng 1): {cols}.").format(cols=", ".join(missing))]
        )
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    result = []
    for number, values in enumerate(rows, start=2):
        picked = {key: (values[index] if index < len(values) else None) for key, index in positions.items()}
        if all(v is None or str(v).strip() == "" for v in picked.values()):
            continue
        result.append(Row(number=number, values=picked, letters=letters))
    workbook.close()
    return result


def too_long(rows: list[Row], columns: dict[str, Column]) -> list[str]:
    """Every text cell longer than its column allows, named by row and column: checked with the
    other rules, before anything is written (the database would refuse the row mid-import)."""
    errors = []
    for row in rows:
        for key, column in columns.items():
            length = len(text(row.values.get(key)))
            if column.max_length is not None and length > column.max_length:
                errors.append(
                    "{}: {}".format(
                        row.where(key, columns),
                        _("dài {n} ký tự, tối đa {max} ký tự.").format(n=length, max=column.max_length),
                    )
                )
    return errors


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value: object) -> date | None:
    """A date cell, or text dd/mm/yyyy; None when it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def parse_decimal(value: object) -> Decimal | None:
    raw = text(value).replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_component(value: object) -> str | None:
    """A component by its number 1-8, its code or its name."""
    raw = _norm(value)
    for index, (code, label) in enumerate(Component.choices, start=1):
        if raw in (str(index), code, _norm(label), _norm(str(label))):
            return code
    # "3. Cải cách thủ tục hành chính": a number prefix is how provinces write it.
    match = re.match(r"^(\d)\s*[.)-]", raw)
    if match and 1 <= int(match.group(1)) <= 8:
        return Component.values[int(match.group(1)) - 1]
    return None


# -- writing -----------------------------------------------------------------------------------


def table_exporter(
    filename: str, title: str, rows: Iterable[Iterable[object]], widths: list[int]
) -> TableExporter:
    """A table of rows, the header first, through the shared exporter (``parindex/base/exporting.py``)."""
    return TableExporter(filename=filename, sheet_title=title, rows=rows, widths=widths)


# -- the plan template -------------------------------------------------------------------------


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


PLAN_COLUMNS = [
    Column("code", gettext_lazy("Mã"), True, 10, _max(Task, "code")),
    Column("title", gettext_lazy("Nhiệm vụ"), True, 60, _max(Task, "title")),
    Column("description", gettext_lazy("Mô tả"), False, 40),
    Column("component", gettext_lazy("Lĩnh vực CCHC"), True, 40),
    Column("criterion", gettext_lazy("Mã tiêu chí"), False, 12),
    Column("lead", gettext_lazy("Người chủ trì"), False, 22),
    Column("co_officials", gettext_lazy("Người phối hợp"), False, 30),
    Column("due_date", gettext_lazy("Hạn hoàn thành"), True, 16),
]

CRITERIA_COLUMNS = [
    Column("component", gettext_lazy("Lĩnh vực CCHC"), True, 40),
    Column("code", gettext_lazy("Mã"), True, 10, _max(Criterion, "code")),
    Column("title", gettext_lazy("Tiêu chí"), True, 60, _max(Criterion, "title")),
    Column("max_score", gettext_lazy("Điểm tối đa"), True, 12),
    Column("parent", gettext_lazy("Mã tiêu chí cha"), False, 14),
    Column("responsible", gettext_lazy("Người phụ trách"), False, 22),
]


def template_exporter(columns: list[Column], example: list[list[object]], *, filename: str) -> TableExporter:
    """A template to fill in: the import's headings and an example or two."""
    rows = [[str(c.header) for c in columns], *example]
    return table_exporter(filename, _("Mẫu"), rows, [c.width for c in columns])


# -- the PAR self-assessment report ------------------------------------------------------------


def _score(value: Decimal | None) -> Decimal | str:
    return value if value is not None else ""


class ParReportExporter(ListExporter):
    """The self-assessment report of a ward and year: the summary per component in every round,
    the explanations, the criteria not applicable, difficulties and proposals. ``report`` is a
    ``tasks.queries.ParReport``. A formatted form: it writes its own sheet."""

    identifier = "bao-cao-tu-danh-gia-cchc"

    def __init__(self, report, *, ward_code: str, ward_name: str) -> None:
        self.report = report
        self.ward_code = ward_code
        self.ward_name = ward_name

    def filename(self) -> str:
        return "bao-cao-tu-danh-gia-cchc-{}-{}.xlsx".format(self.ward_code, self.report.year)

    def write(self, workbook, progress=None) -> None:
        _write_par_report(workbook, self.report, ward_name=self.ward_name)


def _write_par_report(workbook, report, *, ward_name: str) -> None:
    score_cell = Style(border=True, number_format="0.00")
    score_bold = Style(border=True, bold=True, number_format="0.00")
    sheet = SheetWriter(
        workbook, _("Báo cáo tự đánh giá"), widths=[10, 50, 12, 14, 14, 36, 36], landscape=True
    )
    sheet.line(_("BÁO CÁO TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}").format(year=report.year), TITLE)
    sheet.line(ward_name, TITLE)
    sheet.line(_("Trạng thái: {state}").format(state=report.appraisal.get_state_display()))
    sheet.blank()
    sheet.line(_("I. Tổng hợp điểm theo lĩnh vực"), Style(bold=True))
    header = [_("STT"), _("Lĩnh vực CCHC"), _("Điểm tối đa"), _("Tự đánh giá"), _("Thẩm định lần 1"),
              _("Thẩm định lần 2"), _("Kết quả cuối cùng")]  # fmt: skip
    sheet.append(header, row_style=HEADER)
    for index, label, t in report.component_rows:
        sheet.append([(index, CELL_CENTER), (str(label), CELL), (t.max_score, score_cell),
                      (t.self_score, score_cell), (_score(t.appraised_score if t.appraised else None), score_cell),
                      (_score(t.second_score if t.appraised else None), score_cell),
                      (_score(t.final_score), score_cell)])  # fmt: skip
    o = report.totals.overall
    sheet.append([("", CELL), (_("Tổng cộng"), CELL_BOLD), (o.max_score, score_bold), (o.self_score, score_bold),
                  (_score(o.appraised_score if o.appraised else None), score_bold),
                  (_score(o.second_score if o.appraised else None), score_bold),
                  (_score(o.final_score), score_bold)])  # fmt: skip
    sheet.blank()
    sheet.line(_("II. Giải trình các tiêu chí"), Style(bold=True))
    sheet.append([_("Mã"), _("Tiêu chí"), _("Tự đánh giá"), _("Thẩm định lần 1"), _("Thẩm định lần 2"),
                  _("Nhận xét thẩm định"), _("Giải trình của phường")], row_style=HEADER)  # fmt: skip
    for c in report.explained:
        sheet.append([(c.code, CELL), (c.title, CELL), (_score(c.self_score), score_cell),
                      (_score(c.appraised_score), score_cell), (_score(c.second_score), score_cell),
                      (c.first_comment, CELL), (c.explanation, CELL)])  # fmt: skip
    if not report.explained:
        sheet.line(_("Không có tiêu chí phải giải trình."))
    sheet.blank()
    sheet.line(_("III. Tiêu chí không áp dụng"), Style(bold=True))
    for c in report.not_applicable:
        sheet.append(
            [(c.code, CELL), (c.title, CELL), (c.max_score, score_cell), (c.not_applicable_reason, CELL)]
        )
    if not report.not_applicable:
        sheet.line(_("Không có."))
    sheet.blank()
    sheet.line(_("IV. Khó khăn, vướng mắc"), Style(bold=True))
    sheet.line(report.appraisal.difficulties or _("Không có."), Style(wrap=True, vertical="top"))
    sheet.blank()
    sheet.line(_("V. Đề xuất, kiến nghị"), Style(bold=True))
    sheet.line(report.appraisal.proposals or _("Không có."), Style(wrap=True, vertical="top"))
