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

from dossiers import privacy
from dossiers.models import Channel, Dossier, Hop, Outcome, Status
from parindex import indicators
from parindex.periods import Period
from parindex.reports import xlsx
from parindex.reports.figures import Scope
from parindex.reports.xlsx import SheetWriter

SHEET_TITLE = "Sổ theo dõi"
CHUNK = 2000  # rows fetched per round trip; memory stays flat whatever the period


@dataclass(frozen=True)
class LogColumn:
    key: str
    header: object  # lazy text
    width: float
    importable: bool = False


LOG_COLUMNS: list[LogColumn] = [
    LogColumn("stt", _("STT"), 5),
    LogColumn("ward", _("Mã phường"), 8, True),
    LogColumn("code", _("Mã hồ sơ"), 20, True),
    LogColumn("procedure_code", _("Mã TTHC"), 10, True),
    LogColumn("procedure_name", _("Tên thủ tục"), 30, True),
    LogColumn("field", _("Lĩnh vực"), 14),
    LogColumn("sets", _("Số bộ hồ sơ"), 6, True),
    LogColumn("applicant_name", _("Tên người nộp hồ sơ"), 20, True),
    LogColumn("applicant_address", _("Địa chỉ"), 22, True),
    LogColumn("applicant_phone", _("Số điện thoại"), 12, True),
    LogColumn("channel", _("Hình thức nộp"), 11, True),
    LogColumn("lead_agency", _("Cơ quan chủ trì giải quyết"), 16),
    LogColumn("received_at", _("Ngày, giờ nhận hồ sơ"), 16, True),
    LogColumn("due_date", _("Ngày hẹn trả kết quả"), 11, True),
    LogColumn("sent_at", _("Ngày chuyển hồ sơ"), 16),
    LogColumn("back_at", _("Ngày nhận kết quả từ cơ quan giải quyết"), 16),
    LogColumn("resolved_at", _("Ngày có kết quả"), 16, True),
    LogColumn("returned_at", _("Ngày trả kết quả"), 16, True),
    LogColumn("status", _("Trạng thái"), 12, True),
    LogColumn("outcome", _("Kết quả giải quyết"), 12, True),
    LogColumn("signature", _("Ký nhận"), 8),
    LogColumn("note", _("Ghi chú"), 16, True),
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
        indicators.bucket_queryset(scope.ward_ids, period, "received")
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


def write_log(
    workbook,
    scope: Scope,
    period: Period,
    *,
    full_for: FullFor = None,
    progress: Callable[[int], None] | None = None,
) -> SheetWriter:
    sheet = SheetWriter(
        workbook,
        SHEET_TITLE,
        widths=[c.width for c in LOG_COLUMNS],
        freeze="D{}".format(HEADER_ROW + 1),
        repeat_rows=(HEADER_ROW, HEADER_ROW),
    )
    sheet.line(
        _("SỔ THEO DÕI HỒ SƠ - {} - Từ ngày {} đến ngày {}").format(
            scope.name, period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")
        ),
        xlsx.TITLE,
        last_col=10,
    )
    sheet.blank()
    sheet.append([(str(c.header), xlsx.HEADER) for c in LOG_COLUMNS])
    # Only the date cells need a style (their number format); plain cells stay unstyled so a
    # 100k-row log writes fast.
    for values in iter_log_rows(scope, period, full_for=full_for, progress=progress):
        sheet.append(values)
    return sheet
