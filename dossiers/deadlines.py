"""The deadline rulebook: every rule about due moments and lateness, written once (docs/deadlines.md).

- **Due moment** (``due_moment_for``): a date and a time in the city's working time. Whole working
  days end at the closing time of the n-th working day after the reception day (received Wed
  07/02/2024 with 5 working days, Tết 08-14/02 -> 17:00 Wed 21/02/2024); working hours (half days
  are a shift's hours) are added in working minutes from the moment the clock starts. Same-day
  procedures end at the close of the reception day, or of the next working day when received at
  or after 15:00 or on a day off (Nghị định 23/2015 art. 7). The clock of an online dossier starts
  at the first working moment at or after an officer accepted it (``received_at``).
- **Pauses** (``pause_credit``): a supplement request stops the clock; on resume the due moment
  moves by exactly the working minutes stopped (Mon 16:30 -> Tue 08:00 is one working hour).
- **Online submissions** (``acceptance_limit``): a submission from the portal is not a dossier
  until an officer accepts it; accepted, it is received at that moment and its clock starts
  then. A submission still waiting one working day after the first working moment at or after it
  was sent (Mon 10:00 -> Tue 10:00; Fri 20:00 -> Mon 17:00) is listed as waiting too long.
- **Time left** (``time_left``): the working time from now to the due moment, or past it.
- **History**: every change of the due moment is a ``DueChange`` row with the moment it took
  effect; the row's ``due_at``/``due_since``/``due_paused`` are the latest one. The due moment in
  force at a cut-off is the latest change before it (``None`` while the clock is stopped).
- **Resolved** (closed) dossiers: withdrawn, stopped or without a due moment -> on time; resolved
  on an earlier day than the due day -> before; up to the due moment -> on time; after it -> late.
- **Open** at a cut-off: overdue when the due moment in force at the period's end fell on a day
  before the day it is judged on (``judged_at``: the period's last day, or today for a period not
  yet ended); within otherwise, and always within while waiting for a supplement. Worklists judge
  at the present moment (``overdue_now_q``).

``classify`` judges one dossier; the ``*_q`` functions are the same rules as ORM conditions for the
indicator engine and the worklists. No other module decides before / on time / late / within /
overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models import DateTimeField as DateTimeOutput
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan
from django.utils import timezone

from dossiers import calendar
from dossiers.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ApologyLetter,
    DossierEvent,
    DueChange,
    Hop,
    OnlineSubmission,
    Outcome,
    Status,
)

BEFORE = "before"
ON_TIME = "on_time"
LATE = "late"
WITHIN = "within"
OVERDUE = "overdue"

LABELS = {
    BEFORE: "Trước hạn",
    ON_TIME: "Đúng hạn",
    LATE: "Quá hạn",
    WITHIN: "Trong hạn",
    OVERDUE: "Quá hạn",
}

_ENDED_BY_APPLICANT_OR_LAW = (Outcome.WITHDRAWN, Outcome.STOPPED)


# ---------------------------------------------------------------------------------------------
# Due moments


def due_moment_for(
    procedure, received_at: datetime, channel: str, *, city_id: int | None = None, verification: bool = False
) -> datetime:
    """The appointment moment of a dossier of ``procedure`` received at ``received_at``."""
    cal = calendar.calendar_for(city_id)
    moment = calendar.local(received_at)
    # Counter and post receptions keep their moment (a paper record entered after hours still
    # counts from its day); online dossiers start at the next working moment.
    start = cal.clock_start(moment) if channel == "online" else moment
    day = start.date()
    if procedure.same_day:
        if start == moment and (moment.time() >= calendar.CUTOFF_SAME_DAY or not cal.is_working_day(day)):
            day = cal.next_working_day(day)
        return cal.close_of(day)
    days = procedure.processing_days + (procedure.verification_days if verification else 0)
    due = cal.close_of(cal.add_working_days(day, days)) if days else start
    hours = Decimal(procedure.processing_hours or 0)
    if hours:
        due = cal.add_working_minutes(due, int(hours * 60))
    return due


def acceptance_limit(submitted_at: datetime, *, city_id: int | None = None) -> datetime:
    """The moment after which an online submission not yet accepted has waited too long."""
    cal = calendar.calendar_for(city_id)
    start = cal.clock_start(submitted_at)
    return cal.add_working_minutes(start, cal.day_minutes(start.date()))


def due_date_for(procedure, received_at: datetime, channel: str, **kwargs) -> date:
    """The local date of ``due_moment_for`` (the appointment day)."""
    return calendar.local_date(due_moment_for(procedure, received_at, channel, **kwargs))


def extended(due_at: datetime, procedure, *, city_id: int | None = None) -> datetime:
    """The due moment after the procedure's verification extension (whole working days)."""
    cal = calendar.calendar_for(city_id)
    day = cal.add_working_days(calendar.local_date(due_at), procedure.verification_days)
    return cal.close_of(day)


def pause_credit(requested_at: datetime, resumed_at: datetime, *, city_id: int | None = None) -> int:
    """Working minutes the clock was stopped."""
    return calendar.working_minutes_between(requested_at, resumed_at, city_id=city_id)


