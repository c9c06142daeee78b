"""The officer's worklists: which open dossiers need them today, and how many in each list.

One definition serves the register's tabs, their counts and the home page, so a count always
matches the list it links to. The model has no "submitted online, waiting for acceptance" state
(an online dossier is logged when accepted), so there is no such list.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from dossiers import calendar
from dossiers.models import DossierQuerySet

# key -> label (msgid, translated where shown)
WORKLISTS = {
    "mine": gettext_noop("Hồ sơ của tôi"),
    "due_today": gettext_noop("Đến hạn hôm nay"),
    "due_tomorrow": gettext_noop("Đến hạn ngày làm việc tiếp theo"),
    "overdue": gettext_noop("Quá hạn"),
    "supplement": gettext_noop("Chờ bổ sung"),
    "at_agency": gettext_noop("Đang ở cơ quan khác"),
    "apology": gettext_noop("Sắp đến hạn / quá hạn chưa có thư xin lỗi đúng hạn"),
    # Received at another ward's counter for this ward, not accepted yet (Nghị định 118/2025).
    "incoming": gettext_noop("Hồ sơ chuyển đến chờ nhận"),
}


def mine(qs: DossierQuerySet, user) -> DossierQuerySet:
    """Open dossiers assigned to ``user``, or received by them and not yet assigned."""
    return qs.open_now().filter(assignee=user) | qs.open_now().filter(assignee__isnull=True, created_by=user)


def apply(
    qs: DossierQuerySet, name: str, user, today: date, *, now: datetime | None = None
) -> DossierQuerySet:
    """``qs`` narrowed to the worklist ``name`` (unchanged for an unknown name).

    ``now``: the screens judge "overdue" at the present moment; a digest for ``today`` (no
    ``now``) judges it as that working day begins."""
    if name == "mine":
        return mine(qs, user)
    if name == "due_today":
        return qs.due_on(today)
    if name == "due_tomorrow":
        return qs.due_on(calendar.next_working_day(today))
    if name == "overdue":
        return qs.overdue_at(now) if now is not None else qs.overdue_on(today)
    if name == "supplement":
        return qs.waiting_supplement()
    if name == "at_agency":
        return qs.at_agency()
    if name == "apology":
        return qs.needing_apology_on(today)
    if name == "incoming":
        return qs.awaiting_acceptance()
    return qs


def counts(qs: DossierQuerySet, user, today: date, *, now: datetime | None = None) -> dict[str, int]:
    """Size of every worklist within ``qs``, in one query (each list is a filtered count over the
    ids its own queryset selects, so the figures are those of the lists themselves)."""
    base = qs.order_by()
    aggregates = {
        key: Count("id", filter=Q(id__in=apply(base, key, user, today, now=now).values("id")))
        for key in WORKLISTS
    }
    return base.aggregate(**aggregates)
