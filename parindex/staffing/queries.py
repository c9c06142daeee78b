"""Staffing figures for screens, exports and the indicator engine.

CONTRACT (the dashboards and the indicator engine call these; keep the names):

- ``vacancy_counts(ward_ids, on) -> dict[ward_id, VacancyCounts]``: quota, filled, vacant and
  covered over the posts in force on ``on``; one query. Wards without posts are absent.
- ``position_table(ward_id, on) -> list[PositionRow]``: one row per post in force on ``on`` with
  its holders, who covers it since when, and its open recruitment; four queries.
- ``workload(ward_id, period) -> list[WorkloadRow]``: one row per official serving in the period:
  dossiers received and handled in the period, open tasks held at its end, posts held and
  covered; four queries.
- ``staffing_block_context(ward_id, period, on) -> dict``: the context of
  ``templates/staffing/staffing_block.html`` (and of the staffing page's tables); eight queries.

Every function runs a fixed number of SQL queries whatever the number of posts, people, dossiers
or tasks: counts are grouped subqueries, lists come through filtered prefetches.

Vacancy arithmetic per post: ``filled`` = holdings in force that day, ``vacant`` = max(quota -
filled, 0) (an over-filled post does not hide another post's vacancy), ``covered`` = covers in
force that day, capped at ``vacant``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from statistics import median

from django.db import connections, router
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from dossiers.models import Dossier, DossierEvent, Status
from parindex.periods import Period
from parindex.staffing.models import (
    OPEN_RECRUITMENT,
    Cover,
    Holding,
    Official,
    Position,
    Recruitment,
    in_force_on,
    overlapping,
)
from tasks.models import Task, TaskStatus

# A row of the workload table is flagged when its load reaches this multiple of the ward's median
# load: relative, because what is "too much" differs between a quiet and a busy ward.
OVERLOAD_FACTOR = 1.5


@dataclass
class VacancyCounts:
    quota: int = 0
    filled: int = 0
    vacant: int = 0
    covered: int = 0

    @property
    def uncovered(self) -> int:
        """Vacant posts nobody covers: work that simply waits."""
        return self.vacant - self.covered

    def __add__(self, other: VacancyCounts) -> VacancyCounts:
        return VacancyCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass
class CoverInfo:
    cover: Cover
    official: Official
    start: date
    end: date | None
    note: str


@dataclass
class PositionRow:
    position: Position
    quota: int
    filled: int
    vacant: int
    covered: int
    holders: list[Official] = field(default_factory=list)
    covers: list[CoverInfo] = field(default_factory=list)
    recruitment: Recruitment | None = None

    @property
    def counts(self) -> VacancyCounts:
        return VacancyCounts(self.quota, self.filled, self.vacant, self.covered)


@dataclass
class WorkloadRow:
    official: Official
    dossiers_received: int
    dossiers_handled: int
    tasks_open: int
    positions: list[Position] = field(default_factory=list)
    covering: list[Position] = field(default_factory=list)
    overloaded: bool = False

    @property
    def load(self) -> int:
        """Dossiers handled plus open tasks: the single number the overload flag compares."""
        return self.dossiers_handled + self.tasks_open

    @property
    def has_account(self) -> bool:
        return self.official.user_id is not None


def _count(queryset, group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery (0 when nothing matches).

    Grouping by a column that is constant inside the subquery gives exactly one row.
    """
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def _annotate_vacancy(positions, on: date):
    holders = Holding.objects.filter(position=OuterRef("pk")).filter(in_force_on(on))
    covers = Cover.objects.filter(position=OuterRef("pk")).filter(in_force_on(on))
    return positions.annotate(n_filled=_count(holders, "position_id"), n_covers=_count(covers, "position_id"))


def _vacancy(quota: int, filled: int, covers: int) -> VacancyCounts:
    vacant = max(quota - filled, 0)
    return VacancyCounts(quota=quota, filled=filled, vacant=vacant, covered=min(covers, vacant))


