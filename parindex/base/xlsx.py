"""The one safe way this portal writes Excel: openpyxl write-only sheets behind a small wrapper.

Why a wrapper:
- user text may hold characters XML 1.0 forbids (a pasted form feed, a lone surrogate); openpyxl
  raises on those mid-export, so they are stripped;
- user text beginning with ``=``, ``+``, ``-`` or ``@`` must never become a formula when the
  file is opened (CSV/formula injection): it is stored as a string cell with Excel's quote prefix;
- write-only sheets write their ``<cols>``, ``<sheetViews>`` and sheet properties with the first
  row, so column widths, frozen panes and page fitting are given to the constructor, before rows;
- timezone-aware datetimes are not allowed by Excel: they are converted to local wall time and
  written as real dates with a dd/mm/yyyy format.

Merged cells and print settings are written at the sheet's tail, so they work in write-only mode
too (``WriteOnlyWorksheet`` shares ``merged_cells`` and ``page_setup`` with the normal sheet).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
MAX_CELL_TEXT = 32767  # Excel's limit per cell

# XML 1.0 forbids C0 controls other than tab/newline/CR, surrogates and U+FFFE/U+FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@")


def clean_text(value: Any) -> str:
    """``value`` as text Excel can store: XML-illegal characters removed, cut at Excel's limit."""
    text = _ILLEGAL_XML.sub("", str(value))
    return text[:MAX_CELL_TEXT]


def new_workbook() -> Workbook:
    """A write-only workbook: rows go to a temporary file as they are appended (flat memory)."""
    return Workbook(write_only=True)


_THIN = Side(style="thin", color="000000")
BORDER_ALL = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Style:
    """A cell look. Instances are shared, so openpyxl registers each combination once."""

    bold: bool = False
    italic: bool = False
    size: float = 11
    horizontal: str | None = None
    vertical: str | None = "center"
    wrap: bool = False
    border: bool = False
    fill: str | None = None  # RGB hex such as "DDEBF7"
    number_format: str | None = None

    def apply(self, cell: WriteOnlyCell) -> None:
        if self.bold or self.italic or self.size != 11:
            cell.font = Font(name="Times New Roman", bold=self.bold, italic=self.italic, size=self.size)
        else:
            cell.font = _BASE_FONT
        if self.horizontal or self.vertical or self.wrap:
            cell.alignment = Alignment(
                horizontal=self.horizontal, vertical=self.vertical, wrap_text=self.wrap
            )
        if self.border:
            cell.border = BORDER_ALL
        if self.fill:
            cell.fill = PatternFill("solid", fgColor=self.fill)
        if self.number_format:
            cell.number_format = self.number_format


# Vietnamese official documents are set in Times New Roman.
_BASE_FONT = Font(name="Times New Roman", size=11)

PLAIN = Style()
BOLD = Style(bold=True)
TITLE = Style(bold=True, size=13, horizontal="center", wrap=True)
CENTER = Style(horizontal="center", wrap=True)
CENTER_BOLD = Style(bold=True, horizontal="center", wrap=True)
CENTER_ITALIC = Style(italic=True, horizontal="center", wrap=True)
HEADER = Style(bold=True, horizontal="center", wrap=True, border=True, fill="DDEBF7")
CELL = Style(border=True, wrap=True)
CELL_CENTER = Style(border=True, horizontal="center")
NUMBER = Style(border=True, number_format=INTEGER_FORMAT)
NUMBER_BOLD = Style(border=True, bold=True, number_format=INTEGER_FORMAT)
CELL_BOLD = Style(border=True, bold=True, wrap=True)
DATE = Style(border=True, horizontal="center", number_format=DATE_FORMAT)
DATETIME = Style(border=True, horizontal="center", number_format=DATETIME_FORMAT)
PERCENT = Style(border=True, number_format=PERCENT_FORMAT)


