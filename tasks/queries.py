"""Counts of the reform plan and totals of the PAR self-assessment, for screens and the indicator engine.

CONTRACT (the indicator engine and the dashboards call these; keep the names):

- ``plan_counts(ward_ids, year, *, on) -> dict[ward_id, PlanCounts]``: one grouped query.
- ``plan_counts_by(ward_ids, year, *, on, by) -> dict[(ward_id, key), PlanCounts]`` with ``by`` one of
  "component", "lead" (key = component value / lead user id or None): one grouped query.
- ``monthly_line(ward_ids, year) -> dict[ward_id, MonthlyLine]``: tasks due and done per month, two
  grouped queries.
- ``par_totals(ward_ids, year) -> dict[ward_id, ParTotals]``: one query.

Every function runs a fixed number of SQL queries whatever the number of tasks or criteria.
Percentages come from ``parindex.base.numbers.ratio`` (the indicator engine re-exports it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from parindex.base.numbers import Ratio, ratio
from tasks.models import (
    STATUS_PROGRESS,
    Appraisal,
    AppraisalState,
    Component,
    Criterion,
    Task,
    TaskStatus,
    overdue_q,
)

ZERO = Decimal("0")


@dataclass
class PlanCounts:
    """Counts of a plan (or a slice of it) as of a date.

    ``planned`` excludes cancelled tasks: a cancelled task leaves the denominator. A task marked
    done after ``on`` counts as in progress on that date, so past periods can be re-counted.
    """

    planned: int = 0
    done: int = 0
    cancelled: int = 0
    overdue: int = 0
    in_progress: int = 0
    not_started: int = 0
    # planned tasks due on or before the date: how many should be done by then
    due: int = 0

    @property
    def total(self) -> int:
        return self.planned + self.cancelled

    @property
    def open(self) -> int:
        return self.planned - self.done

    @property
    def done_ratio(self) -> Ratio:
        """Tasks done / tasks planned (42/56 = 75,0%)."""
        return ratio(self.done, self.planned)

    @property
    def progress(self) -> Ratio:
        """Status-based progress: the mean of the fixed progress of each planned task's status."""
        points = (
            self.done * STATUS_PROGRESS[TaskStatus.DONE]
            + self.in_progress * STATUS_PROGRESS[TaskStatus.IN_PROGRESS]
            + self.not_started * STATUS_PROGRESS[TaskStatus.NOT_STARTED]
        )
        return ratio(points, self.planned * 100)

    def __add__(self, other: PlanCounts) -> PlanCounts:
        return PlanCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def _count_annotations(on: date) -> dict:
    done = Q(status=TaskStatus.DONE, completed_on__lte=on)
    cancelled = Q(status=TaskStatus.CANCELLED)
    late_done = Q(status=TaskStatus.DONE, completed_on__gt=on)
    return {
        "n_total": Count("id"),
        "n_done": Count("id", filter=done),
        "n_cancelled": Count("id", filter=cancelled),
        "n_in_progress": Count("id", filter=Q(status=TaskStatus.IN_PROGRESS) | late_done),
        "n_not_started": Count("id", filter=Q(status=TaskStatus.NOT_STARTED)),
        "n_overdue": Count("id", filter=overdue_q(on)),
        "n_due": Count("id", filter=~cancelled & Q(due_date__lte=on)),
    }


def _counts(row: dict) -> PlanCounts:
    return PlanCounts(
        planned=row["n_total"] - row["n_cancelled"],
        done=row["n_done"],
        cancelled=row["n_cancelled"],
        overdue=row["n_overdue"],
        in_progress=row["n_in_progress"],
        not_started=row["n_not_started"],
        due=row["n_due"],
    )


def _tasks(ward_ids: Iterable[int], year: int) -> QuerySet[Task]:
    return Task.objects.filter(plan__ward_id__in=list(ward_ids), plan__year=year).order_by()


def plan_counts(ward_ids: Iterable[int], year: int, *, on: date) -> dict[int, PlanCounts]:
    """Per ward: planned / done / cancelled / overdue / in progress / not started as of ``on``.

    Wards without a plan (or with an empty one) are absent; use ``.get(ward_id, PlanCounts())``.
    """
    rows = _tasks(ward_ids, year).values("plan__ward_id").annotate(**_count_annotations(on))
    return {row["plan__ward_id"]: _counts(row) for row in rows}


