"""The report workbook (Biểu 06, the indicators, the dossier log, ...) as an exporter: the same
class answers a download in the request and builds the file on the worker beyond a screenful.

The workbook's sheets are written by ``workbook.build_report`` (formatted forms with merged
headers); this exporter only gives it the file, the name and the reader's personal-data rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from dossiers import privacy
from parindex.analytics.reports.bieu06 import ReportMeta
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.workbook import build_report, report_filename
from parindex.base.exporting import ListExporter
from parindex.base.periods import Period


class ReportExporter(ListExporter):
    """``reads``: whose unmasked reads of the dossier log are logged (``privacy.UnmaskedReads``;
    ``UnmaskedReads(None)`` masks every row, as in a report sent up)."""

    identifier = "bao-cao"

    def __init__(
        self, scope: Scope, period: Period, *, meta: ReportMeta, reads: privacy.UnmaskedReads
    ) -> None:
        self.scope = scope
        self.period = period
        self.meta = meta
        self.reads = reads
        self.figures: dict = {}

    def filename(self) -> str:
        return report_filename(self.scope, self.period)

    def write_file(self, handle: IO[bytes], progress: Callable[[int], Any] | None = None) -> None:
        self.figures = build_report(
            self.scope, self.period, handle, meta=self.meta, full_for=self.reads, progress=progress
        )

    def finished(self) -> None:
        self.reads.log(
            action="report log", note="{} {}-{}".format(self.scope.code, self.period.start, self.period.end)
        )