class SheetWriter:
    """One write-only sheet. Layout first (constructor), then rows, then merges (any time).

    ``append`` accepts plain values or ``(value, Style)`` pairs; a ``row_style`` applies to every
    plain value of the row. Dates and datetimes always get a dd/mm/yyyy format.
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        *,
        widths: Sequence[float],
        freeze: str | None = None,
        landscape: bool = True,
        fit_width: bool = True,
        repeat_rows: tuple[int, int] | None = None,
        margins: float = 0.5,
    ) -> None:
        # Sheet names: at most 31 characters, none of []:*?/\ (Excel refuses the file otherwise).
        safe_title = re.sub(r"[\[\]:*?/\\]", "-", clean_text(title))[:31]
        self.ws = workbook.create_sheet(safe_title)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        setup = self.ws.page_setup
        setup.paperSize = 9  # A4 in the OOXML paper size table
        setup.orientation = "landscape" if landscape else "portrait"
        if fit_width:
            self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            setup.fitToWidth = 1
            setup.fitToHeight = 0  # as many pages tall as needed
        if repeat_rows:
            self.ws.print_title_rows = "{}:{}".format(*repeat_rows)
        self.ws.page_margins.left = self.ws.page_margins.right = margins
        self.write_only = bool(getattr(workbook, "write_only", False))
        self.columns = len(widths)
        self.widths = list(widths)
        self.rows_written = 0
        self._styles: dict[Style, Any] = {}
        self._reused: dict[tuple[int, Style], WriteOnlyCell] = {}

    def cell(
        self, value: Any, style: Style | None = None, *, column: int | None = None
    ) -> WriteOnlyCell | Any:
        """A cell for ``value``, or the bare value when it needs no style: openpyxl writes bare
        values through one reused cell, which is what keeps a 100k-row log fast. ``column``
        (from ``append``) reuses one styled cell per column and style the same way: a row is
        written when appended, so the next row may fill the same cell again."""
        if value is None and style is None:
            return None
        text_forced = False
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            value = value.replace(tzinfo=None)
            style = _with_format(style, DATETIME_FORMAT)
        elif isinstance(value, date):
            style = _with_format(style, DATE_FORMAT)
        elif isinstance(value, bool | int | float | Decimal) or value is None:
            pass
        else:
            value = clean_text(value)
            text_forced = value.startswith(_FORMULA_START)
        if style is None and not text_forced:
            return value
        if column is not None and not text_forced:
            reused = self._reused.get((column, style))
            if reused is None:
                reused = self._reused[(column, style)] = WriteOnlyCell(self.ws)
                reused._style = copy(self._style_array(style))
            reused.value = value
            return reused
        cell = WriteOnlyCell(self.ws)
        cell.value = value
        if style is not None:
            # Copy the style ids worked out once per style, instead of registering fonts,
            # borders and alignments (hashing them) again for every cell.
            cell._style = copy(self._style_array(style))
        if text_forced:
            # openpyxl turns "=..." into a formula on assignment; make it a string again and set
            # the quote prefix so Excel keeps it as text even after the cell is edited.
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell

    def _style_array(self, style: Style):
        found = self._styles.get(style)
        if found is None:
            template = WriteOnlyCell(self.ws)
            style.apply(template)
            found = self._styles[style] = template._style
        return found

    def append(
        self,
        values: Iterable[Any] = (),
        *,
        row_style: Style | None = None,
        merges: Sequence[tuple[int, int]] = (),
    ) -> int:
        """Write one row; returns its 1-based index.

        A row with wrapped text gets an explicit height for its longest cell: Excel and LibreOffice
        do not grow rows of generated files (and never merged ones) when printing, so wrapped
        text would overlap the next row on paper. ``merges``: (first, last) columns (1-based) merged
        on this row; their text wraps over the joint width.
        """
        spans = dict(merges)
        cells = []
        lines, size = 1, 11.0
        for column, value in enumerate(values, start=1):
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Style):
                value, style = value
            else:
                style = row_style
            if style is not None and style.wrap and isinstance(value, str) and value:
                last = spans.get(column, column)
                width = sum(self.widths[column - 1 : last]) or DEFAULT_WIDTH
                lines = max(lines, wrapped_lines(value, width, style))
                size = max(size, style.size)
            cells.append(self.cell(value, style, column=column if self.write_only else None))
        if lines > 1:
            # write-only sheets write a row's dimensions with the row, so set them first
            self.ws.row_dimensions[self.rows_written + 1].height = math.ceil(lines * LINE_POINTS * size / 11)
        self.ws.append(cells)
        self.rows_written += 1
        if self.write_only:
            # Written with the row: drop it, or a 100k-row sheet keeps 100k of them in memory.
            self.ws.row_dimensions.pop(self.rows_written, None)
        for first, last in merges:
            self.merge(self.rows_written, first, last)
        return self.rows_written

    def blank(self) -> int:
        return self.append([])

    def merge(self, row: int, first_col: int, last_col: int, last_row: int | None = None) -> None:
        self.ws.merged_cells.add(
            "{}{}:{}{}".format(
                get_column_letter(first_col), row, get_column_letter(last_col), last_row or row
            )
        )

    def line(
        self, text: Any, style: Style = PLAIN, *, first_col: int = 1, last_col: int | None = None
    ) -> int:
        """A text line spanning columns ``first_col``..``last_col`` (merged)."""
        last_col = last_col or self.columns
        merges = [(first_col, last_col)] if last_col > first_col else []
        return self.append([None] * (first_col - 1) + [(text, style)], merges=merges)


DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
LINE_POINTS = 15  # height of one line of 11-pt Times New Roman, with leading


def wrapped_lines(text: str, width: float, style: Style) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (an estimate on the safe side:
    a column unit holds about one character of 11-pt text; bold text is wider)."""
    per_line = max(1.0, width * 11 / style.size * (0.9 if style.bold else 1.0))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


@lru_cache(maxsize=256)
def _with_format(style: Style | None, number_format: str) -> Style:
    if style is None:
        return Style(number_format=number_format)
    if style.number_format:
        return style
    return replace(style, number_format=number_format)
