"""Deadline classification (DOMAIN.md 2), as Q objects the indicator engine can put in
``Count("id", filter=...)`` and as plain functions for one dossier.

Closed dossiers (resolved, returned, withdrawn, stopped) compare the local calendar date they were
closed (``resolved_on``) with the pause-adjusted ``due_date``: earlier -> before deadline, same day ->
on time, later -> late. Withdrawn and stopped dossiers count as ON TIME whatever the date: the
applicant or the law ended them, not the ward's slowness (the convention of the one real
implementation we found).

Dossiers still open at a cut-off day D (i.e. open at the end of D): overdue when due_date < D,
within otherwise; a dossier waiting for a supplement at the cut-off is always within (its clock is
paused; the due date will move when it resumes).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef, Q

from dossiers.models import CLOSED_STATUSES, Hop, Outcome, Status, SupplementRequest

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


def closed_q() -> Q:
    return Q(status__in=CLOSED_STATUSES)


def resolved_before_q() -> Q:
    return closed_q() & ~Q(outcome__in=_ENDED_BY_APPLICANT_OR_LAW) & Q(resolved_on__lt=F("due_date"))


def resolved_on_time_q() -> Q:
    return closed_q() & (
        Q(outcome__in=_ENDED_BY_APPLICANT_OR_LAW) | Q(resolved_on=F("due_date")) | Q(due_date__isnull=True)
    )


def resolved_late_q() -> Q:
    return closed_q() & ~Q(outcome__in=_ENDED_BY_APPLICANT_OR_LAW) & Q(resolved_on__gt=F("due_date"))


def waiting_supplement_at(moment) -> Exists:
    """A supplement request open at ``moment`` (requested before, not yet resumed)."""
    return Exists(
        SupplementRequest.objects.filter(dossier_id=OuterRef("pk"), requested_at__lt=moment).filter(
            Q(resumed_at__isnull=True) | Q(resumed_at__gte=moment)
        )
    )


def open_overdue_q(day: date, moment) -> Q:
    """For dossiers open at ``moment`` (end of ``day``): overdue ones."""
    return Q(due_date__lt=day) & ~Q(waiting_supplement_at(moment))


def open_within_q(day: date, moment) -> Q:
    return ~open_overdue_q(day, moment)


def classify_closed(dossier) -> str:
    if dossier.outcome in _ENDED_BY_APPLICANT_OR_LAW or dossier.due_date is None:
        return ON_TIME
    if dossier.resolved_on < dossier.due_date:
        return BEFORE
    if dossier.resolved_on == dossier.due_date:
        return ON_TIME
    return LATE


def classify(dossier, cutoff: date | None = None) -> str | None:
    """Classification of one dossier as of the end of ``cutoff`` (default: its current state).

    Returns None for dossiers refused at reception, which are never counted.
    """
    if dossier.status == Status.REJECTED:
        return None
    if dossier.resolved_on is not None and (cutoff is None or dossier.resolved_on <= cutoff):
        return classify_closed(dossier)
    if cutoff is None:
        if dossier.status == Status.SUPPLEMENT:
            return WITHIN
        from django.utils import timezone

        cutoff = timezone.localdate()
    else:
        from dossiers.calendar import local_date

        waiting = [
            s
            for s in dossier.supplements.all()
            if local_date(s.requested_at) <= cutoff
            and (s.resumed_at is None or local_date(s.resumed_at) > cutoff)
        ]
        if waiting:
            return WITHIN
    return OVERDUE if dossier.due_date and dossier.due_date < cutoff else WITHIN


def late_hops_q() -> Q:
    return Q(result=Hop.Result.LATE)


def agencies_at_fault(dossier) -> list:
    """Agencies whose own step (hop) ran past its due date: who made this dossier late."""
    return [hop.agency for hop in dossier.hops.all() if hop.result == Hop.Result.LATE]
