"""Plan and PAR work on the background worker: the plan's export beyond a screenful, and the
plan and criteria imports (read, checked and written in one transaction on the worker; a file
with any error writes nothing and the job page lists every problem)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from parindex.jobs import services as jobs
from parindex.jobs.models import Job, JobKind
from parindex.models import Ward
from tasks import excel, importing, plans
from tasks.models import Plan, Task

PLAN_WIDTHS = [8, 60, 36, 22, 30, 14, 16, 10, 14, 9, 30]


# --- the plan's export --------------------------------------------------------------------------


def _name(user) -> str:
    return plans.display_name(user) if user else "—"


def plan_filename(plan: Plan) -> str:
    return "ke-hoach-cchc-{}-{}.xlsx".format(plan.ward.code, plan.year)


def plan_rows(rows: Iterable[Task], on: date) -> Iterator[list]:
    yield [
        _("Mã"), _("Nhiệm vụ"), _("Lĩnh vực CCHC"), _("Người chủ trì"), _("Người phối hợp"),
        _("Hạn hoàn thành"), _("Trạng thái"), _("Tiến độ (%)"), _("Ngày hoàn thành"), _("Quá hạn"), _("Lý do hủy"),
    ]  # fmt: skip
    for t in rows:
        yield [
            t.code, t.title, t.get_component_display(), _name(t.lead),
            ", ".join(_name(u) for u in t.co_officials.all()), t.due_date.strftime("%d/%m/%Y"),
            t.get_status_display(), t.progress if t.progress is not None else "",
            t.completed_on.strftime("%d/%m/%Y") if t.completed_on else "",
            _("Có") if t.is_overdue(on) else "", t.cancel_reason,
        ]  # fmt: skip


def start_plan_export(tasks, plan: Plan, *, on: date, by, rows: int) -> Job:
    """``tasks``: the plan page's filtered queryset, run again by the worker."""
    return jobs.start(
        export_plan,
        kind=JobKind.PLAN_EXPORT,
        owner=by,
        ward=plan.ward,
        title=_("Kế hoạch CCHC năm {} ({} nhiệm vụ)").format(plan.year, rows),
        params={"plan": plan.pk, "on": on.isoformat(), "query": jobs.dump_query(tasks)},
        rows_total=rows,
    )


def _export_plan(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    plan = Plan.objects.select_related("ward").get(pk=job.params["plan"], ward=job.ward)
    tasks = (
        jobs.load_query(Task, job.params["query"])
        .select_related("lead")
        .prefetch_related(Prefetch("co_officials", queryset=plans.User.objects.order_by("first_name")))
    )
    on = date.fromisoformat(job.params["on"])

    def counted():
        for index, row in enumerate(plan_rows(tasks, on)):
            if index % 500 == 0:
                progress(index)
            yield row

    data = excel.workbook_bytes(_("Nhiệm vụ"), counted(), PLAN_WIDTHS)
    handle = jobs.spooled(data)
    return jobs.Outcome(file=handle, file_name=plan_filename(plan))


@task()
def export_plan(job_id: str) -> None:
    jobs.run(job_id, _export_plan)


# --- imports ------------------------------------------------------------------------------------


def _start_year_import(task_function, upload, kind: str, ward: Ward, year: int, by, title: str) -> Job:
    """Queue the import of one year's Excel file (a plan or a criteria tree)."""
    return jobs.start_with_upload(
        task_function, upload, kind=kind, owner=by, ward=ward, title=title, params={"year": year}
    )


def _year_import(job: Job, importer, message, list_url: str) -> jobs.Outcome:
    """Run ``importer`` on the job's upload inside the transaction that marks the job done;
    ``message(result, year)`` says what was imported, the job then links to ``list_url``."""
    year = job.params["year"]

    def commit() -> str:
        # Read, checked and written inside the transaction that marks the job done.
        with jobs.open_upload(job) as handle:
            try:
                result = importer(ward=job.ward, year=year, upload=handle, by=job.owner)
            except excel.ImportFailed as exc:
                raise jobs.import_refused(exc.errors) from exc
        job.message = message(result, year)
        return "{}?year={}".format(reverse(list_url), year)

    return jobs.Outcome(commit=commit)


def start_plan_import(upload, *, ward: Ward, year: int, by) -> Job:
    title = _("Nhập kế hoạch năm {year} từ Excel").format(year=year)
    return _start_year_import(import_plan_file, upload, JobKind.PLAN_IMPORT, ward, year, by, title)


def _plan_imported(plan, year: int) -> str:
    return _("Đã nhập kế hoạch năm {year}: {n} nhiệm vụ.").format(year=year, n=plan.tasks.count())


def _import_plan(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    return _year_import(job, importing.import_plan, _plan_imported, "tasks:index")


@task()
def import_plan_file(job_id: str) -> None:
    jobs.run_with_upload(job_id, _import_plan)


def start_criteria_import(upload, *, ward: Ward, year: int, by) -> Job:
    title = _("Nhập bộ tiêu chí năm {year} từ Excel").format(year=year)
    return _start_year_import(import_criteria_file, upload, JobKind.CRITERIA_IMPORT, ward, year, by, title)


def _criteria_imported(created, year: int) -> str:
    return _("Đã nhập {n} tiêu chí năm {year}.").format(n=len(created), year=year)


def _import_criteria(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    return _year_import(job, importing.import_criteria, _criteria_imported, "tasks:criteria")


@task()
def import_criteria_file(job_id: str) -> None:
    jobs.run_with_upload(job_id, _import_criteria)
