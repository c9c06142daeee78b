"""One shape behind every Excel download: an exporter, one renderer, one response.

An exporter (after pretix's ``ListExporter``) says what a download holds: its ``identifier``, its
file name, its ``columns`` (header, value, width, number format) and ``rows()``, a generator of
rows, the header row first. The renderer (``render_xlsx``) writes those rows through the safe
writer (``parindex/base/xlsx.py``: XML-illegal characters stripped, text that looks like a
formula kept as text, write-only sheets) into a temporary file, and ``export_response`` streams
that file with the right content type and an RFC 6266 file name.

A list's HTML table reads the same ``columns`` for its headings, so what is on screen and what is
downloaded cannot drift apart. An export beyond a screenful is built on the worker by the same
class from the same parameters (``job_outcome``), so the file is the same either way.

Formatted forms (merged title rows, two sheets, a signature block) override ``write``: they keep
their own sheet layout and still go through the same renderer and response.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any, ClassVar

from django.http import FileResponse
from django.utils.functional import Promise
from openpyxl import Workbook

from parindex.base import xlsx
from parindex.base.jobs import services as jobs

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 500  # rows between two progress reports of a job


@dataclass(frozen=True)
class Column:
    """One column of a list: its heading (on screen and in the file), how a record gives its
    value, and how Excel shows it."""

    header: str | Promise
    value: Callable[[Any], Any] = lambda record: None
    width: float = 14
    number_format: str | None = None
    style: xlsx.Style = xlsx.CELL
    # Shown in the list's HTML table too (an export may carry a few more columns than the screen).
    screen: bool = True

    @property
    def cell_style(self) -> xlsx.Style:
        if self.number_format and self.style.number_format != self.number_format:
            return replace(self.style, number_format=self.number_format)
        return self.style


def headers(columns: Iterable[Column]) -> list[str]:
    return [str(c.header) for c in columns]


def screen_columns(columns: Iterable[Column]) -> list[Column]:
    """The columns a list's HTML table shows, in the export's order."""
    return [c for c in columns if c.screen]


class ListExporter:
    """A list as rows. Subclasses set ``identifier``, ``sheet_title`` and ``columns`` and give
    ``records()``; or they override ``rows()`` for rows that are not one record each."""

    identifier: ClassVar[str]
    sheet_title: ClassVar[str | Promise] = ""
    columns: Sequence[Column] = ()
    freeze: ClassVar[str | None] = "A2"
    # Page setup of the sheet (``xlsx.SheetWriter``): A4, landscape and fitted to the width.
    landscape: ClassVar[bool] = True
    fit_width: ClassVar[bool] = True
    repeat_rows: ClassVar[tuple[int, int] | None] = None
    margins: ClassVar[float] = 0.5

    def filename(self) -> str:
        return "{}.xlsx".format(self.identifier)

    def records(self) -> Iterable[Any]:
        return ()

    def widths(self) -> list[float]:
        return [c.width for c in self.columns]

    def header_row(self) -> list[str]:
        return headers(self.columns)

    def rows(self) -> Iterator[list[Any]]:
        """The header row, then one row per record."""
        yield self.header_row()
        for record in self.records():
            yield [column.value(record) for column in self.columns]

    # -- rendering -------------------------------------------------------------------------------

    def sheet(self, workbook: Workbook, title: str | Promise | None = None, **options) -> xlsx.SheetWriter:
        options.setdefault("widths", self.widths())
        options.setdefault("freeze", self.freeze)
        options.setdefault("landscape", self.landscape)
        options.setdefault("fit_width", self.fit_width)
        options.setdefault("repeat_rows", self.repeat_rows)
        options.setdefault("margins", self.margins)
        return xlsx.SheetWriter(workbook, str(title if title is not None else self.sheet_title), **options)

    def before_header(self, sheet: xlsx.SheetWriter) -> None:
        """Lines above the header row (a title, the filters): none by default."""

    def write(self, workbook: Workbook, progress: Callable[[int], Any] | None = None) -> None:
        """One sheet: ``before_header``, the header row, then the rows in the columns' styles."""
        sheet = self.sheet(workbook)
        self.before_header(sheet)
        styles = [c.cell_style for c in self.columns]
        for index, row in enumerate(self.rows()):
            if index == 0:
                sheet.append(row, row_style=xlsx.HEADER)
                continue
            if progress is not None and index % PROGRESS_EVERY == 0:
                progress(index)
            sheet.append(list(zip(row, styles, strict=False)) if styles else row)

    def finished(self) -> None:
        """Called once the file is written (an audit line, say)."""

    def write_file(self, handle: IO[bytes], progress: Callable[[int], Any] | None = None) -> None:
        """A write-only workbook (rows go to disk as they are appended), saved to ``handle``."""
        workbook = xlsx.new_workbook()
        self.write(workbook, progress)
        workbook.save(handle)

    def render_xlsx(self, progress: Callable[[int], Any] | None = None) -> IO[bytes]:
        """The workbook in a temporary file, positioned at its start; whoever streams or stores
        it closes it."""
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response or the job closes it
        self.write_file(handle, progress)
        handle.seek(0)
        self.finished()
        return handle


class TableExporter(ListExporter):
    """A table given as rows, the header first: a summary, or a template to fill in."""

    def __init__(
        self,
        *,
        filename: str,
        sheet_title: str | Promise,
        rows: Iterable[Iterable[Any]],
        widths: Sequence[float],
        identifier: str = "table",
    ) -> None:
        self.identifier = identifier
        self.sheet_title = sheet_title
        self._filename = filename
        self._rows = rows
        self._widths = list(widths)

    def filename(self) -> str:
        return self._filename

    def widths(self) -> list[float]:
        return self._widths

    def rows(self) -> Iterator[list[Any]]:
        for row in self._rows:
            yield list(row)


class ExportResponse(FileResponse):
    """A download streamed from its file. ``content`` reads the whole file without using up the
    stream, for callers that want the bytes of a small download at once."""

    def __init__(self, handle: IO[bytes], *args, **kwargs) -> None:
        # Kept apart from ``file_to_stream``: a wrapped stream (the test client's) resets that.
        self._handle = handle
        super().__init__(handle, *args, **kwargs)

    @property
    def content(self) -> bytes:
        handle = self._handle
        position = handle.tell()
        handle.seek(0)
        data = handle.read()
        handle.seek(position)
        return data


def file_response(handle: IO[bytes], filename: str) -> FileResponse:
    """An attachment streamed from ``handle``; Django writes the name as RFC 6266 asks
    (``filename*=utf-8''...`` when it is not ASCII) and guesses the type of other files."""
    content_type = XLSX_CONTENT_TYPE if filename.lower().endswith(".xlsx") else None
    return ExportResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def export_response(exporter: ListExporter) -> FileResponse:
    """The one way a view answers with an Excel file."""
    return file_response(exporter.render_xlsx(), exporter.filename())


def job_outcome(exporter: ListExporter, progress: jobs.Progress) -> jobs.Outcome:
    """What an export job leaves: the same exporter's file, written on the worker."""
    return jobs.Outcome(file=exporter.render_xlsx(progress), file_name=exporter.filename())
