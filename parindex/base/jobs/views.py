"""The job page: progress while the worker runs (htmx polling, or a plain refresh link), then the
download. A job is found only by the person who started it, over wards they still see (404
otherwise, like the data it was made from)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from parindex.base.audit import log_access
from parindex.base.exporting import file_response
from parindex.base.htmx import HtmxHttpRequest, render_page_or_fragment, wants_fragment
from parindex.base.jobs.models import Job, JobStatus, Notification
from parindex.base.jobs.services import recover

POLL_SECONDS = 1


def _visible_job(request: HttpRequest, pk) -> Job:
    return get_object_or_404(Job.objects.for_user(request.user).select_related("ward", "city"), pk=pk)


def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.for_user(request.user).select_related("ward", "city")[:50]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


def job_detail(request: HtmxHttpRequest, pk) -> HttpResponse:
    job = _visible_job(request, pk)
    # A job whose worker died shows as such now, not after the next worker start.
    recover(job)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    # A step of a longer flow (an import's preview): the page polling it moves on by itself.
    if (
        wants_fragment(request)
        and job.status == JobStatus.DONE
        and job.result_url
        and job.params.get("go_to_result")
    ):
        return HttpResponseClientRedirect(job.result_url)
    response = render_page_or_fragment(request, "jobs/job_detail.html", "jobs/job_status.html", context)
    if not job.finished and not wants_fragment(request):
        # Browsers without JavaScript refresh on their own while the work runs.
        response["Refresh"] = str(POLL_SECONDS * 3)
    return response


def job_file(request: HttpRequest, pk) -> FileResponse:
    job = _visible_job(request, pk)
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404("file")
    log_access(user=request.user, obj=job, action="download", ward=job.ward)
    return file_response(job.result_file.open("rb"), job.result_name)


def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notices, newest first; showing them marks them read."""
    items = list(Notification.objects.for_user(request.user)[:100])
    unread = [n.pk for n in items if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "jobs/notifications.html", {"notifications": items, "unread": set(unread)})
