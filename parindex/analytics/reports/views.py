"""Reports screens: choose a ward or city and a period, preview Biểu 06, download the workbook,
mark it sent, see how the live figures moved since; import dossiers from Excel.

Access: anyone who may read a ward (its officers and leaders, city viewers, administrators over
it) may preview and download its report; a ward the user cannot see is 404. A city report needs a
city viewer or administrator of that city. Marking as sent needs ``can_lead`` (ward) or an
administrator (city). Views check access and call the report functions; they compute nothing.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers import privacy
from parindex.analytics.reports import bieu06
from parindex.analytics.reports import jobs as report_jobs
from parindex.analytics.reports.exports import ReportExporter
from parindex.analytics.reports.figures import Scope, cell_key, counts_from, figures
from parindex.analytics.reports.models import SentReport
from parindex.analytics.reports.sent import NumberTaken, check_number, live_differences
from parindex.analytics.reports.workbook import default_meta
from parindex.base import idempotency, periods, uploads
from parindex.base.access import (
    can_handle_dossiers,
    can_lead,
    current_ward,
    get_visible_ward,
    is_admin,
    reads_several_wards,
    visible_ward_ids,
    ward_code_from,
)
from parindex.base.audit import log_access
from parindex.base.exporting import export_response, file_response
from parindex.base.jobs.services import recover
from parindex.base.jobs.views import POLL_SECONDS
from parindex.base.models import City, Membership, Role, Ward
from parindex.base.names import full_name
from parindex.base.periods import Period

REPORT_NUMBER_MAX = 50  # SentReport.number's max_length
REPORT_PICKER_KINDS = tuple(kind for kind in periods.KINDS if kind != "custom")
# A period the user can fix: the message is shown as is (the name older code and tests know).
BadParameters = periods.PeriodError


def latest_official_month(today: date) -> Period:
    """The last official month (15th-14th) that has ended: the one due to be reported."""
    if today.day >= 15:
        return periods.official_month(today.year, today.month)
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return periods.official_month(y, m)


def period_from_query(query: QueryDict, today: date) -> Period:
    """The period of ``parindex.base.periods``' vocabulary; default: the latest official month.
    A period entirely in the future is refused."""
    return periods.period_from_query(query, today, default=latest_official_month(today))


def scope_from_query(request: HttpRequest) -> Scope:
    """The ward (?ward=CODE) or city (?city=CODE) asked for, if the user may read it; else 404."""
    user = request.user
    raw_city = request.GET.get("city") or request.POST.get("city")
    # City codes are ward-like codes (same column length): the same check before the database.
    city_code = ward_code_from(raw_city)
    if raw_city and city_code is None:
        raise Http404("city")
    if city_code:
        if not reads_several_wards(user):
            raise Http404("city")
        city = get_object_or_404(City, code=city_code)
        scope = Scope.for_city(city, ward_ids=visible_ward_ids(user))
        if not scope.wards:
            raise Http404("city")
        return scope
    ward_code = request.GET.get("ward") or request.POST.get("ward")
    if ward_code:
        return Scope.for_ward(get_visible_ward(user, ward_code))
    ward = current_ward(request)
    if ward is None:
        raise Http404("ward")
    return Scope.for_ward(ward)


def _scope_query(scope: Scope, period: Period) -> str:
    key = "city" if scope.is_city else "ward"
    return "{}={}&{}".format(key, scope.code, period.as_query())


def _can_mark_sent(user, scope: Scope) -> bool:
    if scope.is_city:
        return is_admin(user)
    return can_lead(user, scope.wards[0])


def _sent_reports(scope: Scope):
    qs = SentReport.objects.select_related("ward", "city", "sent_by")
    if scope.is_city:
        return qs.filter(city=scope.city)
    return qs.filter(ward=scope.wards[0])


def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # The custom range has its own form on the page (from/to), the picker names the others.
    picker = periods.PeriodForm(
        request.GET, today=today, default=latest_official_month(today), kinds=REPORT_PICKER_KINDS
    )
    period, error = picker.period, picker.error
    scope = scope_from_query(request)
    data = figures(scope, period)
    rows = []
    for ward in scope.wards:
        if scope.is_city:
            rows.append((ward.name, data["wards"][ward.code], True, None))
        for field_code, field_name in data["fields"]:
            rows.append((field_name, data["cells"][cell_key(ward.code, field_code)], False, None))
    total = counts_from(data["total"])
    sent = list(_sent_reports(scope)[:50])
    same_period = [s for s in sent if s.period_start == period.start and s.period_end == period.end]
    comparisons = [(s, live_differences(s)) for s in same_period]
    wards = Ward.objects.filter(id__in=visible_ward_ids(request.user)).select_related("city").order_by("name")
    cities = (
        City.objects.filter(wards__id__in=visible_ward_ids(request.user)).distinct().order_by("name")
        if reads_several_wards(request.user)
        else City.objects.none()
    )
    return render(
        request,
        "reports/index.html",
        {
            "scope": scope,
            "period": period,
            "error": error,
            "picker": picker.picker(),
            "bieu06": bieu06.table(bieu06.OFFICIAL, rows, total),
            "identity_errors": total.identity_errors(),
            "query": _scope_query(scope, period),
            "wards": wards,
            "cities": cities,
            "sent": sent,
            "comparisons": comparisons,
            "can_mark_sent": _can_mark_sent(request.user, scope),
            "meta": default_meta(scope),
            "preparers": _preparers(scope),
            "preparer_id": request.user.pk if not can_lead(request.user, scope.wards[0]) else None,
            "query_items": list(QueryDict(_scope_query(scope, period)).items()),
        },
    )


def _preparers(scope: Scope) -> list[Membership]:
    """Who may be named as the preparer of a ward's report: its officers and leaders."""
    if scope.is_city:
        return []
    return list(
        Membership.objects.filter(ward=scope.wards[0], role__in=[Role.OFFICER, Role.LEADER])
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name")
    )


