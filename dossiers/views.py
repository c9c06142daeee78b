"""Screens of the one-stop register. Views check access and call ``workflow``; they compute nothing.

Every dossier queryset goes through ``Dossier.objects.for_user(request.user)``: a dossier of a
ward the user cannot read is simply not found (404). Moves need ``can_handle_dossiers``.
"""

from __future__ import annotations

import tempfile
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from dossiers import calendar, classification, moves, privacy, workflow
from dossiers.filters import WORKLISTS, filter_register
from dossiers.forms import (
    MOVE_FORMS,
    CatalogueImportForm,
    DossierForm,
    EditForm,
    PublicRatingForm,
    RevealForm,
)
from dossiers.models import Dossier, DossierEvent, Procedure, Rating, Status
from parindex import idempotency
from parindex.access import can_handle_dossiers, can_lead, current_ward, is_admin, visible_ward_ids
from parindex.audit import changes


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PAGE_SIZE = 50


def _fragment(request: HtmxHttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def _bucket_queryset(request: HttpRequest, form_field):
    """The dossiers behind one number of a report (drill-down from the indicator engine)."""
    from parindex import indicators
    from parindex.periods import custom

    bucket_fn = getattr(indicators, "bucket_queryset", None)
    if bucket_fn is None:
        return None, _("Chưa thể xem chi tiết số liệu: bộ tính chỉ số chưa sẵn sàng.")
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
        period = custom(start, end)
    except ValueError:
        return None, _("Kỳ báo cáo không hợp lệ.")
    ward_ids = visible_ward_ids(request.user)
    ward_code = request.GET.get("ward")
    if ward_code:
        ward_ids = [w for w in ward_ids if w in set(_ward_ids_for_code(ward_code))]
    field_id = request.GET.get("field") or None
    try:
        qs = bucket_fn(ward_ids, period, request.GET["bucket"], field_id=int(field_id) if field_id else None)
    except (ValueError, KeyError, AttributeError):
        return None, _("Nhóm số liệu không hợp lệ.")
    return qs.filter(ward_id__in=visible_ward_ids(request.user)), None


def _ward_ids_for_code(code: str) -> list[int]:
    from parindex.models import Ward

    return list(Ward.objects.filter(code=code).values_list("id", flat=True))


def index(request: HtmxHttpRequest) -> HttpResponse:
    """The register: search, filters, worklists, drill-down, pagination, Excel export."""
    today = timezone.localdate()
    qs = Dossier.objects.for_user(request.user)
    ward = current_ward(request)
    bucket_error = None
    drill = "bucket" in request.GET
    if drill:
        bucket_qs, bucket_error = _bucket_queryset(request, None)
        qs = bucket_qs if bucket_qs is not None else qs.none()
    elif ward is not None:
        qs = qs.filter(ward=ward)
    worklist = request.GET.get("list", "")
    qs, form = filter_register(qs, request.GET, user=request.user, today=today, keep_field=drill)
    qs = qs.select_related("procedure", "field", "ward").order_by("-received_at", "-id")
    if request.GET.get("export") == "xlsx":
        return _export_xlsx(qs, request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Search results, worklists and drill-downs are this same list: one place applies the rule.
    reads = privacy.UnmaskedReads(request.user)
    rows = list(page.object_list)
    for d in rows:
        d.personal = privacy.personal_data(d, full=reads(d))
    reads.log(action="list")
    page.object_list = rows
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "worklists": WORKLISTS,
        "worklist": worklist,
        "today": today,
        "query": query.urlencode(),
        "bucket_error": bucket_error,
        "drill": drill,
        "can_create": ward is not None and can_handle_dossiers(request.user, ward),
    }
    template = "dossiers/dossier_rows.html" if _fragment(request) else "dossiers/dossier_list.html"
    return render(request, template, context)


def calendar_start(day: date):
    from parindex.periods import start_of_day

    return start_of_day(day)


def _export_xlsx(qs, user) -> FileResponse:
    from parindex.reports import xlsx

    wb = xlsx.new_workbook()
    sheet = xlsx.SheetWriter(
        wb, _("Hồ sơ"), widths=[20, 12, 40, 24, 16, 14, 14, 17, 13, 17, 16, 12], freeze="A2"
    )
    sheet.append(
        [
            _("Mã hồ sơ"),
            _("Mã TTHC"),
            _("Thủ tục"),
            _("Người nộp"),
            _("CCCD / MST"),
            _("Điện thoại"),
            _("Hình thức nộp"),
            _("Tiếp nhận"),
            _("Hẹn trả"),
            _("Có kết quả"),
            _("Trạng thái"),
            _("Đánh giá hạn"),
        ],
        row_style=xlsx.HEADER,
    )
    reads = privacy.UnmaskedReads(user)
    # iterator(): rows stream from the cursor, memory stays flat on a year's register.
    for d in qs.iterator(chunk_size=2000):
        personal = privacy.personal_data(d, full=reads(d))
        kind = classification.classify(d, timezone.localdate()) if d.status != Status.SUPPLEMENT else "within"
        sheet.append(
            [
                d.code,
                d.procedure.code,
                d.procedure.name,
                d.applicant_name,
                personal.id_number,
                personal.phone,
                d.get_channel_display(),
                d.received_at,
                d.due_date,
                d.resolved_at,
                d.get_status_display(),
                _(classification.LABELS[kind]) if kind else "",
            ],
            row_style=xlsx.CELL,
        )
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    wb.save(tmp)
    tmp.seek(0)
    reads.log(action="export xlsx")
    return FileResponse(tmp, as_attachment=True, filename="ho-so.xlsx")


def _handle_ward_or_403(request: HttpRequest):
    ward = current_ward(request)
    if ward is None or not can_handle_dossiers(request.user, ward):
        raise PermissionDenied
    return ward


CREATE_PURPOSE = "dossiers.create"


def create(request: HttpRequest) -> HttpResponse:
    ward = _handle_ward_or_403(request)
    now = timezone.now()
    procedures = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    if request.method == "POST":
        first = idempotency.previous_result(request, CREATE_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
        form = DossierForm(request.POST, now=now)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with idempotency.once(request, CREATE_PURPOSE) as claim:
                    dossier = workflow.receive(
                        ward=ward,
                        procedure=form.procedure_obj,
                        channel=data["channel"],
                        received_at=data["received_at"],
                        applicant_name=data["applicant_name"],
                        by=request.user,
                        applicant_id_number=data["applicant_id_number"],
                        applicant_phone=data["applicant_phone"],
                        applicant_email=data["applicant_email"],
                        applicant_address=data["applicant_address"],
                        documents=data["documents"],
                        sets=data["sets"],
                        fee=data["fee"],
                        paid_online=data["paid_online"],
                        digitised_at_reception=data["digitised_at_reception"],
                        e_circulated=data["e_circulated"],
                        backdate_reason=data["backdate_reason"],
                        now=now,
                        verification=data["verification"],
                    )
                    claim.done(reverse("dossiers:detail", args=[dossier.pk]))
            except idempotency.AlreadyDone as done:
                return idempotency.to_first_result(request, done.url)
            except (workflow.WorkflowError, idempotency.TokenRefused) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ {code}, hẹn trả ngày {due}.").format(
                        code=dossier.code, due=dossier.due_date.strftime("%d/%m/%Y")
                    ),
                )
                return redirect("dossiers:detail", pk=dossier.pk)
    else:
        form = DossierForm(
            initial={"received_at": timezone.localtime(now).replace(second=0, microsecond=0)}, now=now
        )
    return render(
        request, "dossiers/dossier_form.html", {"form": form, "procedures": procedures, "ward": ward}
    )