def plan_counts_by(
    ward_ids: Iterable[int], year: int, *, on: date, by: str
) -> dict[tuple[int, object], PlanCounts]:
    """Counts per (ward, component) or (ward, lead official id) as of ``on``."""
    column = {"component": "component", "lead": "lead_id"}[by]
    rows = _tasks(ward_ids, year).values("plan__ward_id", column).annotate(**_count_annotations(on))
    return {(row["plan__ward_id"], row[column]): _counts(row) for row in rows}


@dataclass
class MonthlyLine:
    """Tasks due and tasks done in each month of the plan's year (index 0 = January)."""

    due: list[int] = field(default_factory=lambda: [0] * 12)
    done: list[int] = field(default_factory=lambda: [0] * 12)

    @staticmethod
    def _running(values: list[int]) -> list[int]:
        total, out = 0, []
        for value in values:
            total += value
            out.append(total)
        return out

    @property
    def due_cumulative(self) -> list[int]:
        return self._running(self.due)

    @property
    def done_cumulative(self) -> list[int]:
        return self._running(self.done)


def monthly_line(ward_ids: Iterable[int], year: int) -> dict[int, MonthlyLine]:
    """Planned (not cancelled) tasks by due month and done tasks by completion month.

    Done tasks completed outside the plan's year (a late finish in January) are left out of the
    line but still count as done in ``plan_counts``.
    """
    ward_ids = list(ward_ids)
    lines: dict[int, MonthlyLine] = defaultdict(MonthlyLine)
    due_rows = (
        _tasks(ward_ids, year)
        .exclude(status=TaskStatus.CANCELLED)
        .annotate(m=ExtractMonth("due_date"))
        .values("plan__ward_id", "m")
        .annotate(n=Count("id"))
    )
    for row in due_rows:
        lines[row["plan__ward_id"]].due[row["m"] - 1] += row["n"]
    done_rows = (
        _tasks(ward_ids, year)
        .filter(status=TaskStatus.DONE, completed_on__year=year)
        .annotate(m=ExtractMonth("completed_on"))
        .values("plan__ward_id", "m")
        .annotate(n=Count("id"))
    )
    for row in done_rows:
        lines[row["plan__ward_id"]].done[row["m"] - 1] += row["n"]
    return dict(lines)


@dataclass
class ScoreTotals:
    """Scores of a component (or of the whole index) in each round.

    ``max_score`` leaves out the criteria marked "not applicable". ``appraised_score`` is the first
    appraisal; ``second_score`` the result after the second (a criterion the city did not score
    again keeps its first appraisal); the final result is the second once the city has fixed it.
    """

    max_score: Decimal = ZERO
    self_score: Decimal = ZERO
    appraised_score: Decimal = ZERO
    second_score: Decimal = ZERO
    criteria: int = 0
    self_scored: int = 0
    appraised: int = 0
    second_appraised: int = 0
    finalized: bool = False

    @property
    def final_score(self) -> Decimal | None:
        return self.second_score if self.finalized else None

    @property
    def self_ratio(self) -> Ratio:
        # Scores have two decimals; the ratio works on hundredths to stay in whole numbers.
        return ratio(int(self.self_score * 100), int(self.max_score * 100))

    @property
    def appraised_ratio(self) -> Ratio:
        return ratio(int(self.appraised_score * 100), int(self.max_score * 100))

    @property
    def second_ratio(self) -> Ratio:
        return ratio(int(self.second_score * 100), int(self.max_score * 100))

    def add(self, other: ScoreTotals) -> None:
        for f in fields(self):
            if f.name != "finalized":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.finalized = self.finalized or other.finalized


@dataclass
class ParTotals:
    overall: ScoreTotals = field(default_factory=ScoreTotals)
    components: dict[str, ScoreTotals] = field(
        default_factory=lambda: {value: ScoreTotals() for value in Component.values}
    )
    state: str = AppraisalState.SELF


