"""The officer's worklists: which open dossiers need them today, and how many in each list.

One definition serves the register's tabs, their counts and the home page, so a count always
matches the list it links to.

Online submissions waiting for acceptance are not dossiers yet (``OnlineSubmission``): their list
is the ward's inbox (``inbox``), counted beside the dossiers' lists as ``ONLINE``; those waiting
longer than a working day (``dossiers.deadlines.acceptance_limit``) are flagged.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import CharField, Count, Value
from django.utils.translation import gettext_noop

from dossiers import calendar, deadlines
from dossiers.models import DossierQuerySet, OnlineSubmission

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
# The inbox of online submissions: a list of its own (not dossiers), shown after the others.
ONLINE = "online"
ONLINE_LABEL = gettext_noop("Hồ sơ trực tuyến chờ tiếp nhận")


def inbox(ward_ids, *, too_long_at: datetime | None = None):
    """The online submissions of ``ward_ids`` waiting for acceptance, oldest first; with
    ``too_long_at``, only those waiting longer than a working day at that moment."""
    condition = deadlines.waiting_too_long_q(too_long_at) if too_long_at else deadlines.waiting_q()
    return OnlineSubmission.objects.filter(condition, ward_id__in=ward_ids).order_by("submitted_at", "id")


def inbox_counts(ward_ids, now: datetime) -> dict[str, int]:
    """{"online": waiting, "online_late": waiting longer than a working day}, in one query."""
    return inbox(ward_ids).aggregate(
        online=Count("id"), online_late=Count("id", filter=deadlines.waiting_too_long_q(now))
    )


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
    """Size of every worklist within ``qs``, in one query: a ``UNION ALL`` of each list's own
    ``COUNT`` (its own queryset, so the figures are those of the lists themselves; an aggregate
    without ``GROUP BY`` gives its row even when the list is empty). Each count reads its list
    through its own index; the former single aggregate passed over the ward's whole register with
    an ``id IN (subquery)`` filter per list (1.1-1.6x slower at 1M dossiers)."""
    base = qs.order_by()
    parts = [
        apply(base, key, user, today, now=now)
        .order_by()
        .values(key=Value(key, output_field=CharField()))
        .annotate(n=Count("id"))
        .values_list("key", "n")
        for key in WORKLISTS
    ]
    sizes = dict(parts[0].union(*parts[1:], all=True))
    return {key: sizes[key] for key in WORKLISTS}