def moved_by(due_at: datetime, minutes: int, *, city_id: int | None = None) -> datetime:
    return calendar.add_working_minutes(due_at, minutes, city_id=city_id)


def set_due(dossier, due_at: datetime | None, *, since: datetime, paused: bool = False) -> None:
    """Write the row's facts for a due change that took effect at ``since``."""
    if due_at is not None:
        dossier.due_at = due_at
        dossier.due_date = calendar.local_date(due_at)
    dossier.due_since = since
    dossier.due_paused = paused


def record_change(dossier, *, kind: str, at: datetime, due_at: datetime | None, note: str = "") -> DueChange:
    """Append one due change and update the row (the caller saves the dossier)."""
    set_due(dossier, due_at, since=at, paused=due_at is None)
    return DueChange.objects.create(dossier=dossier, kind=kind, effective_at=at, due_at=due_at, note=note)


# ---------------------------------------------------------------------------------------------
# One dossier


def judged_at(end_at: datetime, *, now: datetime | None = None) -> datetime:
    """The moment open dossiers are judged at for a cut-off ``end_at`` (exclusive end of a period).

    A period is made of whole days, so it is judged on a day: its last day once it has ended, today
    while it runs. An open dossier is overdue when its due moment fell on an earlier day; one due on
    the judging day itself is still within. So a period's figures do not flip when it ends, and no
    city's working hours (no query) are needed to judge it.
    """
    now = now or timezone.now()
    day = min(calendar.local_date(now), calendar.local_date(end_at - timedelta(microseconds=1)))
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def due_in_force(dossier, at: datetime) -> datetime | None:
    """The due moment in force just before ``at`` (None while the clock was stopped)."""
    if dossier.due_since is None or dossier.due_since < at:
        return None if dossier.due_paused else dossier.due_at
    found = None
    for change in dossier.due_changes.all():  # ordered by effective_at
        if change.effective_at < at:
            found = change
    return found.due_at if found else None


_UNSET = object()


def classify_closed(dossier) -> str:
    if (
        dossier.outcome in _ENDED_BY_APPLICANT_OR_LAW
        or dossier.status in (Status.WITHDRAWN, Status.STOPPED)
        or dossier.due_at is None
    ):
        return ON_TIME
    if dossier.resolved_on < dossier.due_date:
        return BEFORE
    if dossier.resolved_at <= dossier.due_at:
        return ON_TIME
    return LATE


def classify(
    dossier, *, at: datetime | None = None, now: datetime | None = None, judge=None, due=_UNSET
) -> str | None:
    """Classification of one dossier at the cut-off ``at`` (exclusive; default now).

    ``judge`` is the moment open dossiers are compared with (``judged_at`` of the period; default
    the cut-off itself); ``due`` the due moment in force at ``at`` when already known. None for
    dossiers refused at reception or not yet received at ``at``.
    """
    now = now or timezone.now()
    at = at or now
    if dossier.status == Status.REJECTED or dossier.received_at >= at:
        return None
    if dossier.resolved_at is not None and dossier.resolved_at < at:
        return classify_closed(dossier)
    if due is _UNSET:  # else the caller read it with due_in_force_expr (drill-down lists)
        due = due_in_force(dossier, at)
    judge = judge or min(at, now)
    if due is None or due >= judge:
        return WITHIN
    return OVERDUE


@dataclass(frozen=True)
class TimeLeft:
    """Working time between now and an open dossier's due moment: ``state`` is "left", "late"
    or "paused" (clock stopped for a supplement); ``days`` are whole working days of the
    city's day length, ``minutes`` the rest."""

    state: str
    days: int = 0
    minutes: int = 0


def time_left(dossier, *, now: datetime | None = None) -> TimeLeft | None:
    """None for a closed dossier or one without a due moment (nothing is counting down)."""
    if dossier.status not in OPEN_STATUSES or dossier.due_at is None:
        return None
    if dossier.status == Status.SUPPLEMENT or dossier.due_paused:
        return TimeLeft("paused")
    now = now or timezone.now()
    cal = calendar.calendar_for(dossier.ward.city_id)
    if now <= dossier.due_at:
        state, total = "left", cal.working_minutes_between(now, dossier.due_at)
    else:
        state, total = "late", cal.working_minutes_between(dossier.due_at, now)
    day = cal.day_minutes(calendar.local_date(now)) or 1
    days, minutes = divmod(total, day)
    return TimeLeft(state, days, minutes)


def agencies_at_fault(dossier) -> list:
    """Agencies whose own step (hop) ran past its due date: who made this dossier late."""
    return [hop.agency for hop in dossier.hops.all() if hop.result == Hop.Result.LATE]


def hop_result(due_date: date, returned_on: date) -> str:
    if returned_on < due_date:
        return Hop.Result.BEFORE
    if returned_on == due_date:
        return Hop.Result.ON_TIME
    return Hop.Result.LATE


def letter_is_late(dossier, issued_at: datetime) -> bool:
    """An apology letter must come before the due moment; after it, it is a compliance gap."""
    return dossier.due_at is not None and issued_at > dossier.due_at


