"""Status moves of a dossier: the one place that changes a dossier's state.

Every function runs in ``transaction.atomic()``, locks the dossier row, checks the move against
``ALLOWED`` (the state machine), appends a ``DossierEvent`` and updates the row facts the
indicators count (status, due_date, resolved_at/resolved_on, outcome, ...), bumping ``version`` so
an edit form opened before the move is refused as stale. ``receive`` and ``_save`` then bring the
dossier's facts up to date (``dossiers/facts.py``) in the same transaction: a new move that saves
through ``_save`` needs nothing more.

``at`` may lie in the past (back-dated entry of paper records) but never before reception nor
before the dossier's latest recorded event: the timeline stays ordered. Nor may it lie in the
future beyond ``settings.CLOCK_SKEW`` (an office PC's clock running a little fast): a move dated
next month would block every later move at the real time.

These signatures are a contract for the demo seeder and the Excel importer: keep them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history
from unidecode import unidecode

from dossiers import calendar, codes, deadlines, facts
from dossiers.models import (
    Agency,
    ApologyLetter,
    Channel,
    DocumentSource,
    Dossier,
    DossierDocument,
    DossierEvent,
    DueChange,
    Extension,
    Hop,
    LogCounter,
    NoticeChannel,
    OnlineSubmission,
    Outcome,
    Procedure,
    ProcedureDocument,
    Rating,
    ResultDelivery,
    Status,
    SupplementRequest,
)
from parindex.base.access import may_approve_extension
from parindex.base.models import Ward
from parindex.base.names import full_name


class WorkflowError(Exception):
    """An illegal move or bad input; ``message`` is shown to the user as is (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleEdit(WorkflowError):
    """The dossier changed since the form was opened (optimistic locking)."""


# The state machine: move name -> statuses it may start from. The target status is fixed per move
# (see each function); "apology", "rate" and "edit" keep the status.
S = Status
ALLOWED: dict[str, tuple[str, ...]] = {
    "start": (S.RECEIVED,),
    "request_supplement": (S.RECEIVED, S.IN_PROGRESS),
    "resume": (S.SUPPLEMENT,),
    "send_to_agency": (S.RECEIVED, S.IN_PROGRESS),
    "return_from_agency": (S.AT_AGENCY,),
    "resolve": (S.RECEIVED, S.IN_PROGRESS),
    "return_result": (S.RESOLVED,),
    "reject_at_reception": (S.RECEIVED,),
    "withdraw": (S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.AT_AGENCY),
    "stop": (S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.AT_AGENCY),
    "extend_verification": (S.RECEIVED, S.IN_PROGRESS, S.AT_AGENCY),
    # Also after the result: a late dossier resolved without a letter still owes the applicant one
    # (recorded as issued late).
    "issue_apology": (S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.AT_AGENCY, S.RESOLVED, S.RETURNED),
    "edit": (S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.AT_AGENCY),
    # Reception for another unit: the competent ward takes in what another ward's counter received.
    "accept_transfer": (S.RECEIVED,),
    # ... or sends it on when it was sent by mistake (to the counter's ward or another of the area).
    "refuse_transfer": (S.RECEIVED,),
    # Form 04 since Thông tư 03/2025: the request and the leader's decision. Decided while the
    # clock runs (a decision during a supplement pause would restart a stopped clock).
    "request_extension": (S.RECEIVED, S.IN_PROGRESS, S.AT_AGENCY),
    "approve_extension": (S.RECEIVED, S.IN_PROGRESS, S.AT_AGENCY),
    "refuse_extension": (S.RECEIVED, S.IN_PROGRESS, S.AT_AGENCY, S.SUPPLEMENT),
}

# What the counter that received a dossier for another unit may do with it: hand the result
# back to the applicant when it is collected there. Everything else is the competent unit's.
COUNTER_MOVES = ("return_result",)

# The order moves are offered in: the usual next step of each status first, the rare and
# final ones (refuse, withdraw, stop) last.
MOVE_ORDER = [
    "accept_transfer",
    "refuse_transfer",
    "start",
    "resolve",
    "resume",
    "return_from_agency",
    "return_result",
    "rate",
    "request_supplement",
    "send_to_agency",
    "extend_verification",
    "approve_extension",
    "refuse_extension",
    "issue_apology",
    "request_extension",
    "edit",
    "reject_at_reception",
    "withdraw",
    "stop",
]
FINAL_MOVES = ("reject_at_reception", "withdraw", "stop")

MOVE_LABELS = {
    "receive": gettext_noop("Tiếp nhận hồ sơ"),
    "start": gettext_noop("Chuyển xử lý"),
    "request_supplement": gettext_noop("Yêu cầu bổ sung"),
    "resume": gettext_noop("Nhận đủ bổ sung, tiếp tục xử lý"),
    "send_to_agency": gettext_noop("Chuyển cơ quan khác"),
    "return_from_agency": gettext_noop("Nhận lại từ cơ quan khác"),
    "resolve": gettext_noop("Có kết quả giải quyết"),
    "return_result": gettext_noop("Trả kết quả"),
    "reject_at_reception": gettext_noop("Từ chối tiếp nhận"),
    "withdraw": gettext_noop("Công dân rút hồ sơ"),
    "stop": gettext_noop("Dừng giải quyết"),
    "extend_verification": gettext_noop("Gia hạn để xác minh"),
    "issue_apology": gettext_noop("Phát hành thư xin lỗi"),
    "request_extension": gettext_noop("Xin lỗi và đề nghị gia hạn"),
    "approve_extension": gettext_noop("Lãnh đạo duyệt gia hạn"),
    "refuse_extension": gettext_noop("Lãnh đạo không duyệt gia hạn"),
    "rate": gettext_noop("Ghi nhận đánh giá"),
    "edit": gettext_noop("Sửa thông tin hồ sơ"),
    "accept_transfer": gettext_noop("Nhận hồ sơ chuyển đến"),
    "refuse_transfer": gettext_noop("Trả lại hồ sơ chuyển nhầm"),
}

# The moves of a dossier awaiting the competent unit's acceptance, and only those.
TRANSFER_MOVES = ("accept_transfer", "refuse_transfer")


# The applicant rates the service once there is a result to rate.
RATABLE_STATUSES = (Status.RESOLVED, Status.RETURNED)


def is_ratable(dossier: Dossier) -> bool:
    return dossier.status in RATABLE_STATUSES


def allowed_moves(dossier: Dossier) -> list[str]:
    """The moves the dossier's status allows, the most likely first (``MOVE_ORDER``).

    A dossier transferred from another ward's counter allows only its acceptance (or sending it
    back when it was sent by mistake) until then."""
    if dossier.awaiting_acceptance:
        return list(TRANSFER_MOVES)
    moves = [
        move for move, sources in ALLOWED.items() if dossier.status in sources and move not in TRANSFER_MOVES
    ]
    if dossier.received_elsewhere and dossier.result_at_counter:
        # The result goes back through the counter that received it.
        moves = [m for m in moves if m != "return_result"]
    return sorted(moves, key=MOVE_ORDER.index)


def moves_for(dossier: Dossier, *, handler: bool, counter: bool) -> list[str]:
    """The moves offered to a reader of ``dossier``: ``handler`` works for its competent unit,
    ``counter`` at the other ward's counter that received it (``parindex.base.access``)."""
    if handler:
        return allowed_moves(dossier)
    if counter and dossier.result_at_counter and not dossier.awaiting_acceptance:
        return [m for m in COUNTER_MOVES if dossier.status in ALLOWED[m]]
    return []


def make_search_text(*parts: str) -> str:
    return unidecode(" ".join(p for p in parts if p).lower())[:600]


def _refresh_search(dossier: Dossier) -> None:
    dossier.search_text = make_search_text(
        dossier.code,
        dossier.applicant_name,
        dossier.applicant_phone,
        dossier.applicant_id_number,
        dossier.official_code,
    )


def _lock(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "ward", "received_by_ward")
        .get(pk=dossier.pk)
    )


