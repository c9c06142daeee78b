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
from dossiers.models import Dossier
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
