"""Report work done by the background worker: the workbook export, the "sent" snapshot, and the
dossier import (its preview, then its confirmation).

Views (and the scheduled monthly build) call ``start_export`` / ``start_send`` and answer at once
with the job page; the worker runs the task functions below through ``parindex.base.jobs.services.run``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from dossiers import buckets, privacy
from parindex.analytics.reports import imports
from parindex.analytics.reports.exports import ReportExporter
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.sent import NumberTaken, prepare_sent, save_sent
from parindex.analytics.reports.workbook import default_meta
from parindex.base import uploads
from parindex.base.access import visible_ward_ids
from parindex.base.exporting import job_outcome
from parindex.base.jobs.models import Job, JobKind, JobStatus
from parindex.base.jobs.notifications import notify
from parindex.base.jobs.services import (
    JobError,
    Outcome,
    Progress,
    open_upload,
    run,
    run_with_upload,
    start,
    start_with_upload,
)
from parindex.base.models import Role
from parindex.base.names import full_name
from parindex.base.periods import Period


def log_rows(scope: Scope, period: Period) -> int:
    """Rows of the dossier log (the bulk of the workbook): one count query."""
    return buckets.bucket_queryset(scope.ward_ids, period, "received").count()


def _job_scope(scope: Scope) -> dict:
    return {"ward": None, "city": scope.city} if scope.is_city else {"ward": scope.wards[0], "city": None}


def _period_params(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind}


def _period(job: Job) -> Period:
    p = job.params
    return Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p.get("kind", "custom"))


def _scope(job: Job) -> Scope:
    if job.ward_id:
        return Scope.for_ward(job.ward)
    # A city job covers the wards its owner sees when it runs (all of them when scheduled).
    ward_ids = visible_ward_ids(job.owner) if job.owner_id else None
    scope = Scope.for_city(job.city, ward_ids=ward_ids)
    if not scope.wards:
        raise JobError(_("Bạn không còn quyền xem các phường của thành phố này."))
    return scope


def start_export(scope: Scope, period: Period, *, by, number: str, preparer: str, rows: int) -> Job:
    """A download built on the worker: the dossier log follows the personal-data rule for ``by``
    (the reader), and its unmasked rows are logged as the download's would be."""
    return start(
        export_report,
        kind=JobKind.REPORT_EXPORT,
        owner=by,
        title=_("Báo cáo {} kỳ {}").format(scope.name, period.label),
        params={**_period_params(period), "number": number, "preparer": preparer, "reader": "owner"},
        rows_total=rows,
        **_job_scope(scope),
    )


def _export(job: Job, progress: Progress) -> Outcome:
    scope, period = _scope(job), _period(job)
    if job.rows_total is None:
        progress(0, log_rows(scope, period), force=True)
    preparer = job.params.get("preparer") or (full_name(job.owner) if job.owner_id else "")
    meta = default_meta(scope, number=job.params.get("number", ""), preparer=preparer)
    # A scheduled report has no reader: everything masked, as in a report sent up.
    reader = job.owner if job.owner_id and job.params.get("reader") == "owner" else None
    exporter = ReportExporter(scope, period, meta=meta, reads=privacy.UnmaskedReads(reader))
    return job_outcome(exporter, progress)


@task()
def export_report(job_id: str) -> None:
    run(job_id, _export)


def start_send(scope: Scope, period: Period, *, by, number: str, rows: int | None = None) -> Job:
    return start(
        send_report,
        kind=JobKind.REPORT_SEND,
        owner=by,
        title=_("Lưu báo cáo số {} kỳ {}").format(number, period.label),
        params={**_period_params(period), "number": number, "sender": by.pk},
        rows_total=rows,
        **_job_scope(scope),
    )


