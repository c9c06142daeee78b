"""The ward's inbox of online submissions: list, one submission, accept, refuse, typed in by hand.

Only the ward's officers and leaders open it (``can_handle_dossiers``); a submission of another
ward is "not found". Accepting goes through a one-time form token: a double click receives one
dossier, and the second click is sent to it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers import privacy, workflow, worklists
from dossiers.forms import OnlineSubmissionForm, RefuseSubmissionForm
from dossiers.models import OnlineSubmission, Procedure
from dossiers.views import _handle_ward_or_403
from parindex.base import idempotency
from parindex.base.access import can_handle_dossiers, visible_ward_ids

ACCEPT_PURPOSE = "dossiers.online_accept"
NEW_PURPOSE = "dossiers.online_new"
# The inbox is a day's work or two; beyond that the officer narrows it with "waiting too long".
INBOX_ROWS = 200


def inbox(request: HttpRequest) -> HttpResponse:
    ward = _handle_ward_or_403(request)
    now = timezone.now()
    too_long = request.GET.get("late") == "1"
    rows = list(
        worklists.inbox([ward.id], too_long_at=now if too_long else None).select_related("procedure")[
            :INBOX_ROWS
        ]
    )
    for row in rows:
        row.too_long = row.accept_by < now
    return render(
        request,
        "dossiers/inbox.html",
        {"ward": ward, "rows": rows, "sizes": worklists.inbox_counts([ward.id], now), "too_long": too_long},
    )


def _get_submission(request: HttpRequest, pk: int) -> OnlineSubmission:
    submission = get_object_or_404(
        OnlineSubmission.objects.filter(ward_id__in=visible_ward_ids(request.user)).select_related(
            "ward", "procedure", "field", "decided_by", "dossier"
        ),
        pk=pk,
    )
    if not can_handle_dossiers(request.user, submission.ward_id):
        raise Http404("submission")
    return submission


def _detail(request, submission: OnlineSubmission, *, refuse_form=None, status: int = 200) -> HttpResponse:
    full = privacy.may_see(request.user, submission)
    if full:
        privacy.log_read(request.user, submission, action="view")
    return render(
        request,
        "dossiers/submission_detail.html",
        {
            "submission": submission,
            "personal": privacy.personal_data(submission, full=full),
            "too_long": submission.is_waiting and submission.accept_by < timezone.now(),
            "refuse_form": refuse_form or RefuseSubmissionForm(),
            "history": submission.history.select_related("history_user").order_by("history_date"),
        },
        status=status,
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_submission(request, pk))


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission(request, pk)
    first = idempotency.previous_result(request, ACCEPT_PURPOSE)
    if first:
        return idempotency.to_first_result(request, first)
    try:
        with idempotency.once(request, ACCEPT_PURPOSE) as claim:
            dossier = workflow.accept_submission(submission, by=request.user, at=timezone.now())
            claim.done(reverse("dossiers:detail", args=[dossier.pk]))
    except idempotency.AlreadyDone as done:
        return idempotency.to_first_result(request, done.url)
    except (workflow.WorkflowError, idempotency.TokenRefused) as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:submission", pk=submission.pk)
    messages.success(
        request,
        _("Đã tiếp nhận hồ sơ {code}, hẹn trả {due}.").format(
            code=dossier.code, due=workflow.receipt_moment(dossier.due_at)
        ),
    )
    return redirect("dossiers:detail", pk=dossier.pk)


@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission(request, pk)
    form = RefuseSubmissionForm(request.POST)
    if not form.is_valid():
        return _detail(request, submission, refuse_form=form, status=400)
    try:
        workflow.refuse_submission(
            submission, by=request.user, at=timezone.now(), reason=form.cleaned_data["reason"]
        )
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:submission", pk=submission.pk)
    messages.success(request, _("Đã từ chối hồ sơ trực tuyến; hồ sơ không được tính vào số liệu."))
    return redirect("dossiers:inbox")


def create(request: HttpRequest) -> HttpResponse:
    """An online submission typed in by hand: it goes to the inbox like one from the portal."""
    ward = _handle_ward_or_403(request)
    now = timezone.now()
    if request.method == "POST":
        first = idempotency.previous_result(request, NEW_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
        form = OnlineSubmissionForm(request.POST, now=now)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with idempotency.once(request, NEW_PURPOSE) as claim:
                    submission, _created = workflow.submit_online(
                        ward=ward,
                        procedure=form.procedure_obj,
                        submitted_at=data["submitted_at"],
                        applicant_name=data["applicant_name"],
                        by=request.user,
                        source=OnlineSubmission.Source.MANUAL,
                        official_code=data["official_code"],
                        applicant_id_number=data["applicant_id_number"],
                        applicant_phone=data["applicant_phone"],
                        applicant_email=data["applicant_email"],
                        applicant_address=data["applicant_address"],
                        documents=data["documents"],
                        fee=data["fee"],
                        paid_online=data["paid_online"],
                    )
                    claim.done(reverse("dossiers:submission", args=[submission.pk]))
            except idempotency.AlreadyDone as done:
                return idempotency.to_first_result(request, done.url)
            except (workflow.WorkflowError, idempotency.TokenRefused) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã ghi nhận hồ sơ trực tuyến vào danh sách chờ tiếp nhận."))
                return redirect("dossiers:submission", pk=submission.pk)
    else:
        form = OnlineSubmissionForm(
            initial={"submitted_at": timezone.localtime(now).replace(second=0, microsecond=0)}, now=now
        )
    procedures = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    return render(
        request, "dossiers/submission_form.html", {"form": form, "ward": ward, "procedures": procedures}
    )
