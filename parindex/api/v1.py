"""/api/v1/: dossiers (register filters, detail, creation, workflow moves), catalogue, Biểu 06
figures and indicators. Every operation goes through the token's wards (``tokens.ward_ids``): a
dossier of another ward is "not found", exactly as on the screens."""

from __future__ import annotations

import base64
import binascii
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Annotated

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Path, Query
from ninja import Status as HttpStatus
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from dossiers import moves, privacy, workflow
from dossiers.filters import DossierFilterSet
from dossiers.forms import MOVE_FORMS, DossierForm, OnlineSubmissionForm
from dossiers.models import Dossier, Field, OnlineSubmission, Procedure, Rating, Status
from parindex.analytics import indicators
from parindex.api import exchange, tokens
from parindex.api.errors import ApiError, ErrorOut, form_errors, in_language
from parindex.api.models import ApiToken, IdempotencyKey
from parindex.api.schemas import (
    DossierFilters,
    DossierIn,
    DossierOut,
    DossierPage,
    ExchangeBatch,
    ExchangeExport,
    ExchangeResult,
    FieldOut,
    FiguresOut,
    IndicatorsOut,
    MoveIn,
    PeriodQuery,
    ProcedureOut,
    SubmissionIn,
    SubmissionOut,
)
from parindex.base.models import Ward
from parindex.base.periods import PeriodError, period_from_query

# Bounded so that no database backend overflows on an absurd id.
DossierId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MoveName = Annotated[str, Path(max_length=40)]

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``. No cookies are read, so CSRF does not apply."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.find(token)
        if found is None:
            return None
        request.api_token = found
        if tokens.over_limit(found):
            raise ApiError(429, "rate_limited", gettext_lazy("Vượt quá số lượt gọi cho phép mỗi phút."))
        return found


api = NinjaAPI(
    title="parindex API",
    version="1",
    description="Hồ sơ một cửa, danh mục thủ tục, số liệu Biểu 06 và chỉ số của phường.",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url="/docs",
)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    error = ApiError(401, "unauthenticated", gettext_lazy("Thiếu mã kết nối, mã sai hoặc đã bị thu hồi."))
    return api.create_response(request, error.body(), status=401)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        name = ".".join(str(p) for p in item.get("loc", ())[1:]) or "body"
        fields.setdefault(name, []).append(str(item.get("msg", "")))
    error = ApiError(422, "invalid", gettext_lazy("Dữ liệu gửi lên không hợp lệ."), fields=fields)
    return api.create_response(request, error.body(), status=422)


def _token(request) -> ApiToken:
    return request.auth


def _need_write(request) -> ApiToken:
    token = _token(request)
    if not token.can_write:
        raise ApiError(403, "read_only", gettext_lazy("Mã kết nối này chỉ có quyền đọc."))
    return token


def _ward(request, code: str) -> Ward:
    ward = Ward.objects.filter(code=code, id__in=tokens.ward_ids(_token(request))).first()
    if ward is None:
        raise ApiError(
            404, "ward_not_found", lambda: _("Không tìm thấy phường “{code}”.").format(code=code[:20])
        )
    return ward


def _dossiers(request):
    # The register's one predicate: the token's wards' dossiers, and those their counters
    # received for another unit (read in the counter's role, see move_dossier).
    return Dossier.objects.for_wards(tokens.ward_ids(_token(request))).select_related("received_by_ward")


def _get(request, pk: int) -> Dossier:
    dossier = _dossiers(request).select_related("procedure", "field", "ward").filter(pk=pk).first()
    if dossier is None:
        raise ApiError(404, "not_found", gettext_lazy("Không tìm thấy hồ sơ."))
    return dossier


def dossier_out(d: Dossier, ward_ids=None) -> dict:
    """``ward_ids``: the token's wards. A token of the counter that received the dossier for
    another unit is offered only the counter's moves (``workflow.moves_for``)."""
    # An integration reads masked personal data: it is not an officer of the dossier's field.
    personal = privacy.personal_data(d, full=False)
    return {
        "id": d.pk,
        "code": d.code,
        "official_code": getattr(d, "official_code", "") or "",
        "ward": d.ward.code,
        "received_by": d.received_by_ward.code if d.received_by_ward_id else "",
        "procedure": d.procedure.code,
        "procedure_name": d.procedure.name,
        "field": d.field.code,
        "channel": d.channel,
        "status": d.status,
        "status_label": in_language("vi", d.get_status_display),
        "outcome": d.outcome,
        "received_at": d.received_at,
        "due_date": d.due_date,
        "due_at": d.due_at,
        "resolved_at": d.resolved_at,
        "returned_at": d.returned_at,
        "applicant_name": d.applicant_name,
        "applicant_id_number": personal.id_number,
        "applicant_phone": personal.phone,
        "sets": d.sets,
        "fee": int(d.fee),
        "paid_online": d.paid_online,
        "digitised_at_reception": d.digitised_at_reception,
        "e_circulated": d.e_circulated,
        "electronic_result": d.electronic_result,
        "version": d.version,
        "allowed_moves": _moves(d, ward_ids),
    }