# ---------------------------------------------------------------------------------------------
# The same rules as ORM conditions (indicator engine, worklists, exports)


def closed_q() -> Q:
    return Q(status__in=CLOSED_STATUSES)


def _resolved_q(prefix: str = "") -> Q:
    # resolved_at is set exactly when a dossier is closed (resolved, returned, withdrawn, stopped).
    return Q(**{prefix + "resolved_at__isnull": False})


def _on_time_anyway_q(prefix: str = "") -> Q:
    return (
        Q(**{prefix + "outcome__in": _ENDED_BY_APPLICANT_OR_LAW})
        | Q(**{prefix + "status__in": (Status.WITHDRAWN, Status.STOPPED)})
        | Q(**{prefix + "due_at__isnull": True})
    )


def resolved_before_q(prefix: str = "") -> Q:
    """``prefix`` ("dossier__") applies the rule from a related model (a hop)."""
    return (
        _resolved_q(prefix)
        & ~_on_time_anyway_q(prefix)
        & Q(**{prefix + "resolved_on__lt": F(prefix + "due_date")})
    )


def resolved_on_time_q(prefix: str = "") -> Q:
    on_the_day = Q(**{prefix + "resolved_on__gte": F(prefix + "due_date")}) & Q(
        **{prefix + "resolved_at__lte": F(prefix + "due_at")}
    )
    return _resolved_q(prefix) & (_on_time_anyway_q(prefix) | on_the_day)


def resolved_late_q(prefix: str = "") -> Q:
    return (
        _resolved_q(prefix)
        & ~_on_time_anyway_q(prefix)
        & Q(**{prefix + "resolved_at__gt": F(prefix + "due_at")})
    )


def late_hop_q() -> Q:
    """A hand-over the agency returned after its step's due date: that agency's lateness."""
    return Q(result=Hop.Result.LATE)


def petition_on_time_q(prefix: str = "") -> Q:
    """A PAKN answered on or before its due day (``Petition.handled_on_time`` as a condition)."""
    return Q(**{prefix + "replied_on__isnull": False, prefix + "replied_on__lte": F(prefix + "due_on")})


def due_in_force_expr(at: datetime):
    """SQL for ``due_in_force``: the row when its last change is before ``at`` (nearly always, and
    no subquery runs), else the latest ``DueChange`` before ``at``."""
    history = Subquery(
        DueChange.objects.filter(dossier_id=OuterRef("pk"), effective_at__lt=at)
        .order_by("-effective_at", "-id")
        .values("due_at")[:1],
        output_field=DateTimeOutput(),
    )
    current = Case(
        When(due_paused=True, then=Value(None)), default=F("due_at"), output_field=DateTimeOutput()
    )
    return Case(
        When(Q(due_since__isnull=True) | Q(due_since__lt=at), then=current),
        default=history,
        output_field=DateTimeOutput(),
    )


def open_overdue_q(at: datetime, judge: datetime) -> Q:
    """Of the dossiers open at ``at``: overdue when judged at ``judge``."""
    return Q(LessThan(due_in_force_expr(at), Value(judge, output_field=DateTimeOutput())))


def open_within_q(at: datetime, judge: datetime) -> Q:
    """The complement of ``open_overdue_q``, spelled out: SQL's NOT would drop the NULL (paused)."""
    due = due_in_force_expr(at)
    return Q(IsNull(due, True)) | Q(GreaterThanOrEqual(due, Value(judge, output_field=DateTimeOutput())))


def timely_letter_exists():
    """A timely apology letter (issued before the due moment) as an IS NOT NULL condition on a
    scalar subquery (an index probe per dossier, see parindex/analytics/indicators.py)."""
    first = Subquery(
        ApologyLetter.objects.filter(dossier_id=OuterRef("pk"), issued_late=False).order_by().values("id")[:1]
    )
    return Q(IsNull(first, False))


# Worklists: the dossiers open now, judged now.


def running_q() -> Q:
    """Open with the clock running (not waiting for a supplement)."""
    return Q(status__in=OPEN_STATUSES) & ~Q(status=Status.SUPPLEMENT)


def overdue_now_q(now: datetime) -> Q:
    return running_q() & Q(due_at__lt=now)


def due_on_q(day: date) -> Q:
    return running_q() & Q(due_date=day)


def late_without_timely_letter_q() -> Q:
    """Closed late with no apology letter issued before the due moment."""
    return closed_q() & resolved_late_q() & ~timely_letter_exists()


def status_at(at: datetime):
    """SQL: the dossier's status just before ``at`` (the latest event before it)."""
    return Subquery(
        DossierEvent.objects.filter(dossier_id=OuterRef("pk"), at__lt=at)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )


# Online submissions waiting for acceptance (not dossiers yet: no figure counts them).


def waiting_q() -> Q:
    return Q(state=OnlineSubmission.State.WAITING)


def waiting_too_long_q(now: datetime) -> Q:
    """Waiting past ``acceptance_limit`` at ``now``."""
    return waiting_q() & Q(accept_by__lt=now)
