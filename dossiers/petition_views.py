"""Officer screens of the PAKN register: worklists, logging a petition, its page and its moves.

Every petition is looked up inside ``visible_ward_ids`` (``Petition.objects.for_user``), so one of
another ward is a 404. Changes need ``can_handle_petitions`` and go through ``petitions``.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dossiers import calendar, pagination, petitions, privacy
from dossiers.forms import RevealForm
from dossiers.models import Petition, PetitionStatus
from dossiers.petition_forms import (
    AssignForm,
    LinkForm,
    PetitionFilterForm,
    PetitionForm,
    ReplyForm,
    SatisfactionForm,
)
from parindex.base import idempotency
from parindex.base.access import can_handle_petitions, current_ward, petitioner_readable_q
from parindex.base.audit import changes

PAGE_SIZE = 50
CREATE_PURPOSE = "petitions.create"

WORKLISTS = {
    "open": gettext_lazy("Chưa trả lời"),
    "due": gettext_lazy("Đến hạn (hôm nay, ngày làm việc tiếp theo)"),
    "overdue": gettext_lazy("Quá hạn"),
    "mine": gettext_lazy("Tôi đang xử lý"),
    "replied": gettext_lazy("Đã trả lời"),
    "all": gettext_lazy("Tất cả"),
}


def today() -> date:
    return timezone.localdate()


def _ward(request: HttpRequest):
    ward = current_ward(request)
    if ward is None:
        raise Http404("no ward")
    return ward


def _worklist_filters(request: HttpRequest, on: date) -> dict[str, Q]:
    open_ = ~Q(status=PetitionStatus.REPLIED)
    return {
        "open": open_,
        "due": open_ & Q(due_on__gte=on, due_on__lte=calendar.next_working_day(on)),
        "overdue": open_ & Q(due_on__lt=on),
        "mine": open_ & Q(handled_by=request.user),
        "replied": Q(status=PetitionStatus.REPLIED),
        "all": Q(),
    }


# Due day first, then reception, then id (unique): the keyset of the petitions' pages.
ORDER = pagination.Keyset((("due_on", "date"), ("received_at", "datetime"), ("id", "int")))


def _page(qs, params, *, count) -> pagination.KeysetPage:
    """The keyset page ``params`` asks for (``after`` / ``before``, dossiers/pagination.py). The old
    ``?page=N`` links still open page N (read with an OFFSET, as before); a malformed one shows
    the first page with the note."""
    raw = params.get("page")
    if raw and not params.get("after") and not params.get("before"):
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0
        if number > 1:
            ordered = qs.order_by(*ORDER.order)
            rows = list(ordered[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
            if rows:
                more = len(rows) > PAGE_SIZE
                rows = rows[:PAGE_SIZE]
                total, capped = pagination.bounded_count(qs) if count is None else count
                return pagination.KeysetPage(
                    rows,
                    total,
                    capped,
                    next_cursor=ORDER.encode(rows[-1]) if more else None,
                    previous_cursor=ORDER.encode(rows[0]),
                    is_first=False,
                )
        page = pagination.paginate(qs, {}, size=PAGE_SIZE, keyset=ORDER, count=count)
        page.bad_cursor = number != 1  # not a number, or past the last page
        return page
    return pagination.paginate(qs, params, size=PAGE_SIZE, keyset=ORDER, count=count)


def petition_list(request: HttpRequest) -> HttpResponse:
    """The ward's petitions by worklist, with the count of each list."""
    ward = _ward(request)
    on = today()
    filters = _worklist_filters(request, on)
    worklist = request.GET.get("list") if request.GET.get("list") in WORKLISTS else "open"
    form = PetitionFilterForm(request.GET or None)
    petitions_qs = Petition.objects.filter(ward=ward).filter(filters[worklist])
    if form.is_valid():
        if form.cleaned_data["status"]:
            petitions_qs = petitions_qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            text = form.cleaned_data["q"].strip()
            by_name = Q(petitioner_name__icontains=text) & petitioner_readable_q(request.user, ward.id)
            petitions_qs = petitions_qs.filter(Q(code__icontains=text) | by_name)
    counts = Petition.objects.filter(ward=ward).aggregate(
        **{key: Count("id", filter=condition) for key, condition in filters.items()}
    )
    filtered = form.is_valid() and (form.cleaned_data["status"] or form.cleaned_data["q"])
    page = _page(
        petitions_qs.select_related("type", "handled_by"),
        request.GET,
        count=None if filtered else (counts[worklist], False),
    )
    reads = privacy.UnmaskedPetitionReads(request.user)
    for petition in page.object_list:
        petition.overdue = petition.is_overdue(on)
        petition.personal = privacy.petitioner_data(petition, full=reads(petition))
    reads.log(action="list")
    kept = request.GET.copy()
    for name in ("page", "after", "before"):
        kept.pop(name, None)
    kept["list"] = worklist
    query = kept.urlencode()
    return render(
        request,
        "dossiers/petition_list.html",
        {
            "ward": ward, "page": page, "worklist": worklist, "form": form, "on": on, "query": query,
            "worklists": [(key, label, counts[key]) for key, label in WORKLISTS.items()],
            "can_handle": can_handle_petitions(request.user, ward),
        },
    )  # fmt: skip


