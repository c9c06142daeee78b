"""Staffing screens: the ward's posts, vacancies, covers, recruitment and workload.

Everyone with a ward reads (officers their own ward, city viewers and administrators the wards of
their city); only the ward's leaders and administrators change anything (``can_lead``). Objects
of a ward the user may not read are not found (404).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from parindex.base import idempotency
from parindex.base.access import can_lead, current_ward
from parindex.base.audit import changes
from parindex.base.models import Ward
from parindex.staffing import services
from parindex.staffing.forms import (
    AppointForm,
    CoverForm,
    EndForm,
    OfficialForm,
    PositionForm,
    RecruitmentForm,
)
from parindex.staffing.models import Cover, Holding, Official, Position, Recruitment


def _today() -> date:
    return timezone.localdate()


def _ward_or_404(request: HttpRequest) -> Ward:
    ward = current_ward(request)
    if ward is None:
        raise Http404("ward")
    return ward


def _require_lead(request: HttpRequest, ward_id: int) -> None:
    if not can_lead(request.user, ward_id):
        raise PermissionDenied


def _apply(form, call) -> object | None:
    """Run a service call with a valid form; put its refusal on the form. None when refused."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None


# Positions ------------------------------------------------------------------------------------


def _position_or_404(request: HttpRequest, pk: int) -> Position:
    return get_object_or_404(Position.objects.for_user(request.user).select_related("ward"), pk=pk)


def _position_page(request: HttpRequest, position: Position, **forms) -> HttpResponse:
    ward = position.ward
    editable = can_lead(request.user, ward)
    context = {
        "position": position,
        "ward": ward,
        "can_edit": editable,
        "holdings": position.holdings.select_related("official").order_by("-start", "-id"),
        "covers": position.covers.select_related("official").order_by("-start", "-id"),
        "recruitments": position.recruitments.order_by("-opened_on", "-id"),
        "audit_entries": changes(position),
        "today": _today(),
        "end_errors": forms.get("end_errors") or [],
    }
    if editable:
        context.update(
            position_form=forms.get("position_form")
            or PositionForm(
                initial={
                    "title": position.title,
                    "office": position.office,
                    "quota": position.quota,
                    "valid_from": position.valid_from,
                    "valid_to": position.valid_to,
                    "sort_order": position.sort_order,
                }
            ),
            appoint_form=forms.get("appoint_form") or AppointForm(ward=ward, prefix="appoint"),
            cover_form=forms.get("cover_form") or CoverForm(ward=ward, prefix="cover"),
            recruitment_form=forms.get("recruitment_form") or RecruitmentForm(prefix="recruitment"),
            end_form=EndForm(prefix="end"),
        )
    return render(request, "staffing/position_detail.html", context)


@require_GET
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _position_page(request, _position_or_404(request, pk))


def _position_fields(d: dict) -> dict:
    """The position form's cleaned data as the services' keyword arguments."""
    return {
        "title": d["title"],
        "office": d["office"],
        "quota": d["quota"],
        "valid_from": d["valid_from"],
        "valid_to": d["valid_to"],
        "sort_order": d["sort_order"] or 0,
    }


def position_create(request: HttpRequest) -> HttpResponse:
    ward = _ward_or_404(request)
    _require_lead(request, ward.id)
    form = PositionForm(request.POST or None)
    if request.method == "POST":
        position = _apply(
            form,
            lambda d: services.create_position(ward=ward, **_position_fields(d)),
        )
        if position is not None:
            return HttpResponseRedirect(reverse("staffing:position", args=[position.pk]))
    return render(request, "staffing/position_form.html", {"form": form, "ward": ward})


@require_POST
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position_or_404(request, pk)
    _require_lead(request, position.ward_id)
    form = PositionForm(request.POST)
    done = _apply(
        form,
        lambda d: services.update_position(position=position, as_of=_today(), **_position_fields(d)),
    )
    if done is None:
        position.refresh_from_db()
        return _position_page(request, position, position_form=form)
    return HttpResponseRedirect(reverse("staffing:position", args=[position.pk]))


def _official_on_post(request: HttpRequest, pk: int, *, form_class, prefix: str, service) -> HttpResponse:
    """Appoint a holder or start a cover: the same form shape, a different service function."""
    position = _position_or_404(request, pk)
    _require_lead(request, position.ward_id)
    form = form_class(request.POST, ward=position.ward, prefix=prefix)
    done = _apply(
        form,
        lambda d: service(
            official=d["official"], position=position, start=d["start"], end=d["end"], note=d["note"]
        ),
    )
    if done is None:
        return _position_page(request, position, **{"{}_form".format(prefix): form})
    return HttpResponseRedirect(reverse("staffing:position", args=[position.pk]))


@require_POST
def appoint(request: HttpRequest, pk: int) -> HttpResponse:
    return _official_on_post(request, pk, form_class=AppointForm, prefix="appoint", service=services.appoint)


@require_POST
def cover_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _official_on_post(request, pk, form_class=CoverForm, prefix="cover", service=services.start_cover)


