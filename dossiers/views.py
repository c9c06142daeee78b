"""Screens of the one-stop register. Views check access and call ``workflow``; they compute nothing.

Every dossier queryset goes through ``Dossier.objects.for_user(request.user)``: a dossier of a
ward the user cannot read is simply not found (404). Moves need ``can_handle_dossiers``.
"""

from __future__ import annotations

from datetime import date

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST
from django_tasks import task

from dossiers import (
    buckets,
    calendar,
    catalogue_xlsx,
    deadlines,
    lookup,
    moves,
    notices,
    pagination,
    printed_forms,
    privacy,
    workflow,
    worklists,
)
from dossiers.exports import COLUMNS as REGISTER_COLUMNS
from dossiers.exports import RegisterExporter, screen_rows
from dossiers.filters import FILTER_KEYS, DossierFilterSet
from dossiers.forms import (
    MOVE_FORMS,
    CatalogueImportForm,
    DossierForm,
    EditForm,
    LogVolumeForm,
    RevealForm,
    matching_procedures,
)
from dossiers.lookup import public_token as rating_token
from dossiers.models import (
    Channel,
    DocumentSource,
    Dossier,
    DossierEvent,
    Extension,
    FormKind,
    LogCounter,
    NoticeEvent,
    Procedure,
    Rating,
    Status,
)
from parindex.base import exporting, idempotency, periods, uploads
from parindex.base.access import (
    can_handle_dossiers,
    can_lead,
    current_ward,
    is_admin,
    is_receiving_counter,
    may_approve_extension,
    visible_ward_ids,
    ward_code_from,
)
from parindex.base.audit import changes
from parindex.base.htmx import HtmxHttpRequest, render_page_or_fragment, vary_on_htmx, wants_fragment
from parindex.base.jobs import services as jobs
from parindex.base.jobs.models import JobKind
from parindex.base.models import Ward

PAGE_SIZE = pagination.PAGE_SIZE
# What moves through the register's pages: never part of the filters, the export or the session.
PAGE_KEYS = ("page", "after", "before")


def _bucket_queryset(request: HttpRequest, form_field):
    """The dossiers behind one number of a report (drill-down from the indicator engine)."""
    bucket = request.GET["bucket"]
    if bucket not in buckets.BUCKETS:
        return None, _("Nhóm số liệu không hợp lệ.")
    try:
        # The period in the one vocabulary (``parindex.base.periods``); report links carry its two days.
        # A drill-down needs one: the register's own default would be every dossier.
        if not periods.has_period(request.GET):
            raise periods.PeriodError(_("Kỳ tùy chọn cần cả ngày bắt đầu và ngày kết thúc."))
        period = periods.parse_period(request.GET, timezone.localdate())
    except periods.PeriodError as exc:
        return None, "{} {}".format(_("Kỳ báo cáo không hợp lệ."), exc)
    ward_ids = visible_ward_ids(request.user)
    ward_code = ward_code_from(request.GET.get("ward"))
    if ward_code:
        ward_ids = [w for w in ward_ids if w in set(_ward_ids_for_code(ward_code))]
    elif request.GET.get("ward"):
        ward_ids = []
    field_id = request.GET.get("field") or ""
    if field_id and not (field_id.isascii() and field_id.isdigit() and len(field_id) <= 9):
        return None, _("Nhóm số liệu không hợp lệ.")
    qs = buckets.bucket_queryset(ward_ids, period, bucket, field_id=int(field_id) if field_id else None)
    # Each row as it stood at the period's end: its status and the due moment then in force.
    qs = qs.annotate(
        as_of_status=deadlines.status_at(period.end_at), as_of_due=deadlines.due_in_force_expr(period.end_at)
    )
    request.drill_info = {
        "label": buckets.BUCKET_LABELS.get(bucket, bucket),
        "period": period,
        "end_at": period.end_at,
        "judge": deadlines.judged_at(period.end_at),
    }
    return qs.filter(ward_id__in=visible_ward_ids(request.user)), None


def _ward_ids_for_code(code: str) -> list[int]:
    return list(Ward.objects.filter(code=code).values_list("id", flat=True))


# The register's own filters, remembered in the session so the officer finds the list as left.
FILTERS_SESSION_KEY = "dossiers:register_filters"


