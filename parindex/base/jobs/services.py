"""Starting, running and watching background jobs.

A view calls ``start(task, ...)``: it writes the ``Job`` row and hands its id to the queue, then
answers at once with the job page. The task function (defined next to the work it does, e.g.
``parindex/analytics/reports/jobs.py``) calls ``run(job_id, work)``, which claims the job, keeps its
heartbeat and progress, stores the result file through the storage API and records the outcome.

A job never stays "running" for ever: a worker that dies leaves a heartbeat that stops moving and
a process that no longer exists. ``sweep_stale`` (run when a worker starts, and for one job when
its page is looked at) puts such a job back in the queue when its work can safely run again
(exports), or marks it failed with a message saying so (anything that writes).
"""

from __future__ import annotations

import base64
import logging
import os
import pickle
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task

from parindex.base import uploads
from parindex.base.jobs.models import Job, JobKind, JobStatus
from parindex.base.models import City, Ward

logger = logging.getLogger(__name__)

# Work that only reads and writes a file of its own may run again after an interruption.
RETRYABLE_KINDS = {
    JobKind.REPORT_EXPORT,
    JobKind.DOSSIER_EXPORT,
    JobKind.PLAN_EXPORT,
    JobKind.STAFFING_EXPORT,
    JobKind.IMPORT_PREVIEW,
}
MAX_ATTEMPTS = 2
PROGRESS_EVERY_SECONDS = 0.5


class JobError(Exception):
    """A failure the person can act on; its text is shown on the job page as is."""


@dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: a file to download and/or a page to go to, and a message."""

    file: IO[bytes] | None = None
    file_name: str = ""
    url: str = ""
    message: str = ""
    # Work that writes rows does its slow part first and returns its writes as ``commit``: they
    # run in one short transaction together with marking the job done, so an interrupted job has
    # written nothing and a finished one everything. ``commit`` returns the result page's URL.
    commit: Callable[[], str] | None = None


def worker_name() -> str:
    return "{}:{}".format(socket.gethostname(), os.getpid())


def start(
    task: Task,
    *,
    kind: str,
    owner=None,
    ward: Ward | None = None,
    city: City | None = None,
    title: str = "",
    params: dict | None = None,
    rows_total: int | None = None,
) -> Job:
    """Record a job and queue ``task(job_id)``. The caller answers with ``job_url(job)``."""
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        ward=ward,
        city=city if ward is None else ward.city,
        title=title[:300],
        params={**(params or {}), "language": translation.get_language() or settings.LANGUAGE_CODE},
        rows_total=rows_total,
        task_path=task.module_path,
    )
    if connection.in_atomic_block and not isinstance(task.get_backend(), ImmediateBackend):
        # A worker on another connection must find the row: queue it once it is committed. (An
        # inline backend runs on this very connection, inside this transaction.)
        transaction.on_commit(lambda: _enqueue(task, job))
    else:
        _enqueue(task, job)
    return job


def _enqueue(task: Task, job: Job) -> None:
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.task_id = str(result.id)[:64]


class Progress:
    """Passed to the work function: ``progress(done, total)`` after each chunk of rows. Writes at
    most twice a second, and each write is also the job's heartbeat."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        fields = {"rows_done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["rows_total"] = total
        Job.objects.filter(pk=self.job.pk).update(**fields)
        self.job.rows_done = done
        if total is not None:
            self.job.rows_total = total


def run(job_id: str, work: Callable[[Job, Progress], Outcome]) -> None:
    """Claim the job, do ``work``, record the outcome. Called by the task functions. ``work`` may
    put what the job page (or a later step) needs in ``job.params``: it is saved with the result."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name(),
        attempts=F("attempts") + 1,
        error="",
    )
    if not claimed:
        # Already done, failed, or claimed by another worker (a task delivered twice).
        return
    job = Job.objects.get(pk=job_id)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            _finish(job, work(job, Progress(job)))
        except JobError as exc:
            _fail(job, str(exc))
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _fail(job, _("Lỗi hệ thống khi xử lý; không có dữ liệu nào bị thay đổi. Hãy thử lại sau."))
            raise


def _finish(job: Job, outcome: Outcome) -> None:
    with transaction.atomic():
        url = outcome.commit() if outcome.commit is not None else outcome.url
        _mark_done(job, outcome, url)


def _mark_done(job: Job, outcome: Outcome, url: str) -> None:
    if outcome.file is not None:
        # Through the storage API: local folder by default, S3 when configured; any server serves it.
        job.result_file.save(outcome.file_name, File(outcome.file), save=False)
        outcome.file.close()
    job.result_name = outcome.file_name[:200]
    job.result_url = url[:300]
    job.message = (outcome.message or job.message)[:500]  # ``commit`` may have written it
    job.status = JobStatus.DONE
    job.finished_at = job.heartbeat_at = timezone.now()
    if job.rows_total is not None:
        job.rows_done = job.rows_total
    job.save(
        update_fields=[
            "result_file",
            "result_name",
            "result_url",
            "message",
            "status",
            "finished_at",
            "heartbeat_at",
            "rows_done",
            "params",
        ]
    )


# --- jobs that read an upload ------------------------------------------------------------------


def start_with_upload(task: Task, upload, **kwargs) -> Job:
    """Stage an upload ``uploads.check_upload`` has passed and queue ``task`` to read it: the file
    goes through the storage API, so the worker (on any machine) opens it with ``open_upload``."""
    token = uploads.stage(upload)
    name = Path(getattr(upload, "name", "") or "").name[:200]
    return start(task, **{**kwargs, "params": {**kwargs.get("params", {}), "token": token, "name": name}})


def import_refused(errors: list[str]) -> JobError:
    """An import's problems as the job's message: the count first, then one line each."""
    head = ngettext("Không nhập gì: tệp có %(n)s lỗi.", "Không nhập gì: tệp có %(n)s lỗi.", len(errors)) % {
        "n": len(errors)
    }
    return JobError("\n".join([head, *errors]))


def spooled(data: bytes) -> IO[bytes]:
    """A workbook built in memory as the file an ``Outcome`` stores."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed once stored
    handle.write(data)
    handle.seek(0)
    return handle


