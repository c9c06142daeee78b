"""The staffing export: positions on a day and the period's workload, one workbook.

A screenful answers in the request; a larger one is written by the worker (``start_export``), the
person following it on the job page, scoped to the ward like the page it came from.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django_tasks import task

from parindex.analytics import workload
from parindex.base.exporting import ListExporter, job_outcome
from parindex.base.jobs import services as jobs
from parindex.base.jobs.models import Job, JobKind
from parindex.base.models import Ward
from parindex.base.periods import Period
from parindex.base.xlsx import BOLD, CELL, HEADER, NUMBER, SheetWriter
from parindex.staffing import queries
from parindex.staffing.models import Position


def filename(ward: Ward, on: date) -> str:
    return "nhan-su-{}-{}.xlsx".format(ward.code, on.strftime("%Y%m%d"))


def row_count(ward: Ward, on: date) -> int:
    """Rows of the larger sheet, roughly: the ward's positions (one count query)."""
    return Position.objects.filter(ward=ward).count()


class StaffingExporter(ListExporter):
    """Two sheets: the positions on ``on`` and the workload of ``period``."""

    identifier = "nhan-su"

    def __init__(self, ward: Ward, period: Period, on: date) -> None:
        self.ward = ward
        self.period = period
        self.on = on

    @classmethod
    def from_job(cls, job: Job) -> StaffingExporter:
        p = job.params
        period = Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p.get("kind", "custom"))
        return cls(job.ward, period, date.fromisoformat(p["on"]))

    def filename(self) -> str:
        return filename(self.ward, self.on)

    def write(self, workbook, progress=None) -> None:
        _write(workbook, self.ward, self.period, self.on, progress)


def _write(workbook, ward: Ward, period: Period, on: date, progress=None) -> None:
    rows = queries.position_table(ward.id, on)
    sheet = SheetWriter(
        workbook, _("Vị trí việc làm"), widths=[6, 40, 34, 10, 10, 10, 40, 48, 36], freeze="A4"
    )
    sheet.line(_("Tình hình nhân sự {} tại ngày {}").format(ward.name, on.strftime("%d/%m/%Y")), BOLD)
    sheet.blank()
    header = [
        _("STT"),
        _("Chức danh"),
        _("Cơ quan, bộ phận"),
        _("Số lượng được giao"),
        _("Có mặt"),
        _("Còn trống"),
        _("Người đảm nhiệm"),
        _("Người kiêm nhiệm (từ ngày)"),
        _("Tuyển dụng"),
    ]
    sheet.append(header, row_style=HEADER)
    for index, row in enumerate(rows, start=1):
        covers = "; ".join(
            "{} ({})".format(c.official.full_name, c.start.strftime("%d/%m/%Y")) for c in row.covers
        )
        recruitment = ""
        if row.recruitment is not None:
            recruitment = row.recruitment.get_status_display()
            if row.recruitment.expected_date:
                recruitment = _("{}, dự kiến {}").format(
                    recruitment, row.recruitment.expected_date.strftime("%d/%m/%Y")
                )
        sheet.append(
            [
                (index, NUMBER),
                (row.position.title, CELL),
                (row.position.office, CELL),
                (row.quota, NUMBER),
                (row.filled, NUMBER),
                (row.vacant, NUMBER),
                (", ".join(o.full_name for o in row.holders), CELL),
                (covers, CELL),
                (recruitment, CELL),
            ]
        )

    work = SheetWriter(workbook, _("Khối lượng công việc"), widths=[32, 40, 40, 14, 14, 14], freeze="A4")
    work.line(_("Khối lượng công việc {}").format(period.label), BOLD)
    work.blank()
    work.append(
        [
            _("Cán bộ"),
            _("Vị trí đảm nhiệm"),
            _("Kiêm nhiệm"),
            _("Hồ sơ tiếp nhận"),
            _("Hồ sơ xử lý"),
            _("Nhiệm vụ chưa xong"),
        ],
        row_style=HEADER,
    )
    for w in workload.workload(ward.id, period):
        work.append(
            [
                (w.official.full_name, CELL),
                (", ".join(p.title for p in w.positions), CELL),
                (", ".join(p.title for p in w.covering), CELL),
                (w.dossiers_received, NUMBER),
                (w.dossiers_handled, NUMBER),
                (w.tasks_open, NUMBER),
            ]
        )
    if progress is not None:
        progress(len(rows))


def start_export(ward: Ward, period: Period, on: date, *, by, rows: int) -> Job:
    return jobs.start(
        export_staffing,
        kind=JobKind.STAFFING_EXPORT,
        owner=by,
        ward=ward,
        title=_("Nhân sự {} tại ngày {}").format(ward.name, on.strftime("%d/%m/%Y")),
        params={"start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind,
                "on": on.isoformat()},
        rows_total=rows,
    )  # fmt: skip


def _export(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    return job_outcome(StaffingExporter.from_job(job), progress)


@task()
def export_staffing(job_id: str) -> None:
    jobs.run(job_id, _export)
