"""Public pages for applicants (no login): the status lookup at /tra-cuu/ and the rating it offers.

Both are throttled per client address (``parindex.throttle``). A wrong code, wrong digits and a
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
from parindex import throttle

NOT_FOUND = "Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập. Vui lòng kiểm tra lại giấy hẹn."


@login_not_required
def lookup_form(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if throttle.over_limit("lookup", request, limit=settings.PUBLIC_LOOKUPS_PER_HOUR):
            error = _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau.")
            status = 429
        elif form.is_valid():
            dossier = lookup.find(form.cleaned_data["code"], form.cleaned_data["digits"])
            if dossier is not None:
                return redirect("lookup:status", token=lookup.public_token(dossier))
            error = _(NOT_FOUND)
        else:
            error = _(NOT_FOUND)
        # Malformed input is answered like a wrong guess: no hint which part was wrong.
        form = LookupForm(initial={"code": request.POST.get("code", "")[:40]})
    return render(request, "dossiers/lookup.html", {"form": form, "error": error}, status=status)


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