def _check(move: str, locked: Dossier) -> None:
    if locked.awaiting_acceptance and move not in TRANSFER_MOVES:
        raise WorkflowError(
            _("Hồ sơ do {counter} tiếp nhận, chuyển đến: phải nhận hồ sơ chuyển đến trước.").format(
                counter=locked.received_by_ward.name
            )
        )
    if move in TRANSFER_MOVES and not locked.awaiting_acceptance:
        raise WorkflowError(_("Hồ sơ không chờ nhận chuyển đến."))
    if locked.status not in ALLOWED[move]:
        raise WorkflowError(
            _("Không thể thực hiện “{move}” khi hồ sơ đang ở trạng thái “{status}”.").format(
                move=_(MOVE_LABELS[move]), status=locked.get_status_display()
            )
        )


def latest_allowed_time(now: datetime | None = None) -> datetime:
    """The latest moment a move (or a reception) may be dated: now plus the tolerated clock skew."""
    return (now or timezone.now()) + settings.CLOCK_SKEW


def future_time_error(at: datetime, now: datetime | None = None) -> str:
    """The message refusing ``at`` when it lies in the future beyond the clock skew, else ""."""
    latest = latest_allowed_time(now)
    if at <= latest:
        return ""
    return _("Thời điểm không được ở tương lai (muộn nhất {when}).").format(
        when=timezone.localtime(latest).strftime("%H:%M %d/%m/%Y")
    )


def _check_time(locked: Dossier, at: datetime) -> None:
    if timezone.is_naive(at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
    future = future_time_error(at)
    if future:
        raise WorkflowError(future)
    if at < locked.received_at:
        raise WorkflowError(_("Thời điểm không được trước thời điểm tiếp nhận hồ sơ."))
    last = locked.events.aggregate(last=Max("at"))["last"]
    if last is not None and at < last:
        raise WorkflowError(
            _("Thời điểm không được trước thao tác gần nhất ({when}).").format(
                when=timezone.localtime(last).strftime("%H:%M %d/%m/%Y")
            )
        )


def _save(
    locked: Dossier, dossier: Dossier, *, by, at: datetime, kind: str, from_status: str, note: str = ""
):
    locked.version += 1
    locked._history_user = by
    # the msgid, not its translation: the history page translates it into the reader's language
    locked._change_reason = MOVE_LABELS[kind]
    locked.save()
    DossierEvent.objects.create(
        dossier=locked, kind=kind, from_status=from_status, to_status=locked.status, at=at, by=by, note=note
    )
    # The facts the dashboards read, in the same transaction (dossiers/facts.py).
    facts.refresh([locked.pk])
    # The caller's object reflects the new state without another query.
    for f in locked._meta.concrete_fields:
        setattr(dossier, f.attname, getattr(locked, f.attname))


def _close(locked: Dossier, at: datetime, status: str, outcome: str) -> None:
    locked.status = status
    locked.outcome = outcome
    locked.resolved_at = at
    locked.resolved_on = calendar.local_date(at)


def reception_area(counter: Ward):
    """The wards a counter may receive dossiers for (Nghị định 118/2025: regardless of
    administrative boundary within the province): those of its city, and of every city of the
    same province when the province is recorded."""
    province = counter.city.province.strip()
    area = Q(city_id=counter.city_id)
    if province:
        area |= Q(city__province=province)
    return Ward.objects.filter(area)


def _next_log_entry(ward: Ward, received_at: datetime) -> tuple[int, int, int]:
    """(year, volume, number) of the dossier log: the counter row is locked until the reception's
    transaction ends, so concurrent receptions take consecutive numbers and a rolled-back one
    gives its number back (no gaps, unlike a database sequence)."""
    year = calendar.local_date(received_at).year
    counter, _created = LogCounter.objects.select_for_update().get_or_create(ward=ward, year=year)
    counter.last += 1
    # an update, not save(): the counter's history records volume changes, not every reception
    LogCounter.objects.filter(pk=counter.pk).update(last=counter.last)
    return year, counter.volume, counter.last


def set_log_volume(*, ward: Ward, year: int, volume: int, by) -> LogCounter:
    """Open volume ``volume`` of ``ward``'s dossier log for ``year`` (quyển số): the ward's leader
    or an administrator. The entry numbers go on (the last number is never set by hand); the
    change is in the counter's history with who made it."""
    if not 2000 <= year <= 2100:
        raise WorkflowError(_("Năm phải từ 2000 đến 2100."))
    if not 1 <= volume <= 999:
        raise WorkflowError(_("Quyển số phải từ 1 đến 999."))
    with transaction.atomic():
        # the receptions' row lock: a number taken meanwhile is not overwritten
        counter, _created = LogCounter.objects.select_for_update().get_or_create(ward=ward, year=year)
        counter.volume = volume
        counter._history_user = by
        counter._change_reason = gettext_noop("Đổi quyển sổ theo dõi hồ sơ")
        counter.save(update_fields=["volume"])
    return counter


_PAPER_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<kind>[^,()]+),\s*(?P<copies>\d{1,3})\)\s*$")
# The checklist's words (ProcedureDocument.line), in Vietnamese and in the officer's language.
_PAPER_KINDS = {
    "bản chính": ProcedureDocument.Kind.ORIGINAL,
    "bản sao": ProcedureDocument.Kind.COPY,
    "bản chính hoặc bản sao": ProcedureDocument.Kind.EITHER,
}