def _send(job: Job, progress: Progress) -> Outcome:
    scope, period = _scope(job), _period(job)
    sender = get_user_model().objects.get(pk=job.params["sender"])
    try:
        report = prepare_sent(scope, period, by=sender, number=job.params["number"], progress=progress)
    except NumberTaken as exc:
        raise JobError(exc.message) from exc

    def commit() -> str:
        try:
            save_sent(report)
        except NumberTaken as exc:
            raise JobError(exc.message) from exc
        return reverse("reports:sent_detail", args=[report.pk])

    return Outcome(
        commit=commit,
        message=_("Đã lưu báo cáo số {} kỳ {} là đã gửi. Số liệu và tệp được giữ nguyên.").format(
            report.number, period.label
        ),
    )


@task()
def send_report(job_id: str) -> None:
    run(job_id, _send)


def start_monthly(ward, period: Period) -> Job | None:
    """Queue the scheduled report of ``ward`` for ``period``, unless one is queued, running or done."""
    existing = Job.objects.filter(
        kind=JobKind.MONTHLY_REPORT,
        ward=ward,
        params__start=period.start.isoformat(),
        params__end=period.end.isoformat(),
    ).exclude(status=JobStatus.FAILED)
    if existing.exists():
        return None
    return start(
        build_monthly_report,
        kind=JobKind.MONTHLY_REPORT,
        ward=ward,
        title=_("Báo cáo định kỳ {} kỳ {}").format(ward.name, period.label),
        params=_period_params(period),
    )


def _monthly(job: Job, progress: Progress) -> Outcome:
    outcome = _export(job, progress)
    ward, period = job.ward, _period(job)
    url = reverse("jobs:detail", args=[job.pk])
    readers = get_user_model().objects.filter(
        Q(membership__role=Role.LEADER, membership__ward=ward)
        | Q(membership__role=Role.CITY_VIEWER, membership__city=ward.city_id),
        is_active=True,
    )

    def commit() -> str:
        notify(
            readers,
            key="monthly:{}:{}:{}".format(ward.code, period.start.isoformat(), period.end.isoformat()),
            text=_("Báo cáo kỳ {} của {} đã được lập; hãy xem và gửi.").format(period.label, ward.name),
            url=url,
            ward=ward,
        )
        return ""

    return Outcome(file=outcome.file, file_name=outcome.file_name, commit=commit)


@task()
def build_monthly_report(job_id: str) -> None:
    run(job_id, _monthly)


def start_preview(upload, *, ward, by) -> Job:
    """Queue the preview of an uploaded dossier file (``uploads.check_upload`` has passed it).
    The person's earlier previews for this ward are dropped: a new upload replaces them."""
    for earlier in pending_previews(ward=ward, by=by):
        cancel_preview(earlier)
    return start_with_upload(
        preview_import,
        upload,
        kind=JobKind.IMPORT_PREVIEW,
        owner=by,
        ward=ward,
        title=_("Xem trước tệp {}").format(Path(upload.name or "").name)[:300],
    )


def preview_url(job: Job) -> str:
    query = urlencode({"ward": job.ward.code, "preview": job.params["token"]})
    return "{}?{}".format(reverse("reports:import"), query)


def _preview(job: Job, progress: Progress) -> Outcome:
    with open_upload(job) as handle:
        try:
            plan = imports.preview(handle, ward=job.ward)
        except imports.ImportFileError as exc:
            raise JobError(str(exc)) from exc
    progress(len(plan.rows), len(plan.rows), force=True)
    job.params["preview"] = imports.Summary.of(plan).to_json()
    # The job page sends the person on to the preview (with its "confirm" button) at once.
    job.params["go_to_result"] = True
    return Outcome(url=preview_url(job))


def _keep_for_confirmation(job: Job) -> bool:
    return job.status == JobStatus.DONE and bool(job.params.get("preview", {}).get("n_errors") == 0)


@task()
def preview_import(job_id: str) -> None:
    # A preview with errors (or one that failed) keeps nothing: the person fixes the file first.
    run_with_upload(job_id, _preview, keep=_keep_for_confirmation)