def _get_dossier(request: HttpRequest, pk: int) -> Dossier:
    return get_object_or_404(
        Dossier.objects.for_user(request.user).select_related(
            "procedure", "field", "ward", "created_by", "assignee"
        ),
        pk=pk,
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    can_move = can_handle_dossiers(request.user, dossier.ward_id)
    return render(request, "dossiers/dossier_detail.html", _detail_context(request, dossier, can_move))


@require_POST
def reveal(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    """The "show" button: the applicant's personal data in full, once, for a reader who otherwise
    sees it masked; the read and its reason are logged (Nghị định 13/2023)."""
    if target != "detail" and target not in PRINTS_WITH_PERSONAL_DATA:
        raise Http404("target")
    dossier = _get_dossier(request, pk)
    form = RevealForm(request.POST)
    full = form.is_valid()
    if full:
        privacy.log_read(request.user, dossier, action="show " + target, note=form.cleaned_data["reason"])
    status = 200 if full else 400
    if target == "detail":
        can_move = can_handle_dossiers(request.user, dossier.ward_id)
        context = _detail_context(request, dossier, can_move, full=full, reveal_form=form)
        return render(request, "dossiers/dossier_detail.html", context, status=status)
    return _render_print(request, dossier, target, full=full, reveal_form=form, status=status)


def _detail_context(
    request,
    dossier: Dossier,
    can_move: bool,
    *,
    full: bool | None = None,
    errors: dict | None = None,
    reveal_form: RevealForm | None = None,
) -> dict:
    """The dossier page. ``full=None`` applies the personal-data rule (and logs an unmasked read);
    ``reveal`` passes ``full`` itself, having logged the "show"."""
    if full is None:
        full = privacy.may_see(request.user, dossier)
        if full:
            privacy.log_read(request.user, dossier, action="view")
    now = timezone.localtime().replace(second=0, microsecond=0)
    moves = workflow.allowed_moves(dossier) if can_move else []
    if can_move and dossier.status != Status.REJECTED and not Rating.objects.filter(dossier=dossier).exists():
        moves.append("rate")
    forms = {}
    for move in moves:
        if move == "edit":
            continue
        form_class = MOVE_FORMS[move]
        if errors and move in errors:
            forms[move] = errors[move]
        else:
            forms[move] = form_class(initial={"at": now, "version": dossier.version}, prefix=move)
    events = DossierEvent.objects.filter(dossier=dossier).select_related("by")
    hops = dossier.hops.select_related("agency", "sent_by")
    kind = classification.classify(dossier)
    return {
        "dossier": dossier,
        "events": events,
        "hops": hops,
        "supplements": dossier.supplements.all(),
        "apologies": dossier.apologies.select_related("agency_at_fault", "issued_by"),
        "rating": Rating.objects.filter(dossier=dossier).first(),
        "move_forms": [(m, workflow.MOVE_LABELS[m], f) for m, f in forms.items()],
        "can_move": can_move,
        # Editing shows the personal data in full: only for those the rule lets see it.
        "can_edit": can_move and "edit" in moves and privacy.may_see(request.user, dossier),
        "personal": privacy.personal_data(dossier, full=full),
        "reveal_form": reveal_form or RevealForm(),
        "reveal_url": reverse("dossiers:reveal", args=[dossier.pk, "detail"]),
        "classification": kind,
        "classification_label": _(classification.LABELS[kind]) if kind else "",
        "late_agencies": classification.agencies_at_fault(dossier),
        "audit_entries": changes(dossier, masks=None if full else privacy.MASKS),
        "rating_url": request.build_absolute_uri(
            reverse("dossiers:public_rating", args=[rating_token(dossier)])
        ),
    }


@require_POST
def move(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    if not can_handle_dossiers(request.user, dossier.ward_id):
        raise PermissionDenied
    if name not in MOVE_FORMS:
        raise Http404("move")
    form = MOVE_FORMS[name](request.POST, prefix=name)
    if not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ, hãy kiểm tra lại."))
        context = _detail_context(request, dossier, True, errors={name: form})
        return render(request, "dossiers/dossier_detail.html", context, status=400)
    data = form.cleaned_data
    by = request.user
    try:
        if data.get("version") and data["version"] != dossier.version:
            raise workflow.StaleEdit(
                _("Hồ sơ vừa được người khác cập nhật, thao tác chưa được thực hiện. Hãy xem lại trang.")
            )
        moves.perform(name, dossier, data, by=by)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã ghi nhận: {move}.").format(move=_(workflow.MOVE_LABELS[name])))
    return redirect("dossiers:detail", pk=dossier.pk)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    # The form holds the applicant's data in full: the personal-data rule applies, not only the ward's.
    if not (can_handle_dossiers(request.user, dossier.ward_id) and privacy.may_see(request.user, dossier)):
        raise PermissionDenied
    if request.method == "POST":
        form = EditForm(request.POST, instance=Dossier(pk=dossier.pk))
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in workflow.EDITABLE_FIELDS}
            try:
                workflow.edit(
                    dossier,
                    by=request.user,
                    at=timezone.now(),
                    expected_version=form.cleaned_data["version"],
                    changes=changed,
                )
            except workflow.WorkflowError as exc:
                # The user's input stays in the form: nothing typed is lost.
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("dossiers:detail", pk=dossier.pk)
        status = 409 if form.non_field_errors() else 400
        return render(
            request, "dossiers/dossier_edit.html", {"form": form, "dossier": dossier}, status=status
        )
    form = EditForm(instance=dossier, initial={"version": dossier.version})
    privacy.log_read(request.user, dossier, action="edit")
    return render(request, "dossiers/dossier_edit.html", {"form": form, "dossier": dossier})


PRINTS = {
    "01": ("dossiers/print_receipt.html", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "02": ("dossiers/print_supplement.html", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": ("dossiers/print_refusal.html", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ"),
    "04": ("dossiers/print_apology.html", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "05": ("dossiers/print_control.html", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}


# The forms that print the applicant's ID, phone, e-mail and address (the others name them only).
PRINTS_WITH_PERSONAL_DATA = {"01"}


def print_form(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    if number not in PRINTS:
        raise Http404("form")
    dossier = _get_dossier(request, pk)
    full = privacy.may_see(request.user, dossier)
    if full and number in PRINTS_WITH_PERSONAL_DATA:
        privacy.log_read(request.user, dossier, action="print " + number)
    return _render_print(request, dossier, number, full=full)


def _render_print(
    request: HttpRequest,
    dossier: Dossier,
    number: str,
    *,
    full: bool,
    reveal_form: RevealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    template, title = PRINTS[number]
    context = {"dossier": dossier, "title": _(title), "number": number, "today": timezone.localdate()}
    if number in PRINTS_WITH_PERSONAL_DATA:
        context["personal"] = privacy.personal_data(dossier, full=full)
        context["reveal_form"] = reveal_form or RevealForm()
        context["reveal_url"] = reverse("dossiers:reveal", args=[dossier.pk, number])
    if number == "01":
        import segno

        url = request.build_absolute_uri(reverse("dossiers:public_rating", args=[rating_token(dossier)]))
        context["qr_svg"] = segno.make(url, error="m").svg_inline(scale=3)
        context["rating_url"] = url
        context["documents"] = [line for line in dossier.documents.splitlines() if line.strip()]
    elif number == "02":
        context["request_row"] = dossier.supplements.order_by("-requested_at").first()
    elif number == "04":
        context["letter"] = dossier.apologies.select_related("agency_at_fault").order_by("-issued_at").first()
        if context["letter"] is None:
            raise Http404("letter")
    elif number == "05":
        context["hops"] = dossier.hops.select_related("agency", "sent_by")
        context["events"] = dossier.events.select_related("by")
    return render(request, template, context, status=status)


def calendar_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    member_ok = is_admin(request.user) or any(
        can_lead(request.user, w) for w in visible_ward_ids(request.user)
    )
    if not member_ok:
        raise PermissionDenied
    year = year or timezone.localdate().year
    return render(
        request,
        "dossiers/calendar.html",
        # Years go to the template as text: numbers get a thousand separator ("2.024") in Vietnamese.
        {"year": str(year), "days": calendar.year_days(year), "prev": str(year - 1), "next": str(year + 1)},
    )


# --- Procedure catalogue in Excel ----------------------------------------------------------------


def _catalogue_admin_or_403(request: HttpRequest) -> None:
    # The catalogue is shared by every ward: only administrators change it (issue 2).
    if not is_admin(request.user):
        raise PermissionDenied


def catalogue(request: HttpRequest) -> HttpResponse:
    procedures = Procedure.objects.select_related("field").order_by(
        "field__sort_order", "code", "-valid_from"
    )
    return render(
        request, "dossiers/catalogue.html", {"procedures": procedures, "form": CatalogueImportForm()}
    )


def catalogue_export(request: HttpRequest) -> FileResponse:
    from dossiers import catalogue_xlsx

    return catalogue_xlsx.export_response(template_only=request.GET.get("template") == "1")


def catalogue_import(request: HttpRequest) -> HttpResponse:
    _catalogue_admin_or_403(request)
    from dossiers import catalogue_xlsx

    errors: list[str] = []
    if request.method == "POST":
        form = CatalogueImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = catalogue_xlsx.import_file(form.cleaned_data["file"])
            if result.errors:
                errors = result.errors
            else:
                messages.success(
                    request,
                    _("Đã nhập danh mục: {created} thủ tục mới, {updated} thủ tục cập nhật.").format(
                        created=result.created, updated=result.updated
                    ),
                )
                return redirect("dossiers:catalogue")
    else:
        form = CatalogueImportForm()
    procedures = Procedure.objects.select_related("field").order_by(
        "field__sort_order", "code", "-valid_from"
    )
    status = 400 if errors else 200
    return render(
        request,
        "dossiers/catalogue.html",
        {"procedures": procedures, "form": form, "errors": errors},
        status=status,
    )


# --- Public rating -------------------------------------------------------------------------------

RATING_SALT = "dossiers.public_rating"
RATING_LIMIT_PER_HOUR = 20


def rating_token(dossier: Dossier) -> str:
    return signing.dumps({"d": dossier.pk}, salt=RATING_SALT, compress=True)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@login_not_required
def public_rating(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = signing.loads(token, salt=RATING_SALT)
        dossier = Dossier.objects.select_related("ward", "procedure").get(pk=payload["d"])
    except (signing.BadSignature, Dossier.DoesNotExist, KeyError, TypeError):
        raise Http404("token") from None
    already = Rating.objects.filter(dossier=dossier).exists()
    form = PublicRatingForm(request.POST or None)
    status = 200
    if request.method == "POST" and not already:
        key = "dossiers:rating-ip:{}".format(_client_ip(request))
        cache.add(key, 0, 3600)
        if cache.incr(key) > RATING_LIMIT_PER_HOUR:
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
                return HttpResponseRedirect(request.path)
        else:
            status = 400
    context = {"dossier": dossier, "form": form, "already": already}
    return render(request, "dossiers/public_rating.html", context, status=status)


def procedure_options(request: HttpRequest) -> HttpResponse:
    """htmx: procedures matching ``q`` as <option>s for the datalist."""
    from unidecode import unidecode

    q = unidecode(request.GET.get("procedure", request.GET.get("q", "")).lower()).strip()
    rows = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    items = [p for p in rows if not q or q in unidecode(f"{p.code} {p.name}".lower())][:30]
    return render(request, "dossiers/procedure_options.html", {"procedures": items})
