"""Public pages for applicants (no login): the status lookup at /tra-cuu/ and the rating it offers.

Both are throttled per client address (``parindex.base.throttle``). A wrong code, wrong digits and a
dossier that does not exist all get the same answer, so the form cannot be used to probe codes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import lookup, workflow
from dossiers.forms import LookupForm, PublicRatingForm
from dossiers.models import Rating
from parindex.base import throttle

NOT_FOUND = "Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập. Vui lòng kiểm tra lại giấy hẹn."


def code_lookup(
    request: HttpRequest,
    *,
    form_class,
    scope: str,
    find,
    status_url: str,
    token_of,
    not_found: str,
    template: str,
) -> HttpResponse:
    """A throttled lookup by code and the last four digits (a dossier's or a petition's): the
    match goes to its status page (``status_url`` with ``token_of(match)``); no match and
    malformed input get the one answer ``not_found``, and the form keeps only the code typed."""
    form = form_class(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if throttle.over_limit(scope, request, limit=settings.PUBLIC_LOOKUPS_PER_HOUR):
            error = _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau.")
            status = 429
        else:
            found = None
            if form.is_valid():
                found = find(form.cleaned_data["code"], form.cleaned_data["digits"])
            if found is not None:
                return redirect(status_url, token=token_of(found))
            error = _(not_found)
        # Malformed input is answered like a wrong guess: no hint which part was wrong.
        form = form_class(initial={"code": request.POST.get("code", "")[:40]})
    return render(request, template, {"form": form, "error": error}, status=status)


@login_not_required
def lookup_form(request: HttpRequest) -> HttpResponse:
    return code_lookup(
        request,
        form_class=LookupForm,
        scope="lookup",
        find=lookup.find,
        status_url="lookup:status",
        token_of=lookup.public_token,
        not_found=NOT_FOUND,
        template="dossiers/lookup.html",
    )


@login_not_required
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    dossier = lookup.dossier_for_token(token)
    if dossier is None:
        raise Http404("token")
    rated = lookup.has_rating(dossier)
    can_rate = dossier.status in lookup.RESULT_STATUSES and not rated
    form = PublicRatingForm(request.POST or None) if can_rate else None
    status = 200
    if request.method == "POST" and can_rate:
        if throttle.over_limit("rating", request, limit=settings.PUBLIC_RATINGS_PER_HOUR):
            form.add_error(None, _("Bạn đã gửi quá nhiều đánh giá. Vui lòng thử lại sau."))
            status = 429
        elif form.is_valid():
            try:
                workflow.rate(
                    dossier,
                    value=form.cleaned_data["value"],
                    source=Rating.Source.PUBLIC,
                    at=timezone.now(),
                    comment=form.cleaned_data["comment"],
                )
            except workflow.WorkflowError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                return redirect(request.path)
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    context = {"info": lookup.public_status(dossier), "form": form, "rated": rated}
    return render(request, "dossiers/lookup_status.html", context, status=status)


@login_not_required
def old_rating_link(request: HttpRequest, token: str) -> HttpResponse:
    """Receipts printed before the lookup carry /dossiers/rate/<token>/: same token, same dossier."""
    return redirect("lookup:status", token=token, permanent=True)