def _register_params(request: HttpRequest) -> QueryDict:
    """The query the register shows: the request's own, or the session's when it has none.

    A drill-down from a report figure is never remembered; ``?reset=1`` forgets.
    """
    params = request.GET
    if "bucket" in params:
        return params
    if "reset" in params:
        request.session.pop(FILTERS_SESSION_KEY, None)
        return QueryDict()
    if not params:
        return QueryDict(request.session.get(FILTERS_SESSION_KEY, ""))
    remembered = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if params.get(key):
            remembered[key] = params[key]
    # Written only when it changes: paging through a list does not save the session each time.
    if (
        params.get("export") != "xlsx"
        and request.session.get(FILTERS_SESSION_KEY, "") != remembered.urlencode()
    ):
        request.session[FILTERS_SESSION_KEY] = remembered.urlencode()
    return params


def index(request: HtmxHttpRequest) -> HttpResponse:
    """The register: search, filters, worklists, drill-down, pagination, Excel export."""
    today = timezone.localdate()
    params = _register_params(request)
    qs = Dossier.objects.for_user(request.user)
    ward = current_ward(request)
    bucket_error = None
    drill = "bucket" in params
    if drill:
        bucket_qs, bucket_error = _bucket_queryset(request, None)
        qs = bucket_qs if bucket_qs is not None else qs.none()
    elif ward is not None and params.get("list") == FOR_OTHERS:
        # The counter's own work: what it received for other units (their registers hold them).
        qs = qs.received_for_others(ward)
    elif ward is not None and ward.id in visible_ward_ids(request.user):
        # The ward's register alone: the user's scope (their wards OR their counters' receptions)
        # adds nothing to ``ward = X`` for a visible ward, and ANDed with it PostgreSQL estimates
        # ~1% of the ward's rows and sorts all 10k of them instead of reading the (ward,
        # received_at, id) index backwards: 43 ms -> 2 ms for a page at 1M.
        qs = Dossier.objects.filter(ward=ward)
    elif ward is not None:
        qs = qs.filter(ward=ward)
    base = qs
    filterset = DossierFilterSet(params, qs, user=request.user, today=today, now=timezone.now(), drill=drill)
    form, worklist = filterset.form, filterset.worklist
    qs = filterset.qs.select_related("procedure", "field", "ward", "received_by_ward").order_by(
        "-received_at", "-id"
    )
    if params.get("export") == "xlsx":
        total = qs.count()
        if total > settings.EXPORT_INLINE_ROWS:
            # Beyond a screenful the worker writes it; the officer gets the job page at once.
            job = jobs.start(
                export_list,
                kind=JobKind.DOSSIER_EXPORT,
                owner=request.user,
                # A city reader's drill-down spans wards: the job is the city's, like its rows.
                ward=ward if not drill or len(visible_ward_ids(request.user)) == 1 else None,
                city=ward.city if ward is not None else None,
                title=_("Danh sách hồ sơ ({} hồ sơ)").format(total),
                params={"query": jobs.dump_query(qs)},
                rows_total=total,
            )
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        return exporting.export_response(RegisterExporter(qs, request.user))
    # Keyset pages (``dossiers.pagination``): the same two statements on page 1 and page 500.
    page = pagination.paginate(qs, params, size=PAGE_SIZE)
    # Search results, worklists and drill-downs are this same list: one place applies the rule.
    reads = privacy.UnmaskedReads(request.user)
    rows = list(page.object_list)
    for d in rows:
        d.personal = privacy.personal_data(d, full=reads(d))
    reads.log(action="list")
    page.object_list = rows
    drill_info = getattr(request, "drill_info", None)
    if drill_info:
        for d in rows:
            d.as_of_kind = deadlines.classify(
                d, at=drill_info["end_at"], judge=drill_info["judge"], due=d.as_of_due
            )
            d.as_of_status_label = Status(d.as_of_status).label if d.as_of_status else ""
    screen = screen_rows(rows, as_of=bool(drill_info))
    query = params.copy()
    for key in PAGE_KEYS:
        query.pop(key, None)
    fragment = wants_fragment(request)
    context = {
        "page": page,
        "rows": screen,
        "columns": REGISTER_COLUMNS,
        "form": form,
        # the tabs are outside the htmx fragment: their counts are computed for full pages only
        "worklists": [] if fragment else _worklist_tabs(base, request.user, today, drill, ward),
        "worklist": FOR_OTHERS if params.get("list") == FOR_OTHERS and not drill else worklist,
        "today": today,
        "query": query.urlencode(),
        "filtered": any(query.values()),
        "bucket_error": bucket_error,
        "drill": drill,
        "drill_info": drill_info,
        "can_create": ward is not None and can_handle_dossiers(request.user, ward),
    }
    return render_page_or_fragment(
        request, "dossiers/dossier_list.html", "dossiers/dossier_rows.html", context
    )