def _default_preparer(user, scope: Scope) -> str:
    """The downloader prepares the report, unless they are the ward's leader, who signs it: then
    the preparer's line is left for the name to be written by hand."""
    if not scope.is_city and can_lead(user, scope.wards[0]):
        return ""
    return full_name(user)


def download(request: HttpRequest) -> HttpResponse:
    """The report workbook for ?ward=CODE|city=CODE and a period (see ``period_from_query``);
    ``preparer`` (an account id of the ward) names who prepared it."""
    scope = scope_from_query(request)
    try:
        period = period_from_query(request.GET, timezone.localdate())
    except BadParameters as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    user = request.user
    preparer = _default_preparer(user, scope)
    chosen = request.GET.get("preparer", "")
    if chosen:
        found = [m for m in _preparers(scope) if str(m.user_id) == chosen]
        if not found:
            return HttpResponse(
                _("Người lập biểu không thuộc phường của báo cáo."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        preparer = full_name(found[0].user)
    number = request.GET.get("number", "")[:REPORT_NUMBER_MAX]
    meta = default_meta(scope, number=number if number.isprintable() else "", preparer=preparer)
    rows = report_jobs.log_rows(scope, period)
    if rows > settings.EXPORT_INLINE_ROWS:
        # Beyond a screenful the worker builds it; the officer gets the job page at once.
        job = report_jobs.start_export(
            scope, period, by=user, number=meta.number, preparer=preparer, rows=rows
        )
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    # The dossier log shows each applicant by the one personal-data rule; unmasked rows are logged.
    return export_response(ReportExporter(scope, period, meta=meta, reads=privacy.UnmaskedReads(user)))


SENT_PURPOSE = "reports.mark_sent"


@require_POST
def mark_sent_view(request: HttpRequest) -> HttpResponse:
    scope = scope_from_query(request)
    if not _can_mark_sent(request.user, scope):
        raise PermissionDenied
    try:
        period = period_from_query(request.POST, timezone.localdate())
    except BadParameters as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("reports:index"))
    first = idempotency.previous_result(request, SENT_PURPOSE)
    if first:
        return idempotency.to_first_result(request, first)
    back = "{}?{}".format(reverse("reports:index"), _scope_query(scope, period))
    number = request.POST.get("number", "").strip()
    if not number:
        messages.error(request, _("Hãy nhập số báo cáo."))
        return HttpResponseRedirect(back)
    if len(number) > REPORT_NUMBER_MAX or not number.isprintable():
        # The number is printed on the report and kept for good: no control characters, one line.
        messages.error(
            request,
            _("Số báo cáo dài tối đa {} ký tự và không chứa ký tự điều khiển.").format(REPORT_NUMBER_MAX),
        )
        return HttpResponseRedirect(back)
    try:
        check_number(scope, number)  # refused at once, before any work is queued
        with idempotency.once(request, SENT_PURPOSE) as claim:
            # The build runs on the worker; the job page says when the report is stored (and
            # refuses the number there too if another leader took it meanwhile).
            job = report_jobs.start_send(scope, period, by=request.user, number=number)
            claim.done(reverse("jobs:detail", args=[job.pk]))
    except idempotency.AlreadyDone as done:
        return idempotency.to_first_result(request, done.url)
    except (idempotency.TokenRefused, NumberTaken) as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))


