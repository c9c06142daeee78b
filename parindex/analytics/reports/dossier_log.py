"""Sheet "Sổ theo dõi": the dossier log (form 06 columns), also the portal's import template.

The same ``LOG_COLUMNS`` drive the export and the import (``imports.py``), so a log exported,
edited in Excel and imported again round-trips. The log lists exactly the dossiers of Biểu 06
column 3 ("received for handling" in the period: new plus carried over), taken from the engine's
``bucket_queryset`` so the row count equals the report's total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from dossiers import buckets, printed_forms, privacy
from dossiers.models import Channel, Dossier, FormKind, Hop, Outcome, Status
from parindex.analytics.reports.figures import Scope
from parindex.base import xlsx
from parindex.base.exporting import ListExporter
from parindex.base.periods import Period
from parindex.base.xlsx import SheetWriter

SHEET_TITLE = "Sổ theo dõi"
CHUNK = 2000  # rows fetched per round trip; memory stays flat whatever the period


@dataclass(frozen=True)
class LogColumn:
    key: str
    header: object  # lazy text
    width: float
    importable: bool = False
    # Long text wraps within the column (the row grows to fit it on paper).
    wrap: bool = False
    # A moment printed as its date only (the form's "Ngày ..." columns); the cell keeps the time.
    date_only: bool = False


# Widths in Excel's character units, chosen so the 22 columns of form 06 print on A4 landscape
# at about 75% (fit to the page's width; the old widths, 313 units, printed at 45%). Text
# columns wrap instead of being wide; dates print in Times New Roman, narrower than the default.
LOG_COLUMNS: list[LogColumn] = [
    LogColumn("stt", _("STT"), 3.5),
    LogColumn("ward", _("Mã phường"), 5, True),
    LogColumn("code", _("Mã hồ sơ"), 13, True),
    LogColumn("procedure_code", _("Mã TTHC"), 8.5, True),
    LogColumn("procedure_name", _("Tên thủ tục"), 18, True, wrap=True),
    LogColumn("field", _("Lĩnh vực"), 8, wrap=True),
    LogColumn("sets", _("Số bộ hồ sơ"), 4, True),
    LogColumn("applicant_name", _("Tên người nộp hồ sơ"), 12, True, wrap=True),
    LogColumn("applicant_address", _("Địa chỉ"), 13, True, wrap=True),
    LogColumn("applicant_phone", _("Số điện thoại"), 10.5, True),
    LogColumn("channel", _("Hình thức nộp"), 8, True, wrap=True),
    LogColumn("lead_agency", _("Cơ quan chủ trì giải quyết"), 9, wrap=True),
    LogColumn("received_at", _("Ngày, giờ nhận hồ sơ"), 13.5, True),
    LogColumn("due_date", _("Ngày hẹn trả kết quả"), 9.5, True),
    LogColumn("sent_at", _("Ngày chuyển hồ sơ"), 9.5, date_only=True),
    LogColumn("back_at", _("Ngày nhận kết quả từ cơ quan giải quyết"), 9.5, date_only=True),
    LogColumn("resolved_at", _("Ngày có kết quả"), 9.5, True, date_only=True),
    LogColumn("returned_at", _("Ngày trả kết quả"), 9.5, True, date_only=True),
    LogColumn("status", _("Trạng thái"), 8.5, True, wrap=True),
    LogColumn("outcome", _("Kết quả giải quyết"), 8.5, True, wrap=True),
    LogColumn("signature", _("Ký nhận"), 5),
    LogColumn("note", _("Ghi chú"), 10, True, wrap=True),
]
WRAP = xlsx.Style(wrap=True, vertical="top")
DATE_ONLY = xlsx.Style(vertical="top", number_format=xlsx.DATE_FORMAT)
# Per column: the style its non-empty cells get (None: a bare value, the fast path), and for
# wrapped columns the text length that still fits on one line (shorter text stays a bare value:
# half the log's text is short, and a styled cell costs a third more to write).
_CELL_STYLES = [WRAP if c.wrap else DATE_ONLY if c.date_only else None for c in LOG_COLUMNS]
_ONE_LINE = [int(c.width) if c.wrap else 0 for c in LOG_COLUMNS]


def _styled(values: list) -> list:
    return [
        value
        if style is None
        or value is None
        or value == ""
        or (fits and isinstance(value, str) and len(value) <= fits)
        else (value, style)
        for value, style, fits in zip(values, _CELL_STYLES, _ONE_LINE, strict=True)
    ]


HEADER_ROW = 3  # title line, blank line, header


def log_queryset(scope: Scope, period: Period):
    """The dossiers of Biểu 06 column 3 with everything the log prints, in one query per chunk."""
    first_sent = Hop.objects.filter(dossier=OuterRef("pk")).order_by("sent_at", "id").values("sent_at")[:1]
    last_back = (
        Hop.objects.filter(dossier=OuterRef("pk"), returned_at__isnull=False)
        .order_by("-returned_at", "-id")
        .values("returned_at")[:1]
    )
    return (
        buckets.bucket_queryset(scope.ward_ids, period, "received")
        .select_related("ward", "procedure", "field")
        .annotate(first_sent_at=Subquery(first_sent), last_back_at=Subquery(last_back))
        .order_by("ward__name", "received_at", "id")
    )


def _labels() -> dict[str, dict[str, str]]:
    """Display labels per code, translated once per export rather than once per row."""
    return {
        "channel": {k: str(v) for k, v in Channel.choices},
        "status": {k: str(v) for k, v in Status.choices},
        "outcome": {k: str(v) for k, v in Outcome.choices},
    }


# Whether a row's applicant is shown in full: ``privacy.UnmaskedReads`` for a reader (the one
# personal-data rule, logged), or ``None`` for full values (server-side tools with no reader).
FullFor = Callable[[Dossier], bool] | None


def log_values(
    index: int, d: Dossier, labels: dict[str, dict[str, str]] | None = None, *, full_for: FullFor = None
) -> list:
    if labels is None:
        labels = _labels()
    address, phone = d.applicant_address, d.applicant_phone
    if full_for is not None and not full_for(d):
        address, phone = privacy.mask_address(address), privacy.mask_phone(phone)
    return [
        index,
        d.ward.code,
        d.code,
        d.procedure.code,
        d.procedure.name,
        d.field.name,
        d.sets,
        d.applicant_name,
        address,
        phone,
        labels["channel"].get(d.channel, d.channel),
        d.procedure.lead_agency,
        d.received_at,
        d.due_date,
        d.first_sent_at,
        d.last_back_at,
        d.resolved_at,
        d.returned_at,
        labels["status"].get(d.status, d.status),
        labels["outcome"].get(d.outcome, d.outcome) if d.outcome else "",
        "",
        d.cancel_reason,
    ]


# The columns ``log_values`` reads: the log fetches only these (not the documents, search text
# and audit columns), which keeps a 100k-row export close to a plain openpyxl loop.
LOG_FIELDS = (
    "ward__code",
    "code",
    "procedure__code",
    "procedure__name",
    "procedure__lead_agency",
    "field__name",
    "sets",
    "applicant_name",
    "applicant_address",
    "applicant_phone",
    "channel",
    "received_at",
    "due_date",
    "resolved_at",
    "returned_at",
    "status",
    "outcome",
    "cancel_reason",
)


def iter_log_rows(
    scope: Scope,
    period: Period,
    *,
    full_for: FullFor = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """The log's rows; ``progress(rows_so_far)`` is told after each chunk (a queued export's bar)."""
    labels = _labels()
    rows = log_queryset(scope, period).only(*LOG_FIELDS)
    for index, dossier in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        yield log_values(index, dossier, labels, full_for=full_for)
        if progress is not None and index % CHUNK == 0:
            progress(index)


class DossierLogExporter(ListExporter):
    """The dossier log of a scope and period (form 06/07): A4 landscape, fitted to the width,
    the header repeated on every printed page, narrow margins."""

    identifier = "so-theo-doi-ho-so"
    sheet_title = SHEET_TITLE
    freeze = "D{}".format(HEADER_ROW + 1)
    landscape = True
    fit_width = True
    repeat_rows = (HEADER_ROW, HEADER_ROW)
    margins = 0.25

    def __init__(self, scope: Scope, period: Period, *, full_for: FullFor = None) -> None:
        self.scope = scope
        self.period = period
        self.full_for = full_for

    def filename(self) -> str:
        return "so-theo-doi-{}-{}-{}.xlsx".format(
            self.scope.code, self.period.start.strftime("%Y%m%d"), self.period.end.strftime("%Y%m%d")
        )

    def widths(self) -> list[float]:
        return [c.width for c in LOG_COLUMNS]

    def header_row(self) -> list[str]:
        return [str(c.header) for c in LOG_COLUMNS]

    def rows(self) -> Iterator[list]:
        yield self.header_row()
        yield from iter_log_rows(self.scope, self.period, full_for=self.full_for)

    def before_header(self, sheet: SheetWriter) -> None:
        scope, period = self.scope, self.period
        sheet.line(
            _("SỔ THEO DÕI HỒ SƠ - {} - Từ ngày {} đến ngày {}").format(
                scope.name, period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
            ),
            xlsx.TITLE,
            last_col=10,
        )
        # The log is form 06 of Thông tư 01/2018, 07 of Thông tư 03/2025: the set in force at the
        # period's end names it (the row stays where the blank line was).
        form = printed_forms.form_for(FormKind.LOG, period.end)
        if form is None:
            sheet.blank()
        else:
            sheet.line(
                _("Mẫu số {number} (ban hành kèm theo {basis})").format(
                    number=form.number, basis=form.legal_basis
                ),
                xlsx.CENTER_ITALIC,
                last_col=10,
            )

    def write(self, workbook, progress: Callable[[int], None] | None = None) -> SheetWriter:
        sheet = self.sheet(workbook)
        self.before_header(sheet)
        sheet.append([(header, xlsx.HEADER) for header in self.header_row()])
        # Only the date cells need a style (their number format); plain cells stay unstyled so a
        # 100k-row log writes fast.
        for values in iter_log_rows(self.scope, self.period, full_for=self.full_for, progress=progress):
            sheet.append(_styled(values))
        return sheet


def write_log(
    workbook,
    scope: Scope,
    period: Period,
    *,
    full_for: FullFor = None,
    progress: Callable[[int], None] | None = None,
) -> SheetWriter:
    """The log's sheet in the report workbook (``workbook.py``)."""
    return DossierLogExporter(scope, period, full_for=full_for).write(workbook, progress)