# The register's tab of dossiers received at this counter for other units (not a worklist of
# the ward's own register: those dossiers are the competent unit's, counted there).
FOR_OTHERS = "for_others"


def _worklist_tabs(qs, user, today: date, drill: bool, ward) -> list[dict]:
    """The worklists with their sizes (one query), then the inbox of online submissions for
    those who accept them (one more); a drill-down shows them without counts. The "received for
    other units" tab has no count here: the dashboard shows it."""
    now = timezone.now()
    sizes = {} if drill else worklists.counts(qs, user, today, now=now)
    tabs = [
        {"key": key, "label": _(label), "count": sizes.get(key), "url": "?list={}".format(key)}
        for key, label in worklists.WORKLISTS.items()
    ]
    tabs.append(
        {
            "key": FOR_OTHERS,
            "label": _("Tiếp nhận cho đơn vị khác"),
            "count": None,
            "url": "?list={}".format(FOR_OTHERS),
        }
    )
    if ward is not None and can_handle_dossiers(user, ward):
        count = None if drill else worklists.inbox_counts([ward.id], now)["online"]
        tabs.append(
            {
                "key": worklists.ONLINE,
                "label": _(worklists.ONLINE_LABEL),
                "count": count,
                "url": reverse("dossiers:inbox"),
            }
        )
    return tabs


def _export_list_job(job, progress) -> jobs.Outcome:
    return exporting.job_outcome(RegisterExporter.from_job(job), progress)


@task()
def export_list(job_id: str) -> None:
    """The register's export beyond a screenful, on the worker (see ``index``)."""
    jobs.run(job_id, _export_list_job)


def _handle_ward_or_403(request: HttpRequest):
    ward = current_ward(request)
    if ward is None or not can_handle_dossiers(request.user, ward):
        raise PermissionDenied
    return ward


def log_volume(request: HttpRequest) -> HttpResponse:
    """The ward's dossier log by year (form 07): the volume in use, set by the ward's leader or an
    administrator over the ward; the entry numbers are the receptions' (never typed)."""
    ward = current_ward(request)
    if ward is None or not can_lead(request.user, ward):
        raise PermissionDenied
    form = LogVolumeForm(request.POST or None, initial={"year": timezone.localdate().year})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                workflow.set_log_volume(
                    ward=ward,
                    year=form.cleaned_data["year"],
                    volume=form.cleaned_data["volume"],
                    by=request.user,
                )
            except workflow.WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Năm {year}: hồ sơ tiếp nhận từ nay vào quyển số {volume}.").format(
                        year=form.cleaned_data["year"], volume=form.cleaned_data["volume"]
                    ),
                )
                return redirect("dossiers:log_volume")
        status = 400
    rows = LogCounter.objects.filter(ward=ward).order_by("-year")
    return render(
        request, "dossiers/log_volume.html", {"ward": ward, "rows": rows, "form": form}, status=status
    )


CREATE_PURPOSE = "dossiers.create"
PRINT_RECEIPT_SESSION_KEY = "dossiers:print_receipt"


def _preview(form: DossierForm, now, ward) -> dict:
    """Procedure, fee and appointment moment the dossier would get, before it is saved."""
    form.is_valid()
    proc = form.procedure_obj
    if proc is None:
        return {"errors": form.errors.get("procedure", [])}
    data = form.cleaned_data
    received = data.get("received_at") or now
    channel = data.get("channel") or Channel.IN_PERSON
    fee = data.get("fee")
    papers = list(proc.documents.all())
    chosen = form.paper_sources()
    for paper in papers:
        paper.chosen_source = chosen.get(str(paper.pk), DocumentSource.DIGITISED)
    defaults = workflow.counter_defaults(proc, channel)
    return {
        "procedure": proc,
        "papers": papers,
        "sources": DocumentSource.choices,
        "paid_online_default": defaults["paid_online"],
        "ticked": form.checked_papers(),
        "fee": proc.fee if fee is None else fee,
        "due": deadlines.due_moment_for(
            proc, received, channel, city_id=ward.city_id, verification=bool(data.get("verification"))
        ),
        "received": received,
    }