def petition_create(request: HttpRequest) -> HttpResponse:
    ward = _ward(request)
    if not can_handle_petitions(request.user, ward):
        raise PermissionDenied
    officials = petitions.officials_of(ward)
    form = PetitionForm(
        request.POST or None,
        ward_id=ward.id,
        officials=officials,
        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST":
        first = idempotency.previous_result(request, CREATE_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
    if request.method == "POST" and form.is_valid():
        try:
            # One petition however often the form is sent (a double click, Enter pressed twice).
            with idempotency.once(request, CREATE_PURPOSE) as claim:
                petition = petitions.receive(ward=ward, by=request.user, **form.cleaned_data)
                claim.done(reverse("petitions:detail", args=[petition.pk]))
        except idempotency.AlreadyDone as done:
            return idempotency.to_first_result(request, done.url)
        except idempotency.TokenRefused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(
                request,
                _("Đã tiếp nhận phản ánh {code}, hạn xử lý {due}.").format(
                    code=petition.code, due=petition.due_on.strftime("%d/%m/%Y")
                ),
            )
            return redirect("petitions:detail", pk=petition.pk)
    return render(request, "dossiers/petition_form.html", {"form": form, "ward": ward})


def _visible(request: HttpRequest, pk: int) -> Petition:
    queryset = Petition.objects.for_user(request.user).select_related(
        "ward", "type", "handled_by", "official", "dossier", "created_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _forms(petition: Petition, data=None, *, name: str | None = None) -> dict:
    """The move forms of the petition page; ``data`` binds the one named ``name``."""
    officials = petitions.officials_of(petition.ward_id)
    bound = {key: (data if key == name else None) for key in ("assign", "reply", "rate", "link")}
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "assign": AssignForm(bound["assign"], officials=officials, initial={"handler": petition.handled_by_id}),
        "reply": ReplyForm(bound["reply"], initial={"at": now, "final": True}),
        "rate": SatisfactionForm(bound["rate"], initial={"satisfaction": petition.satisfaction or None}),
        "link": LinkForm(bound["link"], ward_id=petition.ward_id, officials=officials,
                         initial={"dossier": petition.dossier.code if petition.dossier else "",
                                  "official": petition.official_id}),
    }  # fmt: skip


def _render(
    request: HttpRequest,
    petition: Petition,
    forms: dict,
    status: int = 200,
    *,
    full: bool | None = None,
    reveal_form: RevealForm | None = None,
) -> HttpResponse:
    """The petition page. ``full=None`` applies the personal-data rule (and logs an unmasked
    read); ``petition_reveal`` passes ``full`` itself, having logged the "show"."""
    if full is None:
        full = privacy.may_see_petitioner(request.user, petition)
        if full:
            privacy.log_petition_read(request.user, petition, action="view")
    return render(
        request,
        "dossiers/petition_detail.html",
        {
            "petition": petition, "forms": forms, "overdue": petition.is_overdue(today()),
            "can_handle": can_handle_petitions(request.user, petition.ward_id),
            "events": petition.events.select_related("by"), "replies": petition.replies.select_related("by"),
            "personal": privacy.petitioner_data(petition, full=full),
            "rated_by_petitioner": petition.satisfaction != "" and petitions.rated_by_petitioner(petition),
            "reveal_form": reveal_form or RevealForm(),
            "reveal_url": reverse("petitions:reveal", args=[petition.pk]),
            "audit_entries": changes(petition, masks=None if full else privacy.PETITION_MASKS),
        },
        status=status,
    )  # fmt: skip


def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = _visible(request, pk)
    return _render(request, petition, _forms(petition))


@require_POST
def petition_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The "show" button: the petitioner's data in full, once, for a reader who otherwise sees it
    masked; the read and its reason are logged (Nghị định 13/2023)."""
    petition = _visible(request, pk)
    form = RevealForm(request.POST)
    full = form.is_valid()
    if full:
        privacy.log_petition_read(request.user, petition, action="show", note=form.cleaned_data["reason"])
    return _render(request, petition, _forms(petition), 200 if full else 400, full=full, reveal_form=form)


MOVES = ("assign", "reply", "rate", "link")


@require_POST
def petition_move(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    petition = _visible(request, pk)
    if name not in MOVES:
        raise Http404("move")
    if not can_handle_petitions(request.user, petition.ward_id):
        raise PermissionDenied
    forms = _forms(petition, request.POST, name=name)
    form = forms[name]
    if form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        try:
            if name == "assign":
                petitions.assign(petition, handler=data["handler"], by=request.user, at=now)
            elif name == "reply":
                petitions.reply(petition, text=data["text"], outcome=data["outcome"], final=data["final"],
                                by=request.user, at=data["at"])  # fmt: skip
            elif name == "rate":
                petitions.record_satisfaction(
                    petition, satisfaction=data["satisfaction"], by=request.user, at=now
                )
            else:
                petitions.link(
                    petition, dossier=data["dossier"], official=data["official"], by=request.user, at=now
                )
        except ValidationError as exc:
            for field, errs in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Đã cập nhật phản ánh {code}.").format(code=petition.code))
            return redirect("petitions:detail", pk=petition.pk)
    petition.refresh_from_db()
    return _render(
        request, petition, forms, status=400, full=privacy.may_see_petitioner(request.user, petition)
    )
