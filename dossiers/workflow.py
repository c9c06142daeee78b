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

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from unidecode import unidecode

from dossiers import calendar, deadlines, facts
from dossiers.models import (
    Agency,
    ApologyLetter,
    Channel,
    CodeCounter,
    Dossier,
    DossierEvent,
    DueChange,
    Hop,
    NoticeChannel,
    Outcome,
    Procedure,
    Rating,
    Status,
    SupplementRequest,
)
from parindex.models import Ward
from parindex.names import full_name


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
}

# The order moves are offered in: the usual next step of each status first, the rare and
# final ones (refuse, withdraw, stop) last.
MOVE_ORDER = [
    "start",
    "resolve",
    "resume",
    "return_from_agency",
    "return_result",
    "rate",
    "request_supplement",
    "send_to_agency",
    "extend_verification",
    "issue_apology",
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
    "rate": gettext_noop("Ghi nhận đánh giá"),
    "edit": gettext_noop("Sửa thông tin hồ sơ"),
}


# The applicant rates the service once there is a result to rate.
RATABLE_STATUSES = (Status.RESOLVED, Status.RETURNED)


def is_ratable(dossier: Dossier) -> bool:
    return dossier.status in RATABLE_STATUSES


def allowed_moves(dossier: Dossier) -> list[str]:
    """The moves the dossier's status allows, the most likely first (``MOVE_ORDER``)."""
    moves = [move for move, sources in ALLOWED.items() if dossier.status in sources]
    return sorted(moves, key=MOVE_ORDER.index)


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
        Dossier.objects.select_for_update(of=("self",)).select_related("procedure", "ward").get(pk=dossier.pk)
    )


def _check(move: str, locked: Dossier) -> None:
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


def _next_code(ward: Ward, received_at: datetime) -> str:
    year = calendar.local_date(received_at).year
    # The row lock serialises officers saving at the same moment; get_or_create retries the get
    # when two transactions race to create the year's first counter.
    counter, _created = CodeCounter.objects.select_for_update().get_or_create(ward=ward, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return "{}-{}-{:06d}".format(ward.code, year, counter.last)


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
    backdate_reason: str = "",
    code: str | None = None,
    now: datetime | None = None,
    verification: bool = False,
    notify_consent: bool = False,
    notify_channel: str = "",
    official_code: str = "",
) -> Dossier:
    """Log a complete dossier and compute its appointment date.

    Back-dating is checked only when ``now`` is given (the logging screen passes it): a reception
    time on an earlier day than ``now`` needs ``backdate_reason``; programmatic imports of past
    records omit ``now``.
    """
    if channel not in Channel.values:
        raise WorkflowError(_("Hình thức nộp không hợp lệ."))
    if not applicant_name.strip():
        raise WorkflowError(_("Chưa nhập họ tên người nộp."))
    if sets < 1:
        raise WorkflowError(_("Số bộ hồ sơ phải từ 1 trở lên."))
    if notify_channel not in ("", *NoticeChannel.values):
        raise WorkflowError(_("Kênh nhận thông báo không hợp lệ."))
    if timezone.is_naive(received_at):
        raise WorkflowError(_("Thời điểm phải có múi giờ."))
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
    due = deadlines.due_moment_for(
        procedure, received_at, channel, city_id=ward.city_id, verification=verification
    )
    try:
        with transaction.atomic():
            dossier = Dossier(
                ward=ward,
                code=code or _next_code(ward, received_at),
                official_code=official_code.strip(),
                procedure=procedure,
                field_id=procedure.field_id,
                channel=channel,
                status=Status.RECEIVED,
                received_at=received_at,
                backdate_reason=backdate_reason.strip(),
                original_due_date=calendar.local_date(due),
                applicant_name=applicant_name.strip(),
                applicant_id_number=applicant_id_number.strip(),
                applicant_phone=applicant_phone.strip(),
                applicant_email=applicant_email.strip(),
                applicant_address=applicant_address.strip(),
                documents=documents,
                sets=sets,
                fee=procedure.fee if fee is None else fee,
                paid_online=paid_online,
                digitised_at_reception=digitised_at_reception,
                e_circulated=e_circulated,
                notify_consent=notify_consent,
                notify_channel=notify_channel if notify_consent else "",
                created_by=by,
            )
            _refresh_search(dossier)
            deadlines.set_due(dossier, due, since=received_at)
            dossier._history_user = by
            dossier.save()
            DueChange.objects.create(
                dossier=dossier, kind=DueChange.Kind.RECEPTION, effective_at=received_at, due_at=due
            )
            DossierEvent.objects.create(
                dossier=dossier,
                kind="receive",
                to_status=Status.RECEIVED,
                at=received_at,
                by=by,
                note=backdate_reason.strip(),
            )
            facts.refresh([dossier.pk])
    except IntegrityError as exc:
        if code and Dossier.objects.filter(ward=ward, code=code).exists():
            raise WorkflowError(_("Mã hồ sơ {code} đã tồn tại trong phường.").format(code=code)) from exc
        raise
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
) -> Dossier:
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
def stop(dossier: Dossier, *, by, at: datetime, reason: str) -> Dossier:
    reason = _need_reason(reason)
    locked = _lock(dossier)
    _check("stop", locked)
    _check_time(locked, at)
    frm = locked.status
    _close(locked, at, Status.STOPPED, Outcome.STOPPED)
    locked.cancel_reason = reason[:300]
    _save(locked, dossier, by=by, at=at, kind="stop", from_status=frm, note=reason)
    return dossier


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
    letter = ApologyLetter.objects.create(
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
    note = _("Hẹn lại ngày {due}. {reason}").format(due=new_due_date.strftime("%d/%m/%Y"), reason=reason)
    _save(locked, dossier, by=by, at=at, kind="issue_apology", from_status=locked.status, note=note)
    return letter


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
    "digitised_at_reception",
    "e_circulated",
)


@transaction.atomic
def edit(dossier: Dossier, *, by, at: datetime, expected_version: int, changes: dict) -> Dossier:
    """Correct the applicant details. Refused when someone saved since the form was opened."""
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
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, changes[name])
    _refresh_search(locked)
    labels = ", ".join(str(locked._meta.get_field(n).verbose_name) for n in changed)
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