def _capped(own: Decimal | None, child_sum: Decimal | None, children: int, cap: Decimal) -> Decimal | None:
    if not children:
        return own
    if child_sum is None:
        return None
    return min(child_sum, cap)


def par_totals(ward_ids: Iterable[int], year: int) -> dict[int, ParTotals]:
    """Self-assessed and appraised totals (both rounds) per component and overall, for each ward.

    A criterion with sub-criteria scores the sum of its children's scores, capped at its own
    maximum (provinces publish sub-criteria whose maxima add up to more than the criterion's);
    a criterion without sub-criteria carries its own score. A criterion "not applicable" leaves
    the maximum: its own if it has no sub-criteria, else the parent's maximum becomes the sum of
    its applicable sub-criteria's, still capped at its own. One query: the criteria with their
    children's sums and the state of the ward's round.
    """
    applicable = Q(children__not_applicable=False)
    rows = (
        Criterion.objects.filter(ward_id__in=list(ward_ids), year=year, parent__isnull=True)
        .order_by()
        .values("id", "ward_id", "component", "max_score", "self_score", "appraised_score", "not_applicable")
        .annotate(
            own_second=Coalesce("second_score", "appraised_score"),
            state=Subquery(
                Appraisal.objects.filter(ward_id=OuterRef("ward_id"), year=year).values("state")[:1]
            ),
            n_children=Count("children"),
            child_max=Sum("children__max_score", filter=applicable),
            child_self=Sum("children__self_score", filter=applicable),
            child_appraised=Sum("children__appraised_score", filter=applicable),
            child_second=Sum(
                Coalesce("children__second_score", "children__appraised_score"), filter=applicable
            ),
        )
    )
    result: dict[int, ParTotals] = {}
    for row in rows:
        totals = result.setdefault(row["ward_id"], ParTotals())
        totals.state = row["state"] or AppraisalState.SELF
        n = row["n_children"]
        if n:
            cap = min(row["max_score"], row["child_max"] or ZERO)
        else:
            cap = ZERO if row["not_applicable"] else row["max_score"]
        self_score = _capped(row["self_score"], row["child_self"], n, cap)
        appraised = _capped(row["appraised_score"], row["child_appraised"], n, cap)
        second = _capped(row["own_second"], row["child_second"], n, cap)
        one = ScoreTotals(
            max_score=cap,
            self_score=self_score or ZERO,
            appraised_score=appraised or ZERO,
            second_score=second or ZERO,
            criteria=1,
            self_scored=int(self_score is not None),
            appraised=int(appraised is not None),
            second_appraised=int(second is not None),
            finalized=totals.state == AppraisalState.FINAL,
        )
        totals.components[row["component"]].add(one)
        totals.overall.add(one)
    return result


@dataclass
class ParReport:
    """What the self-assessment report shows: the totals per component in every round, the
    criteria the ward explained (or must explain), those not applicable, and the free text."""

    ward_id: int
    year: int
    appraisal: Appraisal
    totals: ParTotals
    explained: list[Criterion]
    not_applicable: list[Criterion]

    @property
    def component_rows(self) -> list[tuple[int, str, ScoreTotals]]:
        return [
            (index, label, self.totals.components[value])
            for index, (value, label) in enumerate(Component.choices, start=1)
        ]


def par_report(ward_id: int, year: int) -> ParReport:
    """Three queries: the round, the totals, the criteria that need words in the report."""
    appraisal = Appraisal.objects.filter(ward_id=ward_id, year=year).first() or Appraisal(
        ward_id=ward_id, year=year
    )
    totals = par_totals([ward_id], year).get(ward_id, ParTotals())
    questioned = Q(evidence_complete=False) | Q(appraised_score__lt=F("self_score")) | ~Q(explanation="")
    rows = list(
        Criterion.objects.filter(ward_id=ward_id, year=year)
        .filter(questioned | Q(not_applicable=True))
        .order_by("position", "code")
    )
    return ParReport(
        ward_id=ward_id,
        year=year,
        appraisal=appraisal,
        totals=totals,
        explained=[c for c in rows if not c.not_applicable],
        not_applicable=[c for c in rows if c.not_applicable],
    )