def vacancy_counts(ward_ids, on: date) -> dict[int, VacancyCounts]:
    """Per ward, the posts in force on ``on``: one query (posts with two counted subqueries)."""
    rows = _annotate_vacancy(Position.objects.filter(ward_id__in=list(ward_ids)).valid_on(on), on)
    result: dict[int, VacancyCounts] = {}
    for ward_id, quota, filled, covers in rows.values_list("ward_id", "quota", "n_filled", "n_covers"):
        result[ward_id] = result.get(ward_id, VacancyCounts()) + _vacancy(quota, filled, covers)
    return result


def position_table(ward_id: int, on: date) -> list[PositionRow]:
    """The ward's posts in force on ``on``. Four queries: posts with counts, then holders, covers
    and open recruitments each in one prefetch."""
    positions = _annotate_vacancy(Position.objects.filter(ward_id=ward_id).valid_on(on), on)
    positions = positions.order_by("sort_order", "office", "title").prefetch_related(
        Prefetch(
            "holdings",
            queryset=Holding.objects.filter(in_force_on(on))
            .select_related("official")
            .order_by("official__full_name"),
            to_attr="current_holdings",
        ),
        Prefetch(
            "covers",
            queryset=Cover.objects.filter(in_force_on(on)).select_related("official").order_by("start", "id"),
            to_attr="current_covers",
        ),
        Prefetch(
            "recruitments",
            queryset=Recruitment.objects.filter(status__in=OPEN_RECRUITMENT, opened_on__lte=on).order_by(
                "-opened_on", "-id"
            ),
            to_attr="open_recruitments",
        ),
    )
    rows = []
    for p in positions:
        counts = _vacancy(p.quota, p.n_filled, p.n_covers)
        rows.append(
            PositionRow(
                position=p,
                quota=counts.quota,
                filled=counts.filled,
                vacant=counts.vacant,
                covered=counts.covered,
                holders=[h.official for h in p.current_holdings],
                covers=[CoverInfo(c, c.official, c.start, c.end, c.note) for c in p.current_covers],
                recruitment=p.open_recruitments[0] if p.open_recruitments else None,
            )
        )
    return rows


def _open_tasks_subquery(ward_id: int, period: Period):
    """Tasks of the ward's plans that the official leads or co-handles, open at the period's end.

    Cancelled tasks are gone; a task completed after the period's end still counted as open then.
    """
    held = (
        Task.objects.filter(plan__ward_id=ward_id)
        .filter(Q(lead_id=OuterRef("user_id")) | Q(co_officials=OuterRef("user_id")))
        .exclude(status=TaskStatus.CANCELLED)
        .exclude(status=TaskStatus.DONE, completed_on__lte=period.end)
    )
    return _count(held, "plan__ward_id")


def workload(ward_id: int, period: Period) -> list[WorkloadRow]:
    """Per official serving in ``period``: what they received and handled, and what they hold.

    - received: dossiers of the ward they logged (``created_by``) with ``received_at`` in the period;
    - handled: dossiers of the ward they were assigned and that were open at some time in the period,
      or on which they recorded a workflow event in the period (each dossier once);
    - tasks_open: reform-plan tasks they lead or co-handle, open at the end of the period.

    Four queries whatever the data: officials (with their open tasks as a subquery), posts held and
    posts covered in the period (prefetches), then one grouped statement over the ward's dossiers
    and events of the period (``_dossier_counts``). Per-official correlated counts over the ward's
    whole history cost 150 ms at 1M dossiers (docs/performance.md); this reads only the period's
    rows through the indexes.
    """
    annotations = {"n_tasks": _open_tasks_subquery(ward_id, period)}

    officials = (
        Official.objects.filter(ward_id=ward_id)
        .serving_between(period.start, period.end)
        .annotate(**annotations)
        .prefetch_related(
            Prefetch(
                "holdings",
                queryset=Holding.objects.filter(overlapping(period.start, period.end))
                .select_related("position")
                .order_by("start", "id"),
                to_attr="period_holdings",
            ),
            Prefetch(
                "covers",
                queryset=Cover.objects.filter(overlapping(period.start, period.end))
                .select_related("position")
                .order_by("start", "id"),
                to_attr="period_covers",
            ),
        )
        .order_by("full_name", "id")
    )
    officials = list(officials)
    counts = _dossier_counts(ward_id, [o.user_id for o in officials if o.user_id], period)
    rows = [
        WorkloadRow(
            official=o,
            dossiers_received=counts.get(o.user_id, (0, 0))[0],
            dossiers_handled=counts.get(o.user_id, (0, 0))[1],
            tasks_open=o.n_tasks,
            positions=_unique(h.position for h in o.period_holdings),
            covering=_unique(c.position for c in o.period_covers),
        )
        for o in officials
    ]
    _flag_overload(rows)
    rows.sort(key=lambda r: (-r.load, -len(r.covering), r.official.full_name))
    return rows