@require_POST
def recruitment_save(request: HttpRequest, pk: int, recruitment_pk: int | None = None) -> HttpResponse:
    position = _position_or_404(request, pk)
    _require_lead(request, position.ward_id)
    recruitment = None
    if recruitment_pk is not None:
        recruitment = get_object_or_404(Recruitment, pk=recruitment_pk, position=position)
    form = RecruitmentForm(request.POST, prefix="recruitment")
    done = _apply(
        form,
        lambda d: services.update_recruitment(
            position=position,
            recruitment=recruitment,
            status=d["status"],
            posts=d["posts"],
            organiser=d["organiser"],
            opened_on=d["opened_on"],
            expected_date=d["expected_date"],
            note=d["note"],
        ),
    )
    if done is None:
        return _position_page(request, position, recruitment_form=form)
    return HttpResponseRedirect(reverse("staffing:position", args=[position.pk]))


def _span_or_404(request: HttpRequest, model: type[Holding] | type[Cover], pk: int) -> Holding | Cover:
    """A holding or a cover of a post the user may see, or 404."""
    return get_object_or_404(
        model.objects.filter(position__in=Position.objects.for_user(request.user)).select_related(
            "position", "official"
        ),
        pk=pk,
    )


def _end(request: HttpRequest, obj: Holding | Cover, end_call) -> HttpResponse:
    position = obj.position
    _require_lead(request, position.ward_id)
    form = EndForm(request.POST, prefix="end")
    done = _apply(form, lambda d: end_call(d["end"]))
    if done is None:
        # The refused date belongs to one row of a table: show it above the post's page.
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return _position_page(request, position, end_errors=errors)
    return HttpResponseRedirect(reverse("staffing:position", args=[position.pk]))


@require_POST
def holding_end(request: HttpRequest, pk: int) -> HttpResponse:
    holding = _span_or_404(request, Holding, pk)
    return _end(request, holding, lambda end: services.end_holding(holding=holding, end=end))


@require_POST
def cover_end(request: HttpRequest, pk: int) -> HttpResponse:
    cover = _span_or_404(request, Cover, pk)
    return _end(request, cover, lambda end: services.end_cover(cover=cover, end=end))


# Officials --------------------------------------------------------------------------------------


def _official_or_404(request: HttpRequest, pk: int) -> Official:
    return get_object_or_404(Official.objects.for_user(request.user).select_related("ward", "user"), pk=pk)


def _official_form(official: Official, data=None) -> OfficialForm:
    return OfficialForm(
        data,
        ward=official.ward,
        initial={
            "full_name": official.full_name,
            "start": official.start,
            "end": official.end,
            "user": official.user_id,
            "note": official.note,
        },
    )


def _official_page(
    request: HttpRequest, official: Official, form: OfficialForm | None = None
) -> HttpResponse:
    editable = can_lead(request.user, official.ward)
    context = {
        "official": official,
        "ward": official.ward,
        "can_edit": editable,
        "holdings": official.holdings.select_related("position").order_by("-start", "-id"),
        "covers": official.covers.select_related("position").order_by("-start", "-id"),
        "audit_entries": changes(official),
    }
    if editable:
        context["form"] = form or _official_form(official)
        context["end_form"] = EndForm(prefix="end")
    return render(request, "staffing/official_detail.html", context)


@require_GET
def official_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _official_page(request, _official_or_404(request, pk))


OFFICIAL_PURPOSE = "staffing.official_create"


def official_create(request: HttpRequest) -> HttpResponse:
    ward = _ward_or_404(request)
    _require_lead(request, ward.id)
    form = OfficialForm(request.POST or None, ward=ward)
    if request.method == "POST":
        first = idempotency.previous_result(request, OFFICIAL_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
        try:
            with idempotency.once(request, OFFICIAL_PURPOSE) as claim:
                official = _apply(
                    form,
                    lambda d: services.create_official(
                        ward=ward,
                        full_name=d["full_name"],
                        start=d["start"],
                        end=d["end"],
                        user=d["user"],
                        note=d["note"],
                    ),
                )
                if official is not None:
                    claim.done(reverse("staffing:official", args=[official.pk]))
        except idempotency.AlreadyDone as done:
            return idempotency.to_first_result(request, done.url)
        except idempotency.TokenRefused as exc:
            form.add_error(None, exc.message)
        else:
            if official is not None:
                return HttpResponseRedirect(claim.url)
    return render(request, "staffing/official_form.html", {"form": form, "ward": ward})


@require_POST
def official_edit(request: HttpRequest, pk: int) -> HttpResponse:
    official = _official_or_404(request, pk)
    _require_lead(request, official.ward_id)
    form = _official_form(official, request.POST)
    done = _apply(
        form,
        lambda d: services.update_official(
            official=official,
            full_name=d["full_name"],
            start=d["start"],
            end=d["end"],
            user=d["user"],
            note=d["note"],
        ),
    )
    if done is None:
        official.refresh_from_db()
        return _official_page(request, official, form)
    return HttpResponseRedirect(reverse("staffing:official", args=[official.pk]))


# History of the rows shown inside a post's page ------------------------------------------------

HISTORY_MODELS = {"holding": Holding, "cover": Cover, "recruitment": Recruitment}


@require_GET
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = HISTORY_MODELS.get(kind)
    if model is None:
        raise Http404("kind")
    obj = get_object_or_404(
        model.objects.filter(position__in=Position.objects.for_user(request.user)).select_related("position"),
        pk=pk,
    )
    return render(
        request,
        "staffing/history.html",
        {"obj": obj, "position": obj.position, "audit_entries": changes(obj)},
    )