def create(request: HttpRequest) -> HttpResponse:
    ward = _handle_ward_or_403(request)
    now = timezone.now()
    procedures = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        # "Xem trước": the fee and appointment date, nothing saved (htmx swaps only the box)
        form = DossierForm(request.POST, now=now, counter=ward)
        preview = _preview(form, now, ward)
        if wants_fragment(request):
            return vary_on_htmx(render(request, "dossiers/receipt_preview.html", {"preview": preview}))
        # shown again as typed, without the messages of fields not filled in yet
        form = DossierForm(initial=request.POST.dict(), now=now, counter=ward)
    elif request.method == "POST":
        first = idempotency.previous_result(request, CREATE_PURPOSE)
        if first:
            return idempotency.to_first_result(request, first)
        form = DossierForm(request.POST, now=now, counter=ward)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with idempotency.once(request, CREATE_PURPOSE) as claim:
                    dossier = workflow.receive(
                        ward=data["competent_ward"] or ward,
                        received_by=ward,
                        result_at_counter=data["result_at_counter"],
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
                        result_delivery=data["result_delivery"],
                        payment_reference=data["payment_reference"],
                        digitised_at_reception=data["digitised_at_reception"],
                        reused_data=data["reused_data"],
                        citizen_data_connected=data["citizen_data_connected"],
                        document_sources=data.get("document_sources"),
                        e_circulated=data["e_circulated"],
                        backdate_reason=data["backdate_reason"],
                        now=now,
                        verification=data["verification"],
                        notify_consent=data["notify_consent"],
                        notify_channel=data["notify_channel"],
                    )
                    claim.done(reverse("dossiers:detail", args=[dossier.pk]))
            except idempotency.AlreadyDone as done:
                return idempotency.to_first_result(request, done.url)
            except (workflow.WorkflowError, idempotency.TokenRefused) as exc:
                form.add_error(None, exc.message)
            else:
                notices.notify(dossier, NoticeEvent.RECEPTION, base_url=request.build_absolute_uri("/"))
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ {code}, hẹn trả {due}.").format(
                        code=dossier.code, due=workflow.receipt_moment(dossier.due_at)
                    ),
                )
                # the dossier page opens form 01's print dialog once ("Tiếp nhận và in giấy hẹn")
                request.session[PRINT_RECEIPT_SESSION_KEY] = dossier.pk
                return redirect("dossiers:detail", pk=dossier.pk)
        preview = _preview(form, now, ward)  # the checklist, fee and date stay beside the messages
    else:
        form = DossierForm(
            initial={"received_at": timezone.localtime(now).replace(second=0, microsecond=0)},
            now=now,
            counter=ward,
        )
    return render(
        request,
        "dossiers/dossier_form.html",
        {"form": form, "procedures": procedures, "ward": ward, "preview": preview},
    )