def _moves(d: Dossier, ward_ids) -> list[str]:
    if ward_ids is None or d.ward_id in ward_ids:
        return workflow.allowed_moves(d)
    return workflow.moves_for(d, handler=False, counter=d.received_by_ward_id in ward_ids)


# --- cursor ------------------------------------------------------------------------------------


def _encode_cursor(d: Dossier) -> str:
    raw = "{}|{}".format(d.received_at.isoformat(), d.pk)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        at = parse_datetime(moment)
        if at is None or timezone.is_naive(at):
            raise ValueError(moment)
        if not 0 < int(pk) < 2**63:  # beyond a bigint the database would fail, not answer
            raise ValueError(pk)
        return at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", gettext_lazy("Con trỏ trang không hợp lệ.")) from None


# --- dossiers ----------------------------------------------------------------------------------


@api.get("/dossiers", response={200: DossierPage, **ERRORS}, tags=["dossiers"])
def list_dossiers(request, filters: Query[DossierFilters]):
    """The register, newest first, with its filters; pages by ``cursor``."""
    token = _token(request)
    qs = _dossiers(request)
    if filters.ward:
        qs = qs.filter(ward=_ward(request, filters.ward))
    # The register's own FilterSet reads its parameters (``DossierFilters`` documents them).
    filterset = DossierFilterSet(
        request.GET, qs, user=token.user, today=timezone.localdate(), now=timezone.now()
    )
    if filterset.is_bound and not filterset.is_valid():
        raise ApiError(
            400,
            "invalid",
            gettext_lazy("Bộ lọc không hợp lệ."),
            fields={k: [str(m) for m in v] for k, v in filterset.errors.items()},
        )
    qs = filterset.qs.select_related("procedure", "field", "ward").order_by("-received_at", "-id")
    if filters.cursor:
        at, pk = _decode_cursor(filters.cursor)
        qs = qs.filter(received_at__lte=at).exclude(received_at=at, id__gte=pk)
    rows = list(qs[: filters.limit + 1])
    ward_ids = tokens.ward_ids(token)
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [dossier_out(d, ward_ids) for d in rows],
        "next_cursor": _encode_cursor(rows[-1]) if more else None,
    }


@api.get("/dossiers/{dossier_id}", response={200: DossierOut, **ERRORS}, tags=["dossiers"])
def get_dossier(request, dossier_id: DossierId):
    return dossier_out(_get(request, dossier_id), tokens.ward_ids(_token(request)))


@api.post("/dossiers", response={201: DossierOut, 200: DossierOut, **ERRORS}, tags=["dossiers"])
def create_dossier(request, payload: DossierIn):
    """Receive a dossier (``workflow.receive``), with the entry form's rules. Send an
    ``Idempotency-Key`` header: a retry with the same key returns the first dossier (200)."""
    token = _need_write(request)
    counter = None
    if payload.received_by:
        # Reception for another ward: the counter is the token's; the competent ward is any ward
        # of the counter's area (the workflow checks the area, as on the entry form).
        counter = _ward(request, payload.received_by)
        ward = Ward.objects.filter(code=payload.ward).select_related("city").first()
        if ward is None:
            raise ApiError(
                404,
                "ward_not_found",
                lambda: _("Không tìm thấy phường “{code}”.").format(code=payload.ward[:20]),
            )
    else:
        ward = _ward(request, payload.ward)
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 100 or "\x00" in key:
        raise ApiError(400, "bad_idempotency_key", gettext_lazy("Idempotency-Key dài tối đa 100 ký tự."))
    if key:
        first = IdempotencyKey.objects.filter(token=token, key=key).select_related("dossier").first()
        if first is not None:
            return HttpStatus(200, dossier_out(_get(request, first.dossier_id), tokens.ward_ids(token)))
    data = payload.dict()
    data.pop("ward")
    data.pop("received_by")
    result_at_counter = data.pop("result_at_counter")
    now = timezone.now()
    form, fields, fields_en = form_errors(DossierForm, data, now=now)
    if fields:
        raise ApiError(
            422, "invalid", gettext_lazy("Dữ liệu gửi lên không hợp lệ."), fields=fields, fields_en=fields_en
        )
    clean = form.cleaned_data
    try:
        with transaction.atomic():
            dossier = workflow.receive(
                ward=ward,
                procedure=form.procedure_obj,
                channel=clean["channel"],
                received_at=clean["received_at"],
                applicant_name=clean["applicant_name"],
                by=token.user,
                applicant_id_number=clean["applicant_id_number"],
                applicant_phone=clean["applicant_phone"],
                applicant_email=clean["applicant_email"],
                applicant_address=clean["applicant_address"],
                documents=clean["documents"],
                sets=clean["sets"],
                fee=clean["fee"],
                paid_online=clean["paid_online"],
                digitised_at_reception=clean["digitised_at_reception"],
                e_circulated=clean["e_circulated"],
                backdate_reason=clean["backdate_reason"],
                now=now,
                verification=clean["verification"],
                received_by=counter,
                result_at_counter=result_at_counter,
            )
            if key:
                # Same transaction: a concurrent retry with the key waits on the unique index,
                # then fails and is answered with this dossier below.
                IdempotencyKey.objects.create(token=token, key=key, dossier=dossier)
    except IntegrityError:
        first = IdempotencyKey.objects.filter(token=token, key=key).first() if key else None
        if first is None:
            raise
        return HttpStatus(200, dossier_out(_get(request, first.dossier_id), tokens.ward_ids(token)))
    except workflow.WorkflowError as exc:
        raise _refused(exc) from exc
    return HttpStatus(201, dossier_out(_get(request, dossier.pk), tokens.ward_ids(token)))