def paper_rows(documents: str) -> list[tuple[str, str, int]]:
    """The dossier's list of documents as rows (name, original/copy, copies): the checklist writes
    "Tờ khai (bản chính, 1)"; a line typed otherwise keeps its text, kind unknown, one copy."""
    kinds = {**{str(label).lower(): value for value, label in ProcedureDocument.Kind.choices}, **_PAPER_KINDS}
    rows = []
    for line in documents.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _PAPER_RE.match(line)
        kind = kinds.get(match["kind"].strip().lower()) if match else None
        if match and kind is not None and int(match["copies"]) >= 1:
            rows.append((match["name"][:300], kind, int(match["copies"])))
        else:
            rows.append((line[:300], "", 1))
    return rows


def _write_papers(dossier: Dossier, *, by, sources: list[str] | None = None) -> None:
    """The dossier's document rows from its list of documents: name, original/copy and copies as
    form 01 prints them, and how each is held (``sources`` line by line when the counter chose;
    else the source a row of the same name had, else the dossier's digitised flag)."""
    before = dict(dossier.papers.values_list("name", "source"))
    dossier.papers.all().delete()
    fallback = DocumentSource.DIGITISED if dossier.digitised_at_reception else DocumentSource.PAPER
    rows = []
    for i, (name, kind, copies) in enumerate(paper_rows(dossier.documents), start=1):
        source = (sources[i - 1] if sources and i <= len(sources) else "") or before.get(name, fallback)
        rows.append(
            DossierDocument(dossier=dossier, position=i, name=name, kind=kind, copies=copies, source=source)
        )
    if rows:
        bulk_create_with_history(rows, DossierDocument, default_user=by)


# -- digitisation and payment facts (QĐ 766 groups 4 and 5) ----------------------------------


def counter_defaults(procedure: Procedure, channel: str) -> dict:
    """What the counter records when the officer leaves a fact on "as the procedure says": the
    fee of the catalogue, online payment for an online dossier of a procedure that offers it,
    documents digitised at reception (every document is handled electronically)."""
    charges = procedure.charges_fee
    return {
        "fee": procedure.fee,
        "paid_online": bool(charges and procedure.online_payment and channel == Channel.ONLINE),
        "digitised_at_reception": True,
        "document_source": DocumentSource.DIGITISED,
    }


def facts_error(
    *, fee: Decimal, paid_online: bool, payment_reference: str, electronic_result: bool, result_synced: bool
) -> str | None:
    """The one check of the payment and result facts, shared by the forms and the functions."""
    if paid_online and not fee:
        return _("Hồ sơ không có phí, lệ phí thì không thể ghi nhận thanh toán trực tuyến.")
    if payment_reference.strip() and not paid_online:
        return _("Mã giao dịch chỉ ghi khi hồ sơ đã thanh toán trực tuyến.")
    if result_synced and not electronic_result:
        return _("Chỉ đồng bộ vào kho dữ liệu cá nhân khi có kết quả điện tử.")
    return None


def _derive_digitisation(dossier: Dossier, sources: list[str]) -> None:
    """With documents listed one by one, the dossier's two flags follow them."""
    if sources:
        dossier.digitised_at_reception = all(s != DocumentSource.PAPER for s in sources)
        dossier.reused_data = any(s == DocumentSource.REUSED for s in sources)


def _applicant(name: str, id_number: str, phone: str, email: str, address: str) -> dict[str, str]:
    """The applicant's fields as the counter or the portal typed them, stripped."""
    return {
        "applicant_name": name.strip(),
        "applicant_id_number": id_number.strip(),
        "applicant_phone": phone.strip(),
        "applicant_email": email.strip(),
        "applicant_address": address.strip(),
    }


def _check_code_free(official_code: str) -> None:
    """A national dossier code (MaHoSo) is received once."""
    if official_code and Dossier.objects.filter(official_code=official_code).exists():
        raise WorkflowError(_("Mã hồ sơ quốc gia {code} đã được tiếp nhận.").format(code=official_code))


