"""The register's columns and its Excel export: one definition the table and the file both read.

The register's table (``dossiers/dossier_rows.html``) takes its headings from ``COLUMNS``; the
export writes the same columns, with the values of the same rules (personal data masked unless
the reader may see it, the deadline judged now).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers import deadlines, privacy
from dossiers.models import Channel, Dossier, Status
from parindex.base import xlsx
from parindex.base.exporting import Column, ListExporter
from parindex.base.jobs.models import Job
from parindex.base.jobs.services import load_query


def _deadline(d: Dossier) -> str:
    kind = d.deadline_kind
    return _(deadlines.LABELS[kind]) if kind else ""


COLUMNS = (
    Column(gettext_lazy("Mã hồ sơ"), lambda d: d.code, 20),
    Column(gettext_lazy("Mã TTHC"), lambda d: d.procedure.code, 12),
    Column(gettext_lazy("Thủ tục"), lambda d: d.procedure.name, 40),
    Column(gettext_lazy("Người nộp"), lambda d: d.applicant_name, 24),
    Column(gettext_lazy("CCCD / MST"), lambda d: d.personal.id_number, 16),
    Column(gettext_lazy("Điện thoại"), lambda d: d.personal.phone, 14),
    Column(gettext_lazy("Hình thức nộp"), lambda d: d.get_channel_display(), 14),
    Column(gettext_lazy("Tiếp nhận"), lambda d: d.received_at, 17, xlsx.DATETIME_FORMAT),
    Column(gettext_lazy("Hẹn trả"), lambda d: d.due_at, 13, xlsx.DATETIME_FORMAT),
    Column(gettext_lazy("Có kết quả"), lambda d: d.resolved_at, 17, xlsx.DATETIME_FORMAT),
    Column(gettext_lazy("Trạng thái"), lambda d: d.get_status_display(), 16),
    Column(gettext_lazy("Đánh giá hạn"), _deadline, 12),
)


def _when(value) -> str:
    """A moment as the table shows it (the template filter ``date:"d/m/Y H:i"``), or ""."""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def screen_rows(dossiers, *, as_of: bool = False) -> list[dict]:
    """The register table's cells for one page of ``dossiers`` (``personal`` already set by the
    personal-data rule): the values of ``COLUMNS`` written once per row for
    ``dossiers/dossier_rows.html``, the choice and deadline labels translated once per page and
    the detail links made from one ``reverse`` (the template's own ``url``, ``date`` and label
    lookups were ~20 ms of a 50-row page at 1M dossiers, docs/performance.md). ``as_of``: a
    drill-down's rows, with the due moment, status and deadline at the period's end
    (``as_of_due``, ``as_of_status_label``, ``as_of_kind``)."""
    from django.urls import reverse
    from django.utils.text import Truncator

    marker = "2147483647"
    link = reverse("dossiers:detail", args=[int(marker)])
    labels: dict[tuple, str] = {}

    def label(kind: str, value, make) -> str:
        key = (kind, value)
        if key not in labels:
            labels[key] = str(make(value)) if value else ""
        return labels[key]

    now = timezone.now()
    rows = []
    for d in dossiers:
        kind = d.as_of_kind if as_of else (deadlines.classify(d, now=now) or "")
        cross = d.received_by_ward_id and d.received_by_ward_id != d.ward_id
        name = d.procedure.name
        rows.append(
            {
                "url": link.replace(marker, str(d.pk)),
                "code": d.code,
                "cross_ward": "{} → {}".format(d.received_by_ward.name, d.ward.name) if cross else "",
                "procedure_code": d.procedure.code,
                "procedure_name": name,
                "procedure_short": label("name", name, lambda n: Truncator(n).chars(50)),
                "applicant": d.applicant_name,
                "id_number": d.personal.id_number,
                "phone": d.personal.phone,
                "channel": label("channel", d.channel, lambda v: Channel(v).label),
                "received": _when(d.received_at),
                "due": (_when(d.as_of_due) or label("paused", "-", lambda _v: _("tạm dừng")))
                if as_of
                else _when(d.due_at),
                "resolved": _when(d.resolved_at),
                "status": d.as_of_status_label
                if as_of
                else label("status", d.status, lambda v: Status(v).label),
                "kind": kind or "",
                "bad": kind in (deadlines.LATE, deadlines.OVERDUE),
                "kind_label": label("kind", kind, lambda k: _(deadlines.LABELS[k])),
            }
        )
    return rows


class RegisterExporter(ListExporter):
    """The register's filtered rows; ``user`` is the reader the personal-data rule is applied for
    (and whose unmasked reads are logged)."""

    identifier = "ho-so"
    sheet_title = gettext_lazy("Hồ sơ")
    columns = COLUMNS

    def __init__(self, queryset, user) -> None:
        self.queryset = queryset
        self.user = user
        self.reads = privacy.UnmaskedReads(user)

    @classmethod
    def from_job(cls, job: Job) -> RegisterExporter:
        return cls(load_query(Dossier, job.params["query"]), job.owner)

    def records(self) -> Iterator[Dossier]:
        now = timezone.now()
        # iterator(): rows stream from the cursor, memory stays flat on a year's register.
        for d in self.queryset.iterator(chunk_size=2000):
            d.personal = privacy.personal_data(d, full=self.reads(d))
            d.deadline_kind = deadlines.classify(d, now=now)
            yield d

    def finished(self) -> None:
        self.reads.log(action="export xlsx")
