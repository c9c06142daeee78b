"""Plan and PAR work on the background worker: the plan's export beyond a screenful, and the
plan and criteria imports (read, checked and written in one transaction on the worker; a file
with any error writes nothing and the job page lists every problem)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from parindex.base import exporting
from parindex.base.jobs import services as jobs
from parindex.base.jobs.models import Job, JobKind
from parindex.base.models import Ward
from tasks import excel, importing
from tasks.exports import PlanExporter
from tasks.models import Plan

# --- the plan's export (tasks/exports.py) ---------------------------------------------------------


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
    return exporting.job_outcome(PlanExporter.from_job(job), progress)


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