def receive(
    *,
    ward: Ward,
    procedure: Procedure,
    channel: str,
    received_at: datetime,
    applicant_name: str,
    by,
    applicant_id_number: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    applicant_address: str = "",
    documents: str = "",
    sets: int = 1,
    fee: Decimal | None = None,
    paid_online: bool = False,
    digitised_at_reception: bool = False,
    e_circulated: bool = False,
    payment_reference: str = "",
    reused_data: bool = False,
    citizen_data_connected: bool = False,
    document_sources: list[str] | None = None,
    backdate_reason: str = "",
    code: str | None = None,
    now: datetime | None = None,
    verification: bool = False,
    notify_consent: bool = False,
    notify_channel: str = "",
    official_code: str = "",
    received_by: Ward | None = None,
    result_at_counter: bool = False,
    result_delivery: str = ResultDelivery.COUNTER,
) -> Dossier:
    """Log a complete dossier, give it the next entry of the ward's dossier log and compute its
    appointment moment.

    ``received_by``: the ward whose counter took the dossier in when it is not ``ward`` (the
    competent unit), within the same city/province (Nghị định 118/2025). The dossier is then
    transferred electronically: ``ward`` numbers it, counts it and handles it once it accepts it
    (``accept_transfer``); the clock runs from the reception at the counter (docs/deadlines.md).

    Back-dating is checked only when ``now`` is given (the logging screen passes it): a reception
    time on an earlier day than ``now`` needs ``backdate_reason``; programmatic imports of past
    records omit ``now``.

    ``document_sources`` gives, line by line of ``documents``, how each document is held
    (``DocumentSource``); given, each line becomes a ``DossierDocument`` and the digitised / reused
    flags follow the documents. A line without a source takes the dossier-level flag.
    """
    if channel not in Channel.values:
        raise WorkflowError(_("Hình thức nộp không hợp lệ."))
    if not applicant_name.strip():
        raise WorkflowError(_("Chưa nhập họ tên người nộp."))
    if sets < 1:
        raise WorkflowError(_("Số bộ hồ sơ phải từ 1 trở lên."))
    if notify_channel not in ("", *NoticeChannel.values):
        raise WorkflowError(_("Kênh nhận thông báo không hợp lệ."))
    if result_delivery not in ResultDelivery.values:
        raise WorkflowError(_("Hình thức nhận kết quả không hợp lệ."))
    if timezone.is_naive(received_at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
    if received_by is not None and received_by.pk == ward.pk:
        received_by = None
    if received_by is not None and not reception_area(received_by).filter(pk=ward.pk).exists():
        raise WorkflowError(_("Chỉ tiếp nhận hồ sơ cho phường khác trong cùng thành phố, tỉnh."))
    if now is not None:
        if received_at > latest_allowed_time(now):
            raise WorkflowError(_("Thời điểm tiếp nhận không được ở tương lai."))
        if calendar.local_date(received_at) < calendar.local_date(now) and not backdate_reason.strip():
            raise WorkflowError(_("Nhập lùi ngày tiếp nhận phải ghi rõ lý do."))
    day = calendar.local_date(received_at)
    if not Procedure.objects.in_force_on(day).filter(pk=procedure.pk).exists():
        raise WorkflowError(
            _("Thủ tục {code} không có hiệu lực vào ngày {day}.").format(
                code=procedure.code, day=day.strftime("%d/%m/%Y")
            )
        )
    fee_amount = procedure.fee if fee is None else fee
    error = facts_error(
        fee=fee_amount,
        paid_online=paid_online,
        payment_reference=payment_reference,
        electronic_result=False,
        result_synced=False,
    )
    if error:
        raise WorkflowError(error)
    # one source per paper of the list, in the order form 01 prints them (``paper_rows``)
    lines = paper_rows(documents) if document_sources is not None else []
    fallback = DocumentSource.DIGITISED if digitised_at_reception else DocumentSource.PAPER
    sources = [
        (document_sources[i] if i < len(document_sources) else "") or fallback for i in range(len(lines))
    ]
    if any(s not in DocumentSource.values for s in sources):
        raise WorkflowError(_("Hình thức số hóa giấy tờ không hợp lệ."))
    due = deadlines.due_moment_for(
        procedure, received_at, channel, city_id=ward.city_id, verification=verification
    )
    try:
        with transaction.atomic():
            log_year, log_volume, log_number = _next_log_entry(ward, received_at)
            dossier = Dossier(
                ward=ward,
                log_year=log_year,
                log_volume=log_volume,
                log_number=log_number,
                result_delivery=result_delivery,
                code=code or codes.next_code(ward, procedure, received_at),
                received_by_ward=received_by,
                result_at_counter=bool(received_by and result_at_counter),
                official_code=official_code.strip(),
                procedure=procedure,
                field_id=procedure.field_id,
                channel=channel,
                status=Status.RECEIVED,
                received_at=received_at,
                backdate_reason=backdate_reason.strip(),
                original_due_date=calendar.local_date(due),
                **_applicant(
                    applicant_name, applicant_id_number, applicant_phone, applicant_email, applicant_address
                ),
                documents=documents,
                sets=sets,
                fee=fee_amount,
                paid_online=paid_online,
                payment_reference=payment_reference.strip()[:100],
                digitised_at_reception=digitised_at_reception,
                reused_data=reused_data,
                citizen_data_connected=citizen_data_connected,
                # a dossier received for another unit reaches it electronically
                e_circulated=e_circulated or received_by is not None,
                notify_consent=notify_consent,
                notify_channel=notify_channel if notify_consent else "",
                created_by=by,
            )
            _refresh_search(dossier)
            _derive_digitisation(dossier, sources)
            deadlines.set_due(dossier, due, since=received_at)
            dossier._history_user = by
            dossier.save()
            _write_papers(dossier, by=by, sources=sources)
            DueChange.objects.create(
                dossier=dossier, kind=DueChange.Kind.RECEPTION, effective_at=received_at, due_at=due
            )
            note = backdate_reason.strip()
            if received_by is not None:
                note = " ".join(
                    part
                    for part in (
                        _("Tiếp nhận tại {counter}, chuyển điện tử đến {ward}.").format(
                            counter=received_by.name, ward=ward.name
                        ),
                        note,
                    )
                    if part
                )
            DossierEvent.objects.create(
                dossier=dossier, kind="receive", to_status=Status.RECEIVED, at=received_at, by=by, note=note
            )
            facts.refresh([dossier.pk])
    except codes.CodeError as exc:
        raise WorkflowError(exc.message) from exc
    except IntegrityError as exc:
        if code and Dossier.objects.filter(ward=ward, code=code).exists():
            raise WorkflowError(_("Mã hồ sơ {code} đã tồn tại trong phường.").format(code=code)) from exc
        raise
    return dossier


@transaction.atomic
def accept_transfer(dossier: Dossier, *, by, at: datetime) -> Dossier:
    """The competent unit takes in a dossier another ward's counter received for it: from now on
    it is in its register to handle. The status stays "received"; the due moment is unchanged."""
    locked = _lock(dossier)
    _check("accept_transfer", locked)
    _check_time(locked, at)
    locked.transfer_accepted_at = at
    locked.transfer_accepted_by = by
    note = _("Nhận hồ sơ do {counter} tiếp nhận.").format(counter=locked.received_by_ward.name)
    _save(locked, dossier, by=by, at=at, kind="accept_transfer", from_status=locked.status, note=note)
    return dossier


@transaction.atomic
def refuse_transfer(
    dossier: Dossier, *, by, at: datetime, reason: str, to_ward: Ward | None = None
) -> Dossier:
    """The ward a dossier was transferred to is not competent (sent by mistake): it sends the
    dossier, with the reason, to ``to_ward`` -- by default the ward whose counter received it,
    else another ward of that counter's area (docs/deadlines.md).

    The dossier becomes ``to_ward``'s: it keeps the code printed on the applicant's receipt (the
    public lookup finds it by that code) and takes the next entry of that ward's dossier log (the
    refused entry stays in the event's note and the history); it is counted there, once. Sent back to the
    counter's own ward it is an ordinary dossier of that ward; sent on to a third ward, that
    ward must accept it. The reception moment and the due moment do not change."""
    if not reason.strip():
        raise WorkflowError(_("Phải ghi rõ lý do trả lại hồ sơ."))
    locked = _lock(dossier)
    _check("refuse_transfer", locked)
    _check_time(locked, at)
    counter = locked.received_by_ward
    target = to_ward or counter
    if target.pk == locked.ward_id:
        raise WorkflowError(_("Phải chọn phường khác với phường trả lại hồ sơ."))
    if not reception_area(counter).filter(pk=target.pk).exists():
        raise WorkflowError(
            _("Chỉ chuyển hồ sơ đến phường khác trong cùng thành phố, tỉnh của nơi tiếp nhận.")
        )
    old_ward, old_code = locked.ward, locked.code
    old_entry = "{n}/{v}/{y}".format(n=locked.log_number, v=locked.log_volume, y=locked.log_year)
    try:
        with transaction.atomic():
            locked.ward = target
            locked.log_year, locked.log_volume, locked.log_number = _next_log_entry(
                target, locked.received_at
            )
            if Dossier.objects.filter(ward=target, code=locked.code).exists():
                # the receipt's code is kept unless the new ward already has it
                locked.code = codes.next_code(target, locked.procedure, locked.received_at)
            if target.pk == counter.pk:
                # back at the counter's own ward: an ordinary dossier of that ward
                locked.received_by_ward = None
                locked.result_at_counter = False
            _refresh_search(locked)
            note = _("{ward} trả lại hồ sơ {code} (sổ {entry}), chuyển đến {target}. Lý do: {reason}").format(
                ward=old_ward.name, code=old_code, entry=old_entry, target=target.name, reason=reason.strip()
            )
            _save(locked, dossier, by=by, at=at, kind="refuse_transfer", from_status=locked.status, note=note)
    except codes.CodeError as exc:
        raise WorkflowError(exc.message) from exc
    return dossier


@transaction.atomic
def start(dossier: Dossier, *, by, at: datetime, assignee=None) -> Dossier:
    locked = _lock(dossier)
    _check("start", locked)
    _check_time(locked, at)
    frm = locked.status
    locked.status = Status.IN_PROGRESS
    locked.assignee = assignee or by
    _save(locked, dossier, by=by, at=at, kind="start", from_status=frm)
    return dossier


@transaction.atomic
def request_supplement(
    dossier: Dossier, *, by, at: datetime, items: str, stage: str = "", legal_basis: str = ""
) -> SupplementRequest:
    if not items.strip():
        raise WorkflowError(_("Phải liệt kê đầy đủ giấy tờ cần bổ sung."))
    locked = _lock(dossier)
    _check("request_supplement", locked)
    _check_time(locked, at)
    frm = locked.status
    locked.status = Status.SUPPLEMENT
    deadlines.record_change(locked, kind=DueChange.Kind.PAUSE, at=at, due_at=None)
    request = SupplementRequest.objects.create(
        dossier=locked,
        requested_at=at,
        requested_by=by,
        stage=stage,
        items=items.strip(),
        legal_basis=legal_basis,
    )
    _save(locked, dossier, by=by, at=at, kind="request_supplement", from_status=frm, note=items.strip())
    return request


@transaction.atomic
def resume(dossier: Dossier, *, by, at: datetime) -> Dossier:
    """The applicant supplied everything: the clock runs again and the due moment moves by the
    working time it was stopped (dossiers/deadlines.py)."""
    locked = _lock(dossier)
    _check("resume", locked)
    _check_time(locked, at)
    city_id = locked.ward.city_id
    request = locked.supplements.filter(resumed_at__isnull=True).order_by("-requested_at").first()
    paused = 0
    if request is not None:
        paused = deadlines.pause_credit(request.requested_at, at, city_id=city_id)
        request.resumed_at = at
        request.paused_minutes = paused
        request.save(update_fields=["resumed_at", "paused_minutes"])
    frm = locked.status
    locked.status = Status.IN_PROGRESS
    locked.paused_minutes += paused
    if locked.due_at is not None:
        due = deadlines.moved_by(locked.due_at, paused, city_id=city_id)
        deadlines.record_change(locked, kind=DueChange.Kind.RESUME, at=at, due_at=due)
    note = _("Tạm dừng {time} làm việc.").format(time=working_time_label(paused))
    _save(locked, dossier, by=by, at=at, kind="resume", from_status=frm, note=note)
    return dossier


def working_time_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return _("{h} giờ {m} phút").format(h=hours, m=rest)


@transaction.atomic
def extend_verification(dossier: Dossier, *, by, at: datetime, reason: str) -> Dossier:
    """The procedure's verification extension: the due moment moves by its working days."""
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("extend_verification", locked)
    _check_time(locked, at)
    if not locked.procedure.verification_days:
        raise WorkflowError(_("Thủ tục này không có thời hạn gia hạn xác minh."))
    if locked.due_changes.filter(kind=DueChange.Kind.VERIFICATION).exists():
        raise WorkflowError(_("Hồ sơ đã được gia hạn xác minh."))
    due = deadlines.extended(locked.due_at, locked.procedure, city_id=locked.ward.city_id)
    deadlines.record_change(locked, kind=DueChange.Kind.VERIFICATION, at=at, due_at=due, note=reason[:300])
    note = _("Gia hạn đến {due}. {reason}").format(due=receipt_moment(due), reason=reason)
    _save(locked, dossier, by=by, at=at, kind="extend_verification", from_status=locked.status, note=note)
    return dossier


def receipt_moment(moment: datetime) -> str:
    """A due moment as the receipt prints it: "17 giờ 00 phút, ngày 21/02/2024"."""
    local = calendar.local(moment)
    return _("{h} giờ {m:02d} phút, ngày {d}").format(
        h=local.hour, m=local.minute, d=local.strftime("%d/%m/%Y")
    )


@transaction.atomic
def send_to_agency(
    dossier: Dossier,
    *,
    agency: Agency,
    by,
    at: datetime,
    due_date,
    receiver: str = "",
    electronic: bool = True,
    note: str = "",
) -> Hop:
    locked = _lock(dossier)
    _check("send_to_agency", locked)
    _check_time(locked, at)
    if due_date < calendar.local_date(at):
        raise WorkflowError(_("Hạn của bước không được trước ngày chuyển."))
    hop = Hop.objects.create(
        dossier=locked,
        agency=agency,
        sent_at=at,
        sent_by=by,
        receiver=receiver,
        due_date=due_date,
        electronic=electronic,
        note=note,
    )
    frm = locked.status
    locked.status = Status.AT_AGENCY
    if electronic:
        # The row's flag is what the e-circulation rate counts; a hand-over made electronically
        # is the fact behind it, whatever was ticked at reception.
        locked.e_circulated = True
    text = _("Chuyển {agency}, hạn {due}.").format(agency=agency.name, due=due_date.strftime("%d/%m/%Y"))
    _save(locked, dossier, by=by, at=at, kind="send_to_agency", from_status=frm, note=text)
    return hop


@transaction.atomic
def return_from_agency(dossier: Dossier, *, by, at: datetime, result_note: str = "") -> Hop:
    locked = _lock(dossier)
    _check("return_from_agency", locked)
    _check_time(locked, at)
    hop = locked.hops.filter(returned_at__isnull=True).order_by("-sent_at").first()
    if hop is None:  # pragma: no cover - AT_AGENCY always has an open hop
        raise WorkflowError(_("Không tìm thấy bước luân chuyển đang mở."))
    hop.returned_at = at
    hop.result = deadlines.hop_result(hop.due_date, calendar.local_date(at))
    if result_note:
        hop.note = (hop.note + " " + result_note).strip()[:300]
    hop.save(update_fields=["returned_at", "result", "note"])
    frm = locked.status
    locked.status = Status.IN_PROGRESS
    note = _("{agency} trả về: {result}. {note}").format(
        agency=hop.agency.name, result=hop.get_result_display(), note=result_note
    )
    _save(locked, dossier, by=by, at=at, kind="return_from_agency", from_status=frm, note=note.strip())
    return hop


@transaction.atomic
def resolve(
    dossier: Dossier,
    *,
    by,
    at: datetime,
    outcome: str = Outcome.APPROVED,
    note: str = "",
    electronic_result: bool = False,
    result_synced: bool = False,
) -> Dossier:
    if result_synced and not electronic_result:
        raise WorkflowError(_("Chỉ đồng bộ vào kho dữ liệu cá nhân khi có kết quả điện tử."))
    if outcome not in (Outcome.APPROVED, Outcome.REFUSED):
        raise WorkflowError(_("Kết quả giải quyết không hợp lệ."))
    if outcome == Outcome.REFUSED and not note.strip():
        raise WorkflowError(_("Từ chối giải quyết phải nêu rõ lý do."))
    locked = _lock(dossier)
    _check("resolve", locked)
    _check_time(locked, at)
    frm = locked.status
    _close(locked, at, Status.RESOLVED, outcome)
    locked.electronic_result = electronic_result
    locked.result_synced = result_synced
    if outcome == Outcome.REFUSED:
        locked.cancel_reason = note.strip()[:300]
    _save(locked, dossier, by=by, at=at, kind="resolve", from_status=frm, note=note)
    return dossier


@transaction.atomic
def return_result(dossier: Dossier, *, by, at: datetime) -> Dossier:
    locked = _lock(dossier)
    _check("return_result", locked)
    _check_time(locked, at)
    frm = locked.status
    locked.status = Status.RETURNED
    locked.returned_at = at
    _save(locked, dossier, by=by, at=at, kind="return_result", from_status=frm)
    return dossier


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise WorkflowError(_("Phải ghi rõ lý do."))
    return reason.strip()


@transaction.atomic
def reject_at_reception(dossier: Dossier, *, by, at: datetime, reason: str) -> Dossier:
    """Refused at the counter (form 03): never taken in, so it is not counted as received."""
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("reject_at_reception", locked)
    _check_time(locked, at)
    if locked.events.exclude(kind="receive").exists():
        raise WorkflowError(_("Chỉ từ chối tiếp nhận khi hồ sơ chưa được xử lý."))
    frm = locked.status
    locked.status = Status.REJECTED
    locked.cancel_reason = reason[:300]
    _save(locked, dossier, by=by, at=at, kind="reject_at_reception", from_status=frm, note=reason)
    return dossier


@transaction.atomic
def withdraw(dossier: Dossier, *, by, at: datetime, reason: str) -> Dossier:
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("withdraw", locked)
    _check_time(locked, at)
    frm = locked.status
    _close(locked, at, Status.WITHDRAWN, Outcome.WITHDRAWN)
    locked.cancel_reason = reason[:300]
    _save(locked, dossier, by=by, at=at, kind="withdraw", from_status=frm, note=reason)
    return dossier


@transaction.atomic
def stop(dossier: Dossier, *, by, at: datetime, reason: str, legal_basis: str = "") -> Dossier:
    """Processing stopped; the notice (form 05 since Thông tư 03/2025) prints the reason and the
    legal basis."""
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("stop", locked)
    _check_time(locked, at)
    frm = locked.status
    _close(locked, at, Status.STOPPED, Outcome.STOPPED)
    locked.cancel_reason = reason[:300]
    locked.cancel_basis = legal_basis.strip()[:300]
    note = reason if not locked.cancel_basis else "{} ({})".format(reason, locked.cancel_basis)
    _save(locked, dossier, by=by, at=at, kind="stop", from_status=frm, note=note)
    return dossier


def _apology_letter(
    locked: Dossier, *, by, at: datetime, reason: str, agency_at_fault: Agency | None, new_due_date: date
) -> ApologyLetter:
    """The apology letter (form 04) for the locked dossier, late or not by the letter's rule."""
    return ApologyLetter.objects.create(
        dossier=locked,
        ward_id=locked.ward_id,
        field_id=locked.field_id,
        issued_at=at,
        issued_by=by,
        reason=reason,
        agency_at_fault=agency_at_fault,
        new_due_date=new_due_date,
        issued_late=deadlines.letter_is_late(locked, at),
    )


@transaction.atomic
def issue_apology(
    dossier: Dossier, *, by, at: datetime, reason: str, new_due_date, agency_at_fault: Agency | None = None
) -> ApologyLetter:
    """Form 04. The dossier's due moment is NOT moved: lateness is judged against the statutory
    (pause-adjusted) appointment, the letter only gives the applicant a new date. A letter issued
    after the due moment is recorded but flagged ``issued_late`` (not a timely apology)."""
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("issue_apology", locked)
    if not locked.is_open and deadlines.classify_closed(locked) != deadlines.LATE:
        # Only a dossier resolved late still owes a letter once it is closed.
        raise WorkflowError(
            _("Không thể thực hiện “{move}” khi hồ sơ đang ở trạng thái “{status}”.").format(
                move=_(MOVE_LABELS["issue_apology"]), status=locked.get_status_display()
            )
        )
    _check_time(locked, at)
    if new_due_date <= calendar.local_date(at) or (locked.due_date and new_due_date <= locked.due_date):
        raise WorkflowError(_("Ngày hẹn trả mới phải sau ngày hẹn cũ và sau ngày phát hành thư."))
    letter = _apology_letter(
        locked, by=by, at=at, reason=reason, agency_at_fault=agency_at_fault, new_due_date=new_due_date
    )
    note = _("Hẹn lại ngày {due}. {reason}").format(due=new_due_date.strftime("%d/%m/%Y"), reason=reason)
    _save(locked, dossier, by=by, at=at, kind="issue_apology", from_status=locked.status, note=note)
    return letter


@transaction.atomic
def request_extension(
    dossier: Dossier,
    *,
    by,
    at: datetime,
    reason: str,
    new_due_at: datetime,
    agency_at_fault: Agency | None = None,
) -> Extension:
    """Form 04 since Thông tư 03/2025: an apology with a request for more time up to
    ``new_due_at``. The due moment in force does not move until the leader approves it
    (``decide_extension``)."""
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("request_extension", locked)
    _check_time(locked, at)
    if timezone.is_naive(new_due_at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
    if new_due_at <= at or (locked.due_at is not None and new_due_at <= locked.due_at):
        raise WorkflowError(_("Thời điểm hẹn trả mới phải sau thời điểm hẹn cũ và sau thời điểm đề nghị."))
    if locked.extensions.filter(status=Extension.Status.PENDING).exists():
        raise WorkflowError(_("Hồ sơ đang có một đề nghị gia hạn chờ lãnh đạo duyệt."))
    letter = _apology_letter(
        locked,
        by=by,
        at=at,
        reason=reason,
        agency_at_fault=agency_at_fault,
        new_due_date=calendar.local_date(new_due_at),
    )
    extension = Extension.objects.create(
        dossier=locked,
        letter=letter,
        requested_at=at,
        requested_by=by,
        reason=reason,
        previous_due_at=locked.due_at,
        new_due_at=new_due_at,
    )
    note = _("Đề nghị gia hạn đến {due}, chờ lãnh đạo duyệt. {reason}").format(
        due=receipt_moment(new_due_at), reason=reason
    )
    _save(locked, dossier, by=by, at=at, kind="request_extension", from_status=locked.status, note=note)
    return extension


@transaction.atomic
def decide_extension(dossier: Dossier, *, by, at: datetime, approve: bool, note: str = "") -> Extension:
    """The leader's decision on the pending request. Approved: the due moment in force becomes the
    new moment from ``at`` on (a ``DueChange``), so figures of periods ended before stay as they
    were; refused: nothing moves and the applicant's appointment stays the old one."""
    move = "approve_extension" if approve else "refuse_extension"
    locked = _lock(dossier)
    if not may_approve_extension(by, locked.ward_id):
        raise WorkflowError(_("Chỉ lãnh đạo phường được duyệt đề nghị gia hạn."))
    _check(move, locked)
    _check_time(locked, at)
    extension = locked.extensions.select_for_update().filter(status=Extension.Status.PENDING).first()
    if extension is None:
        raise WorkflowError(_("Hồ sơ không có đề nghị gia hạn chờ duyệt."))
    if approve:
        if extension.new_due_at <= at:
            raise WorkflowError(_("Thời điểm hẹn trả mới đã qua, không thể duyệt gia hạn."))
        if locked.due_at is not None and extension.new_due_at <= locked.due_at:
            raise WorkflowError(_("Thời điểm hẹn trả mới không sau thời điểm hẹn đang áp dụng."))
        deadlines.record_change(
            locked, kind=DueChange.Kind.EXTENSION, at=at, due_at=extension.new_due_at, note=note.strip()[:300]
        )
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_at = at
    extension.decided_by = by
    extension.decision_note = note.strip()[:300]
    extension._history_user = by
    extension.save()
    if approve:
        text = _("Duyệt gia hạn đến {due}.").format(due=receipt_moment(extension.new_due_at))
    else:
        text = _("Không duyệt gia hạn.")
    text = (text + " " + note.strip()).strip()
    _save(locked, dossier, by=by, at=at, kind=move, from_status=locked.status, note=text)
    return extension


@transaction.atomic
def rate(dossier: Dossier, *, value: str, source: str, at: datetime, comment: str = "", by=None) -> Rating:
    """One rating per dossier; an event is recorded when an officer (``by``) enters it."""
    if value not in Rating.Value.values:
        raise WorkflowError(_("Mức độ hài lòng không hợp lệ."))
    if source not in Rating.Source.values:
        raise WorkflowError(_("Nguồn đánh giá không hợp lệ."))
    locked = _lock(dossier)
    if locked.status == Status.REJECTED:
        raise WorkflowError(_("Hồ sơ bị từ chối tiếp nhận không được đánh giá."))
    if not is_ratable(locked):
        raise WorkflowError(_("Chỉ đánh giá được hồ sơ đã có kết quả giải quyết."))
    if at < locked.received_at:
        raise WorkflowError(_("Thời điểm không được trước thời điểm tiếp nhận hồ sơ."))
    future = future_time_error(at)
    if future:
        raise WorkflowError(future)
    if Rating.objects.filter(dossier=locked).exists():
        raise WorkflowError(_("Hồ sơ này đã được đánh giá."))
    rating = Rating.objects.create(
        dossier=locked,
        ward_id=locked.ward_id,
        field_id=locked.field_id,
        value=value,
        source=source,
        comment=comment[:500],
        rated_at=at,
    )
    if by is not None:
        DossierEvent.objects.create(
            dossier=locked,
            kind="rate",
            from_status=locked.status,
            to_status=locked.status,
            at=max(at, locked.events.aggregate(last=Max("at"))["last"] or at),
            by=by,
            note=rating.get_value_display(),
        )
    facts.refresh([locked.pk])
    return rating


EDITABLE_FIELDS = (
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "documents",
    "sets",
    "fee",
    "paid_online",
    "payment_reference",
    "digitised_at_reception",
    "reused_data",
    "citizen_data_connected",
    "e_circulated",
)


@transaction.atomic
def edit(
    dossier: Dossier,
    *,
    by,
    at: datetime,
    expected_version: int,
    changes: dict,
    document_sources: dict[int, str] | None = None,
) -> Dossier:
    """Correct the applicant details and the counter's facts (fee, payment, digitisation, one
    source per listed document in ``document_sources``: id -> source). Refused when someone saved
    since the form was opened."""
    locked = _lock(dossier)
    if locked.version != expected_version:
        last = locked.events.select_related("by").order_by("-recorded_at", "-id").first()
        who = full_name(last.by) if last else "?"
        when = timezone.localtime(last.at if last else locked.updated_at).strftime("%H:%M %d/%m/%Y")
        raise StaleEdit(
            _("Hồ sơ đã được {who} sửa lúc {when}. Hãy xem lại và nhập lại thay đổi của bạn.").format(
                who=who, when=when
            )
        )
    _check("edit", locked)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise WorkflowError(_("Không được sửa: {names}.").format(names=", ".join(sorted(unknown))))
    error = facts_error(
        fee=changes.get("fee", locked.fee),
        paid_online=changes.get("paid_online", locked.paid_online),
        payment_reference=changes.get("payment_reference", locked.payment_reference),
        electronic_result=locked.electronic_result,
        result_synced=locked.result_synced,
    )
    if error:
        raise WorkflowError(error)
    rows = list(locked.papers.all())
    moved_rows = []
    for row in rows:
        source = (document_sources or {}).get(row.pk, row.source)
        if source not in DocumentSource.values:
            raise WorkflowError(_("Hình thức số hóa giấy tờ không hợp lệ."))
        if source != row.source:
            row.source = source
            row._history_user = by
            row.save(update_fields=["source"])
            moved_rows.append(row)
    changes = dict(changes)
    if rows:  # derived from the documents, whatever the form said
        changes.pop("digitised_at_reception", None)
        changes.pop("reused_data", None)
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, changes[name])
    before = (locked.digitised_at_reception, locked.reused_data)
    _derive_digitisation(locked, [r.source for r in rows])
    if rows and before != (locked.digitised_at_reception, locked.reused_data):
        changed += [n for n, old in zip(("digitised_at_reception", "reused_data"), before, strict=True)
                    if getattr(locked, n) != old]  # fmt: skip
    _refresh_search(locked)
    if "documents" in changed:
        _write_papers(locked, by=by)
        _derive_digitisation(locked, list(locked.papers.values_list("source", flat=True)))
    labels = ", ".join(
        [str(locked._meta.get_field(n).verbose_name) for n in changed]
        + ["{}: {}".format(r.name, r.get_source_display()) for r in moved_rows]
    )
    _save(
        locked,
        dossier,
        by=by,
        at=max(at, locked.received_at),
        kind="edit",
        from_status=locked.status,
        note=labels,
    )
    return dossier


# --- online submissions: the ward's inbox ---------------------------------------------------------
# A submission from the portal is not a dossier (no figure counts it) until an officer accepts
# it: ``accept_submission`` receives the dossier at the acceptance moment, so its clock starts
# then (dossiers/deadlines.py). Refusing records the reason; the submission's history (who,
# when, what) is its audit.

SUBMISSION_LABELS = {
    "submit": gettext_noop("Nhận hồ sơ nộp trực tuyến"),
    "accept": gettext_noop("Tiếp nhận hồ sơ trực tuyến"),
    "refuse": gettext_noop("Từ chối hồ sơ trực tuyến"),
}


def submit_online(
    *,
    ward: Ward,
    procedure: Procedure,
    submitted_at: datetime,
    applicant_name: str,
    by,
    source: str = OnlineSubmission.Source.PORTAL,
    official_code: str = "",
    applicant_id_number: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    applicant_address: str = "",
    documents: str = "",
    fee: Decimal | None = None,
    paid_online: bool = False,
) -> tuple[OnlineSubmission, bool]:
    """Put a submission in the ward's inbox; returns (submission, created). The portal sending
    the same code (MaHoSo) again gets the first submission back, unchanged."""
    if not applicant_name.strip():
        raise WorkflowError(_("Chưa nhập họ tên người nộp."))
    if timezone.is_naive(submitted_at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
    future = future_time_error(submitted_at)
    if future:
        raise WorkflowError(future)
    code = official_code.strip()
    with transaction.atomic():
        if code:
            first = OnlineSubmission.objects.select_for_update().filter(ward=ward, official_code=code).first()
            if first is not None:
                return first, False
            _check_code_free(code)
        submission = OnlineSubmission(
            ward=ward,
            procedure=procedure,
            field_id=procedure.field_id,
            source=source,
            official_code=code,
            submitted_at=submitted_at,
            accept_by=deadlines.acceptance_limit(submitted_at, city_id=ward.city_id),
            **_applicant(
                applicant_name, applicant_id_number, applicant_phone, applicant_email, applicant_address
            ),
            documents=documents,
            fee=fee,
            paid_online=paid_online,
            created_by=by,
        )
        submission._history_user = by
        submission._change_reason = SUBMISSION_LABELS["submit"]
        submission.save()
    return submission, True


def _lock_waiting(submission: OnlineSubmission, at: datetime) -> OnlineSubmission:
    locked = (
        OnlineSubmission.objects.select_for_update(of=("self",))
        .select_related("ward", "procedure")
        .get(pk=submission.pk)
    )
    if not locked.is_waiting:
        raise WorkflowError(
            _("Hồ sơ trực tuyến này đã được xử lý ({state}).").format(state=locked.get_state_display())
        )
    if timezone.is_naive(at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
    future = future_time_error(at)
    if future:
        raise WorkflowError(future)
    if at < locked.submitted_at:
        raise WorkflowError(_("Thời điểm không được trước thời điểm nộp trực tuyến."))
    return locked


def _decided(locked: OnlineSubmission, submission: OnlineSubmission, *, by, at: datetime, kind: str) -> None:
    locked.decided_at = at
    locked.decided_by = by
    locked._history_user = by
    locked._change_reason = SUBMISSION_LABELS[kind]
    locked.save()
    for f in locked._meta.concrete_fields:
        setattr(submission, f.attname, getattr(locked, f.attname))


@transaction.atomic
def accept_submission(submission: OnlineSubmission, *, by, at: datetime) -> Dossier:
    """The officer accepts the submission: the dossier is received now (channel online), and
    its due moment counts from this moment."""
    locked = _lock_waiting(submission, at)
    _check_code_free(locked.official_code)
    dossier = receive(
        ward=locked.ward,
        procedure=locked.procedure,
        channel=Channel.ONLINE,
        received_at=at,
        applicant_name=locked.applicant_name,
        by=by,
        applicant_id_number=locked.applicant_id_number,
        applicant_phone=locked.applicant_phone,
        applicant_email=locked.applicant_email,
        applicant_address=locked.applicant_address,
        documents=locked.documents,
        fee=locked.fee,
        paid_online=locked.paid_online,
        official_code=locked.official_code,
    )
    locked.state = OnlineSubmission.State.ACCEPTED
    locked.dossier = dossier
    _decided(locked, submission, by=by, at=at, kind="accept")
    return dossier


@transaction.atomic
def refuse_submission(submission: OnlineSubmission, *, by, at: datetime, reason: str) -> OnlineSubmission:
    """Refused before reception (incomplete, wrong ward, ...): no dossier, counted nowhere."""
    reason = _need_reason(reason)
    locked = _lock_waiting(submission, at)
    locked.state = OnlineSubmission.State.REFUSED
    locked.refusal_reason = reason[:300]
    _decided(locked, submission, by=by, at=at, kind="refuse")
    return submission