def open_upload(job: Job) -> IO[bytes]:
    handle = uploads.open_staged(job.params.get("token", ""))
    if handle is None:
        raise JobError(_("Tệp tải lên không còn (đã quá hạn hoặc đã được xử lý). Hãy tải tệp lên lại."))
    return handle


def run_with_upload(
    job_id: str, work: Callable[[Job, Progress], Outcome], *, keep: Callable[[Job], bool] | None = None
) -> None:
    """``run`` for work on a staged upload. The staged copy (applicants' data, often) is deleted
    once the job is over, whatever happened, unless ``keep(job)`` says a later step needs it."""
    try:
        run(job_id, work)
    finally:
        job = Job.objects.filter(pk=job_id).first()
        if job is not None and job.finished and not (keep and keep(job)):
            uploads.discard(job.params.get("token"))


def _fail(job: Job, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    job.status, job.error = JobStatus.FAILED, error


def _process_gone(worker: str) -> bool:
    """True when ``worker`` ("host:pid") names a process on this machine that no longer runs."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _interrupted(job: Job, now: datetime) -> bool:
    if job.status != JobStatus.RUNNING:
        return False
    stale_before = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    return (job.heartbeat_at is None or job.heartbeat_at < stale_before) or _process_gone(job.worker)


def recover(job: Job, *, now: datetime | None = None) -> bool:
    """Requeue or fail ``job`` if its worker is gone; True when it was interrupted."""
    now = now or timezone.now()
    if not _interrupted(job, now):
        return False
    if job.kind in RETRYABLE_KINDS and job.attempts < MAX_ATTEMPTS and job.task_path:
        requeued = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker).update(
            status=JobStatus.QUEUED, rows_done=0, worker="", heartbeat_at=now
        )
        if requeued:
            job.status = JobStatus.QUEUED
            _enqueue(import_string(job.task_path), job)
        return True
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        error = _(
            "Việc bị gián đoạn vì máy chủ xử lý dừng giữa chừng; không có dữ liệu nào bị thay đổi. "
            "Hãy chạy lại."
        )
    failed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker).update(
        status=JobStatus.FAILED, error=error, finished_at=now
    )
    if failed:
        job.status, job.error = JobStatus.FAILED, error
    return True


def sweep_stale(*, now: datetime | None = None) -> int:
    """Recover every interrupted job; returns how many there were. Run when a worker starts."""
    now = now or timezone.now()
    return sum(recover(job, now=now) for job in Job.objects.filter(status=JobStatus.RUNNING))


_QUERY_SALT = "parindex.base.jobs.query"


def dump_query(queryset) -> str:
    """A list's filtered queryset, for a worker to run later: Django's documented way is to pickle
    ``queryset.query``. Signed, so a row edited in the database cannot make a worker unpickle
    anything but what the portal wrote."""
    raw = base64.b64encode(pickle.dumps(queryset.query)).decode()
    return signing.Signer(salt=_QUERY_SALT).sign(raw)


def load_query(model, token: str):
    raw = signing.Signer(salt=_QUERY_SALT).unsign(token)
    queryset = model.objects.all()
    queryset.query = pickle.loads(base64.b64decode(raw))  # noqa: S301 - signed by this portal
    return queryset


def prune(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete finished jobs (and their files: exports hold applicants' data) older than that."""
    now = now or timezone.now()
    old = Job.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=now - older_than)
    count = 0
    for job in old.iterator():
        if job.result_file:
            job.result_file.delete(save=False)
        job.delete()
        count += 1
    return count