def _refused(exc: workflow.WorkflowError) -> ApiError:
    message = exc.message

    def text() -> str:
        # Workflow messages are built in Vietnamese when refused; English gets the general sense.
        if translation.get_language() == "vi":
            return message
        return _("Thao tác bị từ chối theo quy trình; lý do chi tiết ở message_vi.")

    return ApiError(409, "refused", text)


@api.post(
    "/dossiers/{dossier_id}/moves/{move}",
    response={200: DossierOut, 409: ErrorOut, **ERRORS},
    tags=["dossiers"],
)
def move_dossier(request, dossier_id: DossierId, move: MoveName, payload: MoveIn):
    """One workflow move (the screen's buttons): start, request_supplement, resume, send_to_agency,
    return_from_agency, resolve, return_result, reject_at_reception, withdraw, stop,
    issue_apology, rate; accept_transfer and refuse_transfer (``to_ward``: a ward code) for a
    dossier another ward's counter received. Fields each move reads are those of its screen form."""
    token = _need_write(request)
    dossier = _get(request, dossier_id)
    if dossier.ward_id not in tokens.ward_ids(token) and move not in workflow.moves_for(
        dossier, handler=False, counter=True
    ):
        raise ApiError(
            403,
            "counter_only",
            gettext_lazy("Nơi tiếp nhận chỉ trả kết quả; hồ sơ do đơn vị có thẩm quyền giải quyết."),
        )
    if move not in MOVE_FORMS:
        raise ApiError(404, "unknown_move", lambda: _("Không có thao tác “{move}”.").format(move=move[:40]))
    data = {k: v for k, v in payload.dict().items() if v is not None}
    if "to_ward" in data:
        # the API names wards by code; the screen's form by id (an unknown code: "not a valid choice")
        target = Ward.objects.filter(code=data["to_ward"]).values_list("pk", flat=True).first()
        data["to_ward"] = target or 0
    form, fields, fields_en = form_errors(MOVE_FORMS[move], data)
    if fields:
        raise ApiError(
            422, "invalid", gettext_lazy("Dữ liệu gửi lên không hợp lệ."), fields=fields, fields_en=fields_en
        )
    clean = form.cleaned_data
    try:
        if clean.get("version") and clean["version"] != dossier.version:
            raise workflow.StaleEdit(
                _("Hồ sơ vừa được người khác cập nhật, thao tác chưa được thực hiện. Hãy xem lại trang.")
            )
        if move == "rate" and (
            dossier.status == Status.REJECTED or Rating.objects.filter(dossier=dossier).exists()
        ):
            raise workflow.WorkflowError(_("Hồ sơ này không thể ghi nhận đánh giá."))
        moves.perform(move, dossier, clean, by=token.user)
    except workflow.WorkflowError as exc:
        raise _refused(exc) from exc
    if move == "refuse_transfer":
        # Sent on: the dossier left the token's scope; the answer shows where it went.
        sent = Dossier.objects.select_related("procedure", "field", "ward", "received_by_ward").get(
            pk=dossier_id
        )
        return HttpStatus(200, dossier_out(sent, tokens.ward_ids(token)))
    return HttpStatus(200, dossier_out(_get(request, dossier_id), tokens.ward_ids(token)))