def _dossier_counts(ward_id: int, user_ids: list[int], period: Period) -> dict[int, tuple[int, int]]:
    """``{user_id: (received, handled)}`` for the workload, in one SQL statement.

    The three sets are one ``UNION ALL`` of (user, dossier, kind) rows, grouped once: kind 1 the
    dossiers the user logged in the period; kind 2 the dossiers assigned to them and open at some
    time in the period, and those they recorded an event on in the period; ``handled`` counts the
    distinct dossiers of kind 2, so a dossier both assigned and acted on counts once. Rejected
    dossiers count nowhere. (It replaced three queries merged in Python, which sent every
    (user, dossier) pair of the period to the application: 17 ms of the ward dashboard at 1M.)
    """

    if not user_ids:
        return {}
    start_at, end_at = period.start_at, period.end_at
    dossiers = Dossier.objects.filter(ward_id=ward_id).exclude(status=Status.REJECTED).order_by()
    received = (
        dossiers.filter(created_by_id__in=user_ids, received_at__gte=start_at, received_at__lt=end_at)
        .annotate(u=F("created_by_id"), d=F("id"), k=Value(1))
        .values_list("u", "d", "k")
    )
    assigned_open = (
        dossiers.filter(assignee_id__in=user_ids, received_at__lt=end_at)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start_at))
        .annotate(u=F("assignee_id"), d=F("id"), k=Value(2))
        .values_list("u", "d", "k")
    )
    acted_on = (
        DossierEvent.objects.filter(
            by_id__in=user_ids, at__gte=start_at, at__lt=end_at, dossier__ward_id=ward_id
        )
        .exclude(dossier__status=Status.REJECTED)
        .order_by()
        .annotate(u=F("by_id"), d=F("dossier_id"), k=Value(2))
        .values_list("u", "d", "k")
    )
    alias = router.db_for_read(Dossier)
    union_sql, params = received.union(assigned_open, acted_on, all=True).query.get_compiler(alias).as_sql()
    sql = (
        "SELECT w.u, SUM(CASE WHEN w.k = 1 THEN 1 ELSE 0 END), COUNT(DISTINCT CASE WHEN w.k = 2 THEN w.d END)"
        " FROM ({}) w GROUP BY w.u"
    ).format(union_sql)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return {
            user_id: (int(n_received), int(n_handled)) for user_id, n_received, n_handled in cursor.fetchall()
        }


def _unique(positions) -> list[Position]:
    seen: dict[int, Position] = {}
    for p in positions:
        seen.setdefault(p.pk, p)
    return list(seen.values())


def _flag_overload(rows: list[WorkloadRow]) -> None:
    """Mark rows whose load is at least OVERLOAD_FACTOR times the median of the officials with an
    account (those without one never log dossiers, so they would drag the median to zero)."""
    loads = [r.load for r in rows if r.has_account]
    if not loads:
        return
    threshold = max(median(loads) * OVERLOAD_FACTOR, 1)
    for r in rows:
        r.overloaded = r.has_account and r.load >= threshold


def staffing_block_context(ward_id: int, period: Period, on: date, *, with_workload: bool = True) -> dict:
    """Context of ``staffing/staffing_block.html`` and ``staffing/staffing_tables.html``.

    Eight queries: the position table (4) and the workload (4; not with ``with_workload=False``,
    the ward dashboard's, which loads it afterwards); the totals are summed from the table's rows,
    so the same numbers are not counted twice.
    """
    rows = position_table(ward_id, on)
    totals = VacancyCounts()
    for row in rows:
        totals = totals + row.counts
    return {
        "staffing_on": on,
        "staffing_period": period,
        "staffing_rows": rows,
        "staffing_totals": totals,
        "staffing_workload": workload(ward_id, period) if with_workload else [],
    }