def _get_dossier(request: HttpRequest, pk: int) -> Dossier:
    return get_object_or_404(
        Dossier.objects.for_user(request.user).select_related(
            "procedure", "field", "ward", "created_by", "assignee", "received_by_ward"
        ),
        pk=pk,
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    can_move = can_handle_dossiers(request.user, dossier.ward_id)
    context = _detail_context(request, dossier, can_move)
    context["print_receipt"] = request.session.get(PRINT_RECEIPT_SESSION_KEY) == dossier.pk
    if context["print_receipt"]:
        del request.session[PRINT_RECEIPT_SESSION_KEY]
    return render(request, "dossiers/dossier_detail.html", context)


@require_POST
def reveal(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    """The "show" button: the applicant's personal data in full, once, for a reader who otherwise
    sees it masked; the read and its reason are logged (Nghị định 13/2023)."""
    kind = printed_forms.kind_of(target)
    if target != "detail" and kind not in PRINTS_WITH_PERSONAL_DATA:
        raise Http404("target")
    dossier = _get_dossier(request, pk)
    if is_receiving_counter(request.user, dossier):
        # The counter reads what it entered; the competent unit's additions are not its to see.
        raise PermissionDenied
    form = RevealForm(request.POST)
    full = form.is_valid()
    if full:
        action = "show " + ("detail" if target == "detail" else "01")
        privacy.log_read(request.user, dossier, action=action, note=form.cleaned_data["reason"])
    status = 200 if full else 400
    if target == "detail":
        can_move = can_handle_dossiers(request.user, dossier.ward_id)
        context = _detail_context(request, dossier, can_move, full=full, reveal_form=form)
        return render(request, "dossiers/dossier_detail.html", context, status=status)
    return _render_print(request, dossier, kind, full=full, reveal_form=form, status=status)


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
    counter = is_receiving_counter(request.user, dossier)
    now = timezone.localtime().replace(second=0, microsecond=0)
    moves = workflow.moves_for(dossier, handler=can_move, counter=counter)
    if "issue_apology" in moves and not _apology_applies(dossier):
        moves.remove("issue_apology")
    pending = dossier.extensions.filter(status=Extension.Status.PENDING).first()
    if pending is not None and "request_extension" in moves:
        moves.remove("request_extension")
    if pending is None or not may_approve_extension(request.user, dossier.ward_id):
        moves = [m for m in moves if m not in ("approve_extension", "refuse_extension")]
    rating = Rating.objects.filter(dossier=dossier).first()
    if can_move and workflow.is_ratable(dossier) and rating is None:
        moves.append("rate")
        moves.sort(key=workflow.MOVE_ORDER.index)
    forms = {}
    for move in moves:
        if move == "edit":
            continue
        form_class = MOVE_FORMS[move]
        if errors and move in errors:
            forms[move] = errors[move]
        else:
            forms[move] = form_class(initial={"at": now, "version": dossier.version}, prefix=move)
        if hasattr(forms[move], "for_dossier"):
            forms[move].for_dossier(dossier)
    events = DossierEvent.objects.filter(dossier=dossier).select_related("by")
    hops = dossier.hops.select_related("agency", "sent_by")
    kind = deadlines.classify(dossier)
    closed_late = kind == deadlines.LATE
    return {
        "dossier": dossier,
        "events": events,
        "hops": hops,
        "supplements": dossier.supplements.all(),
        "due_changes": dossier.due_changes.all(),
        "apologies": dossier.apologies.select_related("agency_at_fault", "issued_by", "extension"),
        "extensions": dossier.extensions.select_related("requested_by", "decided_by"),
        "pending_extension": pending,
        "prints": _print_links(dossier),
        "rating": rating,
        "ratable": workflow.is_ratable(dossier),
        "notices": dossier.notices.all(),
        "move_forms": [(m, workflow.MOVE_LABELS[m], f) for m, f in forms.items()],
        "final_moves": workflow.FINAL_MOVES,
        "can_move": can_move,
        # Editing shows the personal data in full: only for those the rule lets see it.
        "can_edit": can_move and "edit" in moves and privacy.may_see(request.user, dossier),
        "personal": privacy.for_reader(request.user, dossier, full=full, action="view"),
        "counter_role": counter,
        "reveal_form": reveal_form or RevealForm(),
        "reveal_url": reverse("dossiers:reveal", args=[dossier.pk, "detail"]),
        "classification": kind,
        "time_left": deadlines.time_left(dossier),
        "classification_label": _(deadlines.LABELS[kind]) if kind else "",
        "late_agencies": deadlines.agencies_at_fault(dossier),
        # A late dossier without a timely letter: the gap is shown with the letter's form.
        "apology_gap": (closed_late or kind == deadlines.OVERDUE)
        and not dossier.apologies.filter(issued_late=False).exists(),
        # The counter sees status and result, not the competent unit's change history.
        "audit_entries": [] if counter else changes(dossier, masks=None if full else privacy.MASKS),
        "rating_url": request.build_absolute_uri(reverse("lookup:status", args=[rating_token(dossier)])),
    }


def _print_links(dossier: Dossier) -> list[dict]:
    """The forms this dossier can print, each with the number and title of the set in force on
    its document's date."""
    wanted = [FormKind.RECEIPT]
    if dossier.supplements.exists():
        wanted.append(FormKind.SUPPLEMENT)
    if dossier.status == Status.REJECTED or dossier.outcome == "refused":
        wanted.append(FormKind.REFUSAL)
    letter = dossier.apologies.order_by("-issued_at", "-id").first()
    if letter is not None:
        wanted.append(FormKind.APOLOGY)
    if dossier.status == Status.STOPPED:
        wanted.append(FormKind.STOP)
    wanted.append(FormKind.CONTROL)
    links = []
    for kind in wanted:
        subject = letter if kind == FormKind.APOLOGY else None
        if kind == FormKind.SUPPLEMENT:
            subject = dossier.supplements.order_by("-requested_at").first()
        form = printed_forms.form_for(kind, printed_forms.document_day(dossier, kind, subject=subject))
        if form is not None:
            links.append({"kind": kind, "number": form.number, "title": form.title})
    return links


def _apology_applies(dossier: Dossier) -> bool:
    """An apology letter is offered once the dossier is due by the next working day, overdue, or
    resolved late."""
    today = timezone.localdate()
    one = Dossier.objects.filter(pk=dossier.pk)
    if deadlines.classify(dossier, now=timezone.now()) == deadlines.LATE:
        return True  # resolved late: the letter is still owed (and flagged if after the due moment)
    return (one.at_risk_on(today) | one.overdue_at(timezone.now())).exists()


@require_POST
def move(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    handler = can_handle_dossiers(request.user, dossier.ward_id)
    if not handler and name not in workflow.moves_for(
        dossier, handler=False, counter=is_receiving_counter(request.user, dossier)
    ):
        raise PermissionDenied
    if name not in MOVE_FORMS:
        raise Http404("move")
    form = MOVE_FORMS[name](request.POST, prefix=name)
    if hasattr(form, "for_dossier"):
        form.for_dossier(dossier)
    if not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ, hãy kiểm tra lại."))
        context = _detail_context(request, dossier, handler, errors={name: form})
        return render(request, "dossiers/dossier_detail.html", context, status=400)
    data = form.cleaned_data
    by = request.user
    due_before = lookup.due_moment(dossier)
    try:
        if data.get("version") and data["version"] != dossier.version:
            raise workflow.StaleEdit(
                _("Hồ sơ vừa được người khác cập nhật, thao tác chưa được thực hiện. Hãy xem lại trang.")
            )
        moves.perform(name, dossier, data, by=by)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        notices.after_move(dossier, name, due_before=due_before, base_url=request.build_absolute_uri("/"))
        messages.success(request, _("Đã ghi nhận: {move}.").format(move=_(workflow.MOVE_LABELS[name])))
        if name == "resolve" and Dossier.objects.filter(pk=dossier.pk).late_without_apology().exists():
            messages.warning(
                request,
                _(
                    "Hồ sơ được giải quyết quá hạn mà chưa có thư xin lỗi đúng hạn. Hãy phát hành thư "
                    "xin lỗi ở mục “Phát hành thư xin lỗi” bên dưới; hồ sơ ở lại danh sách cần xin lỗi."
                ),
            )
    return redirect("dossiers:detail", pk=dossier.pk)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _get_dossier(request, pk)
    # The form holds the applicant's data in full: the personal-data rule applies, not only the ward's.
    if not (can_handle_dossiers(request.user, dossier.ward_id) and privacy.may_see(request.user, dossier)):
        raise PermissionDenied
    rows = list(dossier.papers.all())
    if request.method == "POST":
        form = EditForm(request.POST, instance=Dossier(pk=dossier.pk), document_rows=rows)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in workflow.EDITABLE_FIELDS}
            try:
                workflow.edit(
                    dossier,
                    by=request.user,
                    at=timezone.now(),
                    expected_version=form.cleaned_data["version"],
                    changes=changed,
                    document_sources=form.document_sources(),
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
    form = EditForm(instance=dossier, initial={"version": dossier.version}, document_rows=rows)
    privacy.log_read(request.user, dossier, action="edit")
    return render(request, "dossiers/dossier_edit.html", {"form": form, "dossier": dossier})


# The template of each printed form; its number, title and unit follow the document's date
# (``printed_forms``).
PRINT_TEMPLATES = {
    FormKind.RECEIPT: "dossiers/print_receipt.html",
    FormKind.SUPPLEMENT: "dossiers/print_supplement.html",
    FormKind.REFUSAL: "dossiers/print_refusal.html",
    FormKind.APOLOGY: "dossiers/print_apology.html",
    FormKind.STOP: "dossiers/print_stop.html",
    FormKind.CONTROL: "dossiers/print_control.html",
}


# The forms that print the applicant's ID, phone, e-mail and address (the others name them only).
PRINTS_WITH_PERSONAL_DATA = {FormKind.RECEIPT}


# The dossier page prints form 01 from a frame right after logging: this page alone may be framed,
# by the portal's own pages (X-Frame-Options and the CSP's frame-ancestors say the same).
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def print_form(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    kind = printed_forms.kind_of(number)
    if kind not in PRINT_TEMPLATES:
        raise Http404("form")
    dossier = _get_dossier(request, pk)
    full = privacy.may_see(request.user, dossier)
    if full and kind in PRINTS_WITH_PERSONAL_DATA:
        privacy.log_read(request.user, dossier, action="print 01")
    return _render_print(request, dossier, kind, full=full)


def _render_print(
    request: HttpRequest,
    dossier: Dossier,
    kind: str,
    *,
    full: bool,
    reveal_form: RevealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    subject = None
    context = {
        "dossier": dossier,
        "today": timezone.localdate(),
        "autoprint": request.GET.get("autoprint") == "1",
    }
    if kind in PRINTS_WITH_PERSONAL_DATA:
        context["personal"] = privacy.for_reader(request.user, dossier, full=full, action="print " + kind)
        context["reveal_form"] = reveal_form or RevealForm()
        context["reveal_url"] = reverse("dossiers:reveal", args=[dossier.pk, kind])
    if kind == FormKind.RECEIPT:
        import segno

        url = request.build_absolute_uri(reverse("lookup:status", args=[rating_token(dossier)]))
        context["qr_svg"] = segno.make(url, error="m").svg_inline(scale=3)
        context["rating_url"] = url
        context["lookup_url"] = request.build_absolute_uri(reverse("lookup:form"))
        context["papers"] = list(dossier.papers.all())
    elif kind == FormKind.SUPPLEMENT:
        subject = context["request_row"] = dossier.supplements.order_by("-requested_at").first()
        if subject is None:
            # Form 02 prints a supplement request: a dossier that never had one has no form 02.
            raise Http404("supplement")
    elif kind == FormKind.APOLOGY:
        subject = context["letter"] = (
            dossier.apologies.select_related("agency_at_fault", "extension__decided_by")
            .order_by("-issued_at", "-id")
            .first()
        )
        if subject is None:
            raise Http404("letter")
        context["extension"] = getattr(subject, "extension", None)
    elif kind == FormKind.STOP:
        if dossier.status != Status.STOPPED:
            raise Http404("stop")
    elif kind == FormKind.CONTROL:
        context["hops"] = dossier.hops.select_related("agency", "sent_by")
        context["events"] = dossier.events.select_related("by")
    day = printed_forms.document_day(dossier, kind, subject=subject)
    form = printed_forms.form_for(kind, day)
    if form is None:
        # The set in force on that day has no such form (no stop notice before 01/07/2025).
        raise Http404("form not in force")
    context.update(form=form, title=form.title, number=form.number, unit=form.unit_of(dossier.ward.name))
    return render(request, PRINT_TEMPLATES[kind], context, status=status)


def calendar_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    member_ok = is_admin(request.user) or any(
        can_lead(request.user, w) for w in visible_ward_ids(request.user)
    )
    if not member_ok:
        raise PermissionDenied
    year = year or timezone.localdate().year
    if not periods.MIN_YEAR <= year <= periods.MAX_YEAR:
        # The URL names a year no date of the portal can fall in (and one date() cannot hold).
        raise Http404("year")
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
    procedures = (
        Procedure.objects.select_related("field")
        .prefetch_related("documents")
        .order_by("field__sort_order", "code", "-valid_from")
    )
    return render(
        request, "dossiers/catalogue.html", {"procedures": procedures, "form": CatalogueImportForm()}
    )


def catalogue_export(request: HttpRequest) -> FileResponse:
    return catalogue_xlsx.export_response(template_only=request.GET.get("template") == "1")


def catalogue_import(request: HttpRequest) -> HttpResponse:
    _catalogue_admin_or_403(request)
    errors: list[str] = []
    if request.method == "POST":
        form = CatalogueImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                uploads.check_upload(upload)
            except uploads.UploadRefused as exc:
                errors = [exc.message]
            else:
                # Read, checked and written on the worker; the job page lists any problem.
                job = catalogue_xlsx.start_import(upload, by=request.user)
                return redirect("jobs:detail", pk=job.pk)
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


def procedure_options(request: HttpRequest) -> HttpResponse:
    """htmx: procedures matching ``q`` as <option>s for the datalist."""
    q = request.GET.get("procedure", request.GET.get("q", ""))
    rows = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    items = matching_procedures(rows, q)[:30]
    return render(request, "dossiers/procedure_options.html", {"procedures": items})