# --- online submissions: the ward's inbox -------------------------------------------------------


def submission_out(s: OnlineSubmission) -> dict:
    return {
        "id": s.pk,
        "ward": s.ward.code,
        "procedure": s.procedure.code,
        "official_code": s.official_code,
        "submitted_at": s.submitted_at,
        "accept_by": s.accept_by,
        "state": s.state,
        "decided_at": s.decided_at,
        "refusal_reason": s.refusal_reason,
        "dossier_id": s.dossier_id,
        "dossier_code": s.dossier.code if s.dossier_id else None,
    }


def _get_submission(request, pk: int) -> OnlineSubmission:
    found = (
        OnlineSubmission.objects.filter(ward_id__in=tokens.ward_ids(_token(request)), pk=pk)
        .select_related("ward", "procedure", "dossier")
        .first()
    )
    if found is None:
        raise ApiError(404, "not_found", gettext_lazy("Không tìm thấy hồ sơ trực tuyến."))
    return found


@api.post(
    "/submissions",
    response={201: SubmissionOut, 200: SubmissionOut, 409: ErrorOut, **ERRORS},
    tags=["submissions"],
)
def create_submission(request, payload: SubmissionIn):
    """Put an online submission in the ward's inbox. It is not a dossier yet: an officer accepts
    it (the clock starts then) or refuses it. The same ``official_code`` sent again returns the
    first submission (200)."""
    token = _need_write(request)
    ward = _ward(request, payload.ward)
    data = payload.dict()
    data.pop("ward")
    now = timezone.now()
    form, fields, fields_en = form_errors(OnlineSubmissionForm, data, now=now)
    if fields:
        raise ApiError(
            422, "invalid", gettext_lazy("Dữ liệu gửi lên không hợp lệ."), fields=fields, fields_en=fields_en
        )
    clean = form.cleaned_data
    try:
        submission, created = workflow.submit_online(
            ward=ward,
            procedure=form.procedure_obj,
            submitted_at=clean["submitted_at"],
            applicant_name=clean["applicant_name"],
            by=token.user,
            official_code=clean["official_code"],
            applicant_id_number=clean["applicant_id_number"],
            applicant_phone=clean["applicant_phone"],
            applicant_email=clean["applicant_email"],
            applicant_address=clean["applicant_address"],
            documents=clean["documents"],
            fee=clean["fee"],
            paid_online=clean["paid_online"],
        )
    except workflow.WorkflowError as exc:
        raise _refused(exc) from exc
    except IntegrityError:
        # Two sends of the same code at once: the second finds the first.
        submission = OnlineSubmission.objects.filter(ward=ward, official_code=clean["official_code"]).first()
        if submission is None:
            raise
        created = False
    return HttpStatus(201 if created else 200, submission_out(_get_submission(request, submission.pk)))


@api.get("/submissions/{submission_id}", response={200: SubmissionOut, **ERRORS}, tags=["submissions"])
def get_submission(request, submission_id: DossierId):
    """Where a submission stands: waiting, accepted (with the dossier's code) or refused (why)."""
    return submission_out(_get_submission(request, submission_id))


# --- catalogue ---------------------------------------------------------------------------------


@api.get("/fields", response={200: list[FieldOut], **ERRORS}, tags=["catalogue"])
def list_fields(request):
    return [{"id": f.id, "code": f.code, "name": f.name} for f in Field.objects.all()]


@api.get("/procedures", response={200: list[ProcedureOut], **ERRORS}, tags=["catalogue"])
def list_procedures(request):
    """Procedure versions in force today."""
    qs = Procedure.objects.in_force_on(timezone.localdate()).select_related("field")
    return [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "field": p.field.code,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "same_day": p.same_day,
            "processing_days": p.processing_days,
            "verification_days": p.verification_days,
            "fee": int(p.fee),
            "online_level": p.online_level,
        }
        for p in qs
    ]


# --- figures -----------------------------------------------------------------------------------


def _period(request, query: PeriodQuery):
    try:
        return period_from_query(request.GET, timezone.localdate())
    except PeriodError as exc:
        message = str(exc)
        raise ApiError(400, "bad_period", lambda: message) from None


def _ward_indicators(request, query: PeriodQuery):
    ward = _ward(request, query.ward)
    period = _period(request, query)
    result = indicators.summary([ward.id], period)
    return ward, period, result.wards.get(ward.id) or indicators.WardIndicators(ward.id, period)


