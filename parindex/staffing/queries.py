"""Staffing figures for screens, exports and the indicator engine.

CONTRACT (the dashboards and the indicator engine call these; keep the names):

- ``vacancy_counts(ward_ids, on) -> dict[ward_id, VacancyCounts]``: quota, filled, vacant and
  covered over the posts in force on ``on``; one query. Wards without posts are absent.
- ``position_table(ward_id, on) -> list[PositionRow]``: one row per post in force on ``on`` with
  its holders, who covers it since when, and its open recruitment; four queries.

The workload per official (dossiers and plan tasks per person) reads the other domain apps, so it
is analytics: ``parindex/analytics/workload.py``.

Every function runs a fixed number of SQL queries whatever the number of posts, people, dossiers
or tasks: counts are grouped subqueries, lists come through filtered prefetches.

Vacancy arithmetic per post: ``filled`` = holdings in force that day, ``vacant`` = max(quota -
filled, 0) (an over-filled post does not hide another post's vacancy), ``covered`` = covers in
force that day, capped at ``vacant``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from parindex.staffing.models import (
    OPEN_RECRUITMENT,
    Cover,
    Holding,
    Official,
    Position,
    Recruitment,
    in_force_on,
)


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


def grouped_count(queryset, group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery (0 when nothing matches).

    Grouping by a column that is constant inside the subquery gives exactly one row.
    """
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def _annotate_vacancy(positions, on: date):
    holders = Holding.objects.filter(position=OuterRef("pk")).filter(in_force_on(on))
    covers = Cover.objects.filter(position=OuterRef("pk")).filter(in_force_on(on))
    return positions.annotate(
        n_filled=grouped_count(holders, "position_id"), n_covers=grouped_count(covers, "position_id")
    )


def _vacancy(quota: int, filled: int, covers: int) -> VacancyCounts:
    vacant = max(quota - filled, 0)
    return VacancyCounts(quota=quota, filled=filled, vacant=vacant, covered=min(covers, vacant))


def vacancy_counts(ward_ids, on: date) -> dict[int, VacancyCounts]:
    """Per ward, the posts in force on ``on``: one query (posts with two counted subqueries)."""
    rows = _annotate_vacancy(Position.objects.filter(ward_id__in=list(ward_ids)).valid_on(on), on).order_by()
    # Plain integers per ward, one VacancyCounts each at the end (the city page's 1,000 posts
    # were 2,000 dataclass constructions and additions: 15 of its 23 ms at 1M).
    sums: dict[int, list[int]] = {}
    for ward_id, quota, filled, covers in rows.values_list("ward_id", "quota", "n_filled", "n_covers"):
        vacant = max(quota - filled, 0)
        total = sums.setdefault(ward_id, [0, 0, 0, 0])
        total[0] += quota
        total[1] += filled
        total[2] += vacant
        total[3] += min(covers, vacant)
    return {ward_id: VacancyCounts(*total) for ward_id, total in sums.items()}


def position_table(ward_id: int, on: date) -> list[PositionRow]:
    """The ward's posts in force on ``on``. Four queries: the posts, then holders, covers and open
    recruitments each in one prefetch; a post's counts are its holdings and covers in force, the
    rows ``_annotate_vacancy`` counts (its two subqueries cost more to compile than to run)."""
    positions = Position.objects.filter(ward_id=ward_id).valid_on(on)
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
        counts = _vacancy(p.quota, len(p.current_holdings), len(p.current_covers))
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
