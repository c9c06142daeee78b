"""The citizen's side of the PAKN register (no login, at /phan-anh/): send a petition or
recommendation to a ward, follow it by its tracking code, and rate the reply.

Like the dossier lookup (``dossiers.public_views``): every POST is counted per client address
(``parindex.base.throttle``, proxy-aware), a wrong code, wrong digits and malformed input get one and
the same answer, and the pages never carry the petitioner's data beyond a masked name.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossiers import petitions, privacy
from dossiers.models import PetitionSource, PetitionStatus
from dossiers.petition_forms import PetitionLookupForm, PublicPetitionForm, PublicSatisfactionForm
from dossiers.public_views import code_lookup
from parindex.base import idempotency, throttle
from parindex.base.access import ward_code_from
from parindex.base.models import Ward

SEND_PURPOSE = "pakn.send"
FORMS_PER_PETITION = 10
NOT_FOUND = gettext_noop(
    "Không tìm thấy phản ánh với mã tra cứu và 4 số cuối đã nhập. Vui lòng kiểm tra lại."
)


def _error_messages(form, exc: ValidationError) -> None:
    for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errs)


@login_not_required
def send(request: HttpRequest) -> HttpResponse:
    """The public form; ``?ward=CODE`` (the ward's website links here) preselects the ward."""
    initial = {}
    code = ward_code_from(request.GET.get("ward"))
    if code:
        initial["ward"] = Ward.objects.filter(code=code).values_list("id", flat=True).first()
    form = PublicPetitionForm(request.POST or None, initial=initial)
    status = 200
    if request.method != "POST" and throttle.over_limit(
        "petition-form", request, limit=settings.PUBLIC_PETITIONS_PER_HOUR * FORMS_PER_PETITION
    ):
        # Each form shown stores a one-time token: a client reloading it without end would fill
        # the table, so the form itself is limited too (generously: mistakes, a second tab).
        return render(request, "dossiers/pakn_send.html", {"form": None, "blocked": True}, status=429)
    if request.method == "POST":
        first = idempotency.previous_result(request, SEND_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
        if throttle.over_limit("petition-send", request, limit=settings.PUBLIC_PETITIONS_PER_HOUR):
            form.add_error(None, _("Bạn đã gửi quá nhiều phản ánh. Vui lòng thử lại sau."))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            try:
                with idempotency.once(request, SEND_PURPOSE) as claim:
                    petition = petitions.receive(
                        source=PetitionSource.PUBLIC_PAGE, received_at=timezone.now(), by=None, **data
                    )
                    claim.done(reverse("pakn:status", args=[petitions.public_token(petition)]))
            except idempotency.AlreadyDone as done:
                return idempotency.to_first_result(request, done.url)
            except idempotency.TokenRefused as exc:
                form.add_error(None, exc.message)
                status = 400
            except ValidationError as exc:
                _error_messages(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Đã gửi phản ánh. Mã tra cứu của ông/bà là {code}; hạn trả lời {due}. Hãy ghi lại "
                        "mã này để tra cứu kết quả."
                    ).format(code=petition.code, due=petition.due_on.strftime("%d/%m/%Y")),
                )
                return redirect(claim.url)
        else:
            status = 400
    return render(request, "dossiers/pakn_send.html", {"form": form}, status=status)


@login_not_required
def lookup(request: HttpRequest) -> HttpResponse:
    return code_lookup(
        request,
        form_class=PetitionLookupForm,
        scope="petition-lookup",
        find=petitions.find_for_petitioner,
        status_url="pakn:status",
        token_of=petitions.public_token,
        not_found=NOT_FOUND,
        template="dossiers/pakn_lookup.html",
    )


@login_not_required
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The petition's status, the replies, and the rating once the final reply exists."""
    petition = petitions.petition_for_token(token)
    if petition is None:
        raise Http404("token")
    can_rate = petition.status == PetitionStatus.REPLIED and not petition.satisfaction
    form = PublicSatisfactionForm(request.POST or None) if can_rate else None
    code = 200
    if request.method == "POST":
        if not can_rate:
            code = 400
        elif throttle.over_limit("petition-rating", request, limit=settings.PUBLIC_RATINGS_PER_HOUR):
            form.add_error(None, _("Bạn đã gửi quá nhiều đánh giá. Vui lòng thử lại sau."))
            code = 429
        elif form.is_valid():
            try:
                petitions.rate_by_petitioner(
                    petition, satisfaction=form.cleaned_data["satisfaction"], at=timezone.now()
                )
            except ValidationError as exc:
                _error_messages(form, exc)
                code = 400
            else:
                messages.success(request, _("Cảm ơn ông/bà đã đánh giá kết quả trả lời."))
                return redirect(request.path)
        else:
            code = 400
    context = {
        "petition": petition,
        "masked_name": privacy.mask_name(petition.petitioner_name),
        "replies": petition.replies.order_by("at", "id"),
        "form": form,
        "overdue": petition.is_overdue(timezone.localdate()),
    }
    return render(request, "dossiers/pakn_status.html", context, status=code)