def _period_out(period) -> dict:
    return {"kind": period.kind, "start": period.start, "end": period.end}


def _counts(counts) -> dict:
    return {name: getattr(counts, name) for name in indicators.COUNT_BUCKETS}


def _service(service) -> dict:
    return {f.name: getattr(service, f.name) for f in dataclass_fields(service)}


@api.get("/figures", response={200: FiguresOut, **ERRORS}, tags=["figures"])
def figures(request, query: Query[PeriodQuery]):
    """Biểu 06 (columns 3-13) and the service counts of a ward for a period, per field and in
    total: the dashboard's numbers, from the same engine."""
    ward, period, values = _ward_indicators(request, query)
    fields = {f.id: f for f in Field.objects.all()}
    rows = sorted(values.by_field.items(), key=lambda kv: (fields[kv[0]].sort_order, fields[kv[0]].name))
    return {
        "ward": ward.code,
        "period": _period_out(period),
        "total": _counts(values.counts),
        "service": _service(values.service),
        "fields": [
            {
                "field": fields[fid].code,
                "field_name": fields[fid].name,
                "counts": _counts(counts),
                "service": _service(service),
            }
            for fid, (counts, service) in rows
        ],
    }


@api.get("/indicators", response={200: IndicatorsOut, **ERRORS}, tags=["figures"])
def indicator_values(request, query: Query[PeriodQuery]):
    """Every indicator of the registry for a ward and period, with its target and status."""
    ward, period, values = _ward_indicators(request, query)
    out = []
    for code, item in values.indicators.items():
        target = values.targets.get((code, None))
        value = item.value
        out.append(
            {
                "code": code,
                "label": in_language("vi", item.definition.label),
                "kind": item.definition.kind,
                "value": float(item.number) if item.number is not None else None,
                "numerator": value.numerator if isinstance(value, indicators.Ratio) else None,
                "denominator": value.denominator if isinstance(value, indicators.Ratio) else None,
                "target": float(target.threshold) if target is not None else None,
                "status": values.value_of(code).status,
            }
        )
    return {"ward": ward.code, "period": _period_out(period), "indicators": out}


# --- national exchange format ------------------------------------------------------------------


def _exchange_error(exc: exchange.ExchangeError) -> ApiError:
    with translation.override("vi"):
        vi = exc.render()
    with translation.override("en"):
        en = exc.render()

    def keyed(rendered):
        out: dict[str, list[str]] = {}
        for e in rendered:
            name = "data" if e["record"] is None else "data[{}].{}".format(e["record"], e["field"])
            out.setdefault(name, []).append(e["message"])
        return out

    first = exc.errors[0]
    index, code = first[0], first[1]
    return ApiError(
        422,
        "invalid_batch",
        lambda: _(
            "Lô dữ liệu bị từ chối, không ghi gì; bản ghi lỗi đầu tiên: số {index} (mã {code})."
        ).format(index=index, code=code or "?"),
        fields=keyed(vi),
        fields_en=keyed(en),
        record=index,
    )


@api.post("/exchange/dossiers", response={200: ExchangeResult, **ERRORS}, tags=["exchange"])
def exchange_dossiers(request, payload: ExchangeBatch):
    """Import DongBoHoSoMC records (dates yyyyMMddHHmmss, Asia/Ho_Chi_Minh), matched on MaHoSo.
    All or nothing; replaying a batch changes nothing."""
    token = _need_write(request)
    ward = _ward(request, payload.ward)
    try:
        result = exchange.import_dossiers({"data": payload.data}, ward=ward, by=token.user)
    except exchange.ExchangeError as exc:
        raise _exchange_error(exc) from exc
    return result.__dict__


@api.post("/exchange/progress", response={200: ExchangeResult, **ERRORS}, tags=["exchange"])
def exchange_progress(request, payload: ExchangeBatch):
    """Import CapNhatTienDoHoSoMC records for the ward's dossiers (matched on MaHoSo)."""
    _need_write(request)
    ward = _ward(request, payload.ward)
    try:
        result = exchange.import_progress({"data": payload.data}, ward=ward)
    except exchange.ExchangeError as exc:
        raise _exchange_error(exc) from exc
    return result.__dict__


@api.get("/exchange/dossiers", response={200: ExchangeExport, **ERRORS}, tags=["exchange"])
def exchange_export(request, query: Query[PeriodQuery]):
    """The ward's dossiers received in the period, as DongBoHoSoMC records."""
    ward = _ward(request, query.ward)
    return exchange.export_dossiers(ward, _period(request, query))