def pending_previews(*, ward, by):
    """The person's previews for ``ward`` that are neither confirmed nor cancelled."""
    return (
        Job.objects.for_user(by)
        .filter(kind=JobKind.IMPORT_PREVIEW, ward=ward, owner=by)
        .exclude(params__token="")
        .exclude(status=JobStatus.FAILED)
    )


def find_preview(token: str, *, ward, by) -> Job | None:
    """The preview job of staged file ``token``, if ``by`` started it for ``ward``."""
    if not uploads.valid_token(token):
        return None
    previews = Job.objects.for_user(by).filter(kind=JobKind.IMPORT_PREVIEW, ward=ward, owner=by)
    return previews.filter(params__token=token).select_related("ward").first()


def preview_summary(job: Job) -> imports.Summary | None:
    data = job.params.get("preview")
    return imports.Summary.from_json(data) if job.status == JobStatus.DONE and data else None


def confirmable(job: Job | None) -> bool:
    """A finished preview without errors whose staged file is still there."""
    summary = preview_summary(job) if job is not None else None
    return bool(summary and summary.ok and uploads.staged_name(job.params.get("token", "")))


def _spend(job: Job, **params) -> bool:
    """Take the staged file away from the preview ``job`` (once): True for the one caller that did."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or not locked.params.get("token"):
            return False
        locked.params = {**locked.params, "token": "", **params}
        locked.save(update_fields=["params"])
    return True


def cancel_preview(job: Job) -> None:
    token = job.params.get("token")
    if _spend(job, cancelled=True):
        uploads.discard(token)


def confirm_preview(job: Job, *, by) -> Job | None:
    """Queue the import of a confirmed preview (None when it was confirmed or cancelled already).
    The apply job reads the same staged file, checks it again and writes all of it or nothing."""
    token = job.params.get("token", "")
    if not confirmable(job) or not _spend(job):
        return None
    apply_job = start(
        import_dossiers,
        kind=JobKind.DOSSIER_IMPORT,
        owner=by,
        ward=job.ward,
        title=_("Nhập tệp {}").format(job.params.get("name", ""))[:300],
        params={"token": token, "name": job.params.get("name", ""), "preview": str(job.pk)},
    )
    return apply_job


def start_import(upload, *, ward, by) -> Job:
    """Queue the import of an upload without a preview page (a script's or a test's file)."""
    return start_with_upload(
        import_dossiers,
        upload,
        kind=JobKind.DOSSIER_IMPORT,
        owner=by,
        ward=ward,
        title=_("Nhập tệp {}").format(Path(getattr(upload, "name", "") or "").name)[:300],
    )


def _import(job: Job, progress: Progress) -> Outcome:
    try:
        with open_upload(job) as handle:
            plan = imports.preview(handle, ward=job.ward)
    except imports.ImportFileError as exc:
        raise JobError(str(exc)) from exc
    progress(0, len(plan.rows), force=True)
    if not plan.ok:
        raise JobError(_("Tệp còn lỗi; chưa nhập hồ sơ nào. Hãy sửa tệp và tải lên lại."))

    def commit() -> str:
        # All or nothing, in the same transaction as marking the job done.
        try:
            result = imports.apply(plan, ward=job.ward, by=job.owner)
        except imports.ImportFileError as exc:
            raise JobError(str(exc)) from exc
        job.message = _("Đã nhập tệp {}: {} hồ sơ mới, {} hồ sơ cập nhật, {} hồ sơ không đổi.").format(
            job.params.get("name", ""), result.created, result.updated, result.unchanged
        )
        return "{}?ward={}".format(reverse("reports:index"), job.ward.code)

    return Outcome(commit=commit)


@task()
def import_dossiers(job_id: str) -> None:
    # The applicants' data in the staged copy is not needed again, whatever happened.
    run_with_upload(job_id, _import)