def _visible_sent(request: HttpRequest, pk: int) -> SentReport:
    return get_object_or_404(
        SentReport.objects.for_user(request.user).select_related("ward", "city", "sent_by"), pk=pk
    )


def sent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible_sent(request, pk)
    return render(
        request,
        "reports/sent_detail.html",
        {"report": report, "differences": live_differences(report)},
    )


def sent_file(request: HttpRequest, pk: int) -> FileResponse:
    report = _visible_sent(request, pk)
    log_access(user=request.user, obj=report, action="download", ward=report.ward)
    return file_response(
        report.file.open("rb"),
        "bao-cao-{}-{}.xlsx".format(report.scope_code, report.number.replace("/", "-")),
    )


# --- Import ---------------------------------------------------------------------------------------

IMPORT_PURPOSE = "reports.import_confirm"


def _import_ward(request: HttpRequest) -> Ward:
    code = request.POST.get("ward") or request.GET.get("ward")
    ward = get_visible_ward(request.user, code) if code else current_ward(request)
    if ward is None:
        raise Http404("ward")
    if not can_handle_dossiers(request.user, ward):
        raise PermissionDenied
    return ward


def _import_expired(request: HttpRequest, ward: Ward) -> HttpResponse:
    messages.error(request, _("Phiên nhập tệp đã hết hạn. Hãy tải tệp lên lại."))
    return HttpResponseRedirect("{}?ward={}".format(reverse("reports:import"), ward.code))


def import_dossiers(request: HttpRequest) -> HttpResponse:
    """Upload -> preview (every row's problems, nothing written) -> confirm (all or nothing), or
    cancel. The preview and the import run on the worker; the upload waits in the storage between
    the steps only while it can still be confirmed, so any app server takes the next step."""
    ward = _import_ward(request)
    context: dict = {"ward": ward, "max_mb": settings.UPLOAD_MAX_BYTES // 1024 // 1024}
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirm":
        first = idempotency.previous_result(request, IMPORT_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
    if action in ("confirm", "cancel"):
        preview = report_jobs.find_preview(request.POST.get("token", ""), ward=ward, by=request.user)
        if not report_jobs.confirmable(preview):
            return _import_expired(request, ward)
        if action == "cancel":
            report_jobs.cancel_preview(preview)
            messages.info(
                request, _("Đã hủy nhập tệp {}; chưa nhập hồ sơ nào.").format(preview.params.get("name", ""))
            )
            return HttpResponseRedirect("{}?ward={}".format(reverse("reports:import"), ward.code))
        # The worker checks the file again and applies it (all or nothing); the job page says how.
        try:
            with idempotency.once(request, IMPORT_PURPOSE) as claim:
                job = report_jobs.confirm_preview(preview, by=request.user)
                if job is not None:  # None: another request confirmed or cancelled it just now
                    claim.done(reverse("jobs:detail", args=[job.pk]))
        except idempotency.AlreadyDone as done:
            return idempotency.to_first_result(request, done.url)
        except idempotency.TokenRefused as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect("{}?ward={}".format(reverse("reports:import"), ward.code))
        if job is None:
            return _import_expired(request, ward)
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["file_error"] = _("Hãy chọn tệp Excel (.xlsx).")
            status = 400
        else:
            try:
                uploads.check_upload(upload)
            except uploads.UploadRefused as exc:
                context["file_error"] = str(exc)
                status = 400
            else:
                job = report_jobs.start_preview(upload, ward=ward, by=request.user)
                return HttpResponseRedirect(report_jobs.preview_url(job))
    elif "preview" in request.GET:
        preview = report_jobs.find_preview(request.GET["preview"], ward=ward, by=request.user)
        if preview is None:
            return _import_expired(request, ward)
        recover(preview)
        context.update(job=preview, poll_seconds=POLL_SECONDS, file_name=preview.params.get("name", ""))
        summary = report_jobs.preview_summary(preview)
        if summary is not None:
            context["plan"] = summary
            if report_jobs.confirmable(preview):
                context["token"] = preview.params["token"]
        response = render(request, "reports/import.html", context)
        if not preview.finished:
            response["Refresh"] = str(POLL_SECONDS * 3)  # without JavaScript, like the job page
        return response
    return render(request, "reports/import.html", context, status=status)
