"""The service index of QĐ 766/QĐ-TTg computed from the records, per ward and per city, per
calendar month, quarter and year (the groups, sub-indicators and weights are data:
``parindex/analytics/service_index_data.py``).

What each sub-indicator counts is its ``definition`` (shown on the pages); the dossier numbers are
the Biểu 06 buckets of ``parindex.analytics.indicators`` (same period rules: received = open at some moment
of the period, new = received in it, resolved = closed in it), so the index and the report never
disagree on a count. A city's score is computed from the sum of its wards' numbers (ratio of
sums), not as an average of their scores.

Queries: ``boards(ward_ids, periods)`` runs 4 queries whatever the data (weights, the city's
entries, official scores, the catalogue of the whole span) plus 2 per period (one grouped
aggregate over the dossiers by ward and procedure, one over the PAKN by ward).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull

from dossiers import deadlines
from dossiers.buckets import bucket_conditions
from dossiers.models import Dossier, OnlineLevel, Petition, PetitionSatisfaction, Procedure, Rating, Status
from parindex.analytics.indicators import Ratio, ratio
from parindex.analytics.service_index_data import (
    GROUPS,
    SUBINDICATORS,
    OfficialScore,
    ScoreKind,
    ServiceIndexEntry,
    ServiceIndexWeight,
    SubIndicator,
    WhenEmpty,
    default_weights,
)
from parindex.base.periods import Period, month, months_of, quarter, year

CENT = Decimal("0.01")
SCORED_KINDS = (ScoreKind.MONTH, ScoreKind.QUARTER, ScoreKind.YEAR)


# -- periods -----------------------------------------------------------------------------------


def period_key(period: Period) -> tuple[str, int, int]:
    """(kind, year, number): number is the month, the quarter, or 0 for a year."""
    if period.kind == ScoreKind.MONTH:
        return (ScoreKind.MONTH, period.start.year, period.start.month)
    if period.kind == ScoreKind.QUARTER:
        return (ScoreKind.QUARTER, period.start.year, (period.start.month - 1) // 3 + 1)
    if period.kind == ScoreKind.YEAR:
        return (ScoreKind.YEAR, period.start.year, 0)
    raise ValueError("the service index is scored per calendar month, quarter or year")


def period_of(kind: str, year_: int, number: int) -> Period:
    if kind == ScoreKind.MONTH:
        return month(year_, number)
    if kind == ScoreKind.QUARTER:
        return quarter(year_, number)
    return year(year_)


def previous(period: Period) -> Period:
    kind, y, n = period_key(period)
    if kind == ScoreKind.MONTH:
        return month(y - 1, 12) if n == 1 else month(y, n - 1)
    if kind == ScoreKind.QUARTER:
        return quarter(y - 1, 4) if n == 1 else quarter(y, n - 1)
    return year(y - 1)


# -- the numbers counted -----------------------------------------------------------------------


@dataclass
class Facts:
    """What one ward (or a city: the sum) did in one period, as the index counts it."""

    received: int = 0  # Biểu 06 col. 3
    in_time: int = 0  # resolved before or on time + in progress within
    new: int = 0
    new_online: int = 0
    resolved: int = 0
    e_result: int = 0
    synced: int = 0
    digitised: int = 0
    reused: int = 0
    citizen: int = 0
    fee_due: int = 0
    paid_online: int = 0
    handled_bad: int = 0  # resolved and (late, rated dissatisfied or with a PAKN), once each
    pakn_due: int = 0
    pakn_on_time: int = 0
    pakn_replied: int = 0
    pakn_satisfied: int = 0
    codes_new: set[str] = field(default_factory=set)  # procedures with new dossiers
    codes_online: set[str] = field(default_factory=set)  # ... with a new online dossier
    codes_paid_online: set[str] = field(default_factory=set)  # ... with one paid online
    codes_citizen: set[str] = field(default_factory=set)  # ... with one connected to citizen data

    def __add__(self, other: Facts) -> Facts:
        values = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = mine | theirs if isinstance(mine, set) else mine + theirs
        return Facts(**values)


@dataclass(frozen=True)
class Catalogue:
    """Procedure codes in force on a day, by what they offer."""

    codes: frozenset[str]
    online: frozenset[str]
    fee_bearing: frozenset[str]
    fee_online: frozenset[str]


# -- scores ------------------------------------------------------------------------------------


def points_for(value: Ratio | None, weight: ServiceIndexWeight) -> Decimal | None:
    """The threshold rule: full points from ``full_at``, else ratio x max / full_at; an empty
    ratio scores what ``when_empty`` says. ``None`` (not entered) has no score."""
    if value is None:
        return None
    if not value.denominator:
        return {WhenEmpty.FULL: weight.max_points, WhenEmpty.ZERO: Decimal("0")}.get(weight.when_empty)
    share = Decimal(value.numerator) / Decimal(value.denominator)
    points = weight.max_points if share >= weight.full_at else share * weight.max_points / weight.full_at
    return min(points, weight.max_points).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class SubScore:
    sub: SubIndicator
    weight: ServiceIndexWeight
    ratio: Ratio | None  # None: a city metric not entered for the period
    points: Decimal | None

    @property
    def lost(self) -> Decimal | None:
        return None if self.points is None else self.weight.max_points - self.points


@dataclass
class GroupScore:
    code: str
    label: str
    weight: ServiceIndexWeight
    subs: list[SubScore]

    @property
    def points(self) -> Decimal | None:
        """The sum of the sub-indicators capped at the group's points; none while one is missing."""
        if any(s.points is None for s in self.subs):
            return None
        return min(sum((s.points for s in self.subs), Decimal("0")), self.weight.max_points)


@dataclass
class UnitScore:
    """The index of one ward (``ward_id``) or of the city (``ward_id`` None) for one period."""

    ward_id: int | None
    period: Period
    facts: Facts
    groups: dict[str, GroupScore]
    official: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal | None:
        """The sum of the groups, only when every group has a score."""
        points = [g.points for g in self.groups.values()]
        return None if any(p is None for p in points) else sum(points, Decimal("0"))

    @property
    def official_total(self) -> Decimal | None:
        if set(self.official) != set(self.groups):
            return None
        return sum(self.official.values(), Decimal("0"))

    def difference(self, group: str) -> Decimal | None:
        ours, theirs = self.groups[group].points, self.official.get(group)
        return None if ours is None or theirs is None else ours - theirs


@dataclass
class Board:
    """Every ward's score and the city's for one period."""

    period: Period
    wards: dict[int, UnitScore]
    city: UnitScore


def _ratios(
    facts: Facts, catalogue: Catalogue, manual: dict[str, tuple[int, int]]
) -> dict[str, Ratio | None]:
    entered = {code: ratio(*pair) for code, pair in manual.items()}
    return {
        "publicity.publication": entered.get("publicity.publication"),
        "publicity.national_sync": entered.get("publicity.national_sync"),
        "progress.in_time": ratio(facts.in_time, facts.received),
        "online.offered": ratio(len(catalogue.online), len(catalogue.codes)),
        "online.used": ratio(len(facts.codes_online & catalogue.online), len(catalogue.online)),
        "online.share": ratio(facts.new_online, facts.new),
        "payment.paid": ratio(facts.paid_online, facts.fee_due),
        "payment.offered": ratio(len(catalogue.fee_online), len(catalogue.fee_bearing)),
        "payment.used": ratio(
            len(facts.codes_paid_online & catalogue.fee_bearing), len(catalogue.fee_bearing)
        ),
        "digitisation.e_result": ratio(facts.e_result, facts.resolved),
        "digitisation.documents": ratio(facts.digitised, facts.new),
        "digitisation.reuse": ratio(facts.reused, facts.new),
        "digitisation.synced": ratio(facts.synced, facts.e_result),
        "digitisation.citizen_dossier": ratio(facts.citizen, facts.new),
        "digitisation.citizen_procedure": ratio(len(facts.codes_citizen), len(facts.codes_new)),
        "digitisation.e_copies": entered.get("digitisation.e_copies"),
        "satisfaction.handling": ratio(facts.resolved - facts.handled_bad, facts.resolved),
        "satisfaction.pakn_on_time": ratio(facts.pakn_on_time, facts.pakn_due),
        "satisfaction.pakn_satisfied": ratio(facts.pakn_satisfied, facts.pakn_replied),
    }


def score(
    facts: Facts,
    catalogue: Catalogue,
    manual: dict[str, tuple[int, int]],
    weights: dict[str, ServiceIndexWeight],
) -> dict[str, GroupScore]:
    """Every group and sub-indicator from the counted numbers (no query)."""
    ratios = _ratios(facts, catalogue, manual)
    groups = {}
    for group in GROUPS:
        subs = [
            SubScore(
                sub, weights[sub.code], ratios[sub.code], points_for(ratios[sub.code], weights[sub.code])
            )
            for sub in SUBINDICATORS
            if sub.group == group.code
        ]
        groups[group.code] = GroupScore(group.code, group.label, weights[group.code], subs)
    return groups


def competition_ranks(values: dict[int, Decimal | None]) -> dict[int, int | None]:
    """1, 2, 2, 4: equal points share a rank, the next rank skips; no score, no rank."""
    scored = [v for v in values.values() if v is not None]
    return {
        key: None if v is None else 1 + sum(1 for other in scored if other > v) for key, v in values.items()
    }


# -- queries -----------------------------------------------------------------------------------


def weights_on(rows: Sequence[ServiceIndexWeight], day: date) -> dict[str, ServiceIndexWeight]:
    """The row in force on ``day`` per code (the latest ``valid_from`` not after it)."""
    result: dict[str, ServiceIndexWeight] = {}
    for row in sorted(rows, key=lambda r: r.valid_from):
        if row.valid_from <= day:
            result[row.code] = row
    return result


def _dossier_facts(ward_ids: list[int], period: Period, now: datetime | None) -> dict[int, Facts]:
    """One grouped aggregate by (ward, procedure code) with the Biểu 06 bucket conditions."""
    base, qs = bucket_conditions(period, now=now)
    new, resolved = qs["received_new"], qs["resolved"]
    # A scalar subquery, not EXISTS, inside COUNT FILTER: see indicators._bucket_qs.
    first_petition = Subquery(Petition.objects.filter(dossier_id=OuterRef("pk")).order_by().values("id")[:1])
    bad = qs["resolved_late"] | Q(rating__value=Rating.Value.NOT_SATISFIED) | Q(IsNull(first_petition, False))
    rows = (
        Dossier.objects.filter(ward_id__in=ward_ids)
        .exclude(status=Status.REJECTED)
        .filter(base)
        .order_by()
        .values("ward_id", "procedure__code")
        .annotate(
            received=Count("id"),
            in_time=Count(
                "id", filter=qs["resolved_before"] | qs["resolved_on_time"] | qs["in_progress_within"]
            ),
            new=Count("id", filter=new),
            new_online=Count("id", filter=qs["received_online"]),
            resolved=Count("id", filter=resolved),
            e_result=Count("id", filter=resolved & Q(electronic_result=True)),
            synced=Count("id", filter=resolved & Q(electronic_result=True, result_synced=True)),
            digitised=Count("id", filter=qs["digitised"]),
            reused=Count("id", filter=new & Q(reused_data=True)),
            citizen=Count("id", filter=new & Q(citizen_data_connected=True)),
            fee_due=Count("id", filter=qs["fee_due"]),
            paid_online=Count("id", filter=qs["paid_online"]),
            handled_bad=Count("id", filter=resolved & bad),
        )
    )
    result: dict[int, Facts] = defaultdict(Facts)
    counted = [f.name for f in fields(Facts) if f.type == "int"]
    for row in rows:
        facts = result[row["ward_id"]]
        for name in counted:
            if name in row:
                setattr(facts, name, getattr(facts, name) + row[name])
        code = row["procedure__code"]
        if row["new"]:
            facts.codes_new.add(code)
        if row["new_online"]:
            facts.codes_online.add(code)
        if row["paid_online"]:
            facts.codes_paid_online.add(code)
        if row["citizen"]:
            facts.codes_citizen.add(code)
    return result


def _petition_facts(ward_ids: list[int], period: Period, facts: dict[int, Facts]) -> None:
    """PAKN due in the period (answered on time or not) and answered in it (satisfied or not)."""
    due = Q(due_on__gte=period.start, due_on__lte=period.end)
    replied = Q(replied_at__gte=period.start_at, replied_at__lt=period.end_at)
    rows = (
        Petition.objects.filter(ward_id__in=ward_ids)
        .filter(due | replied)
        .order_by()
        .values("ward_id")
        .annotate(
            due=Count("id", filter=due),
            on_time=Count("id", filter=due & deadlines.petition_on_time_q()),
            replied=Count("id", filter=replied),
            satisfied=Count("id", filter=replied & Q(satisfaction=PetitionSatisfaction.SATISFIED)),
        )
    )
    for row in rows:
        f = facts[row["ward_id"]]
        f.pakn_due, f.pakn_on_time = row["due"], row["on_time"]
        f.pakn_replied, f.pakn_satisfied = row["replied"], row["satisfied"]


def _catalogues(periods: Sequence[Period]) -> dict[date, Catalogue]:
    """The catalogue in force on each period's last day, from one query over the span."""
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    rows = list(
        Procedure.objects.filter(Q(valid_from__lte=last), Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by()
        .values_list("code", "valid_from", "valid_to", "online_level", "fee_bearing", "fee", "online_payment")
    )
    result = {}
    for p in periods:
        day = p.end
        live = [r for r in rows if r[1] <= day and (r[2] is None or r[2] >= day)]
        result[day] = Catalogue(
            codes=frozenset(r[0] for r in live),
            online=frozenset(r[0] for r in live if r[3] != OnlineLevel.NONE),
            fee_bearing=frozenset(r[0] for r in live if r[4] or r[5] > 0),
            fee_online=frozenset(r[0] for r in live if (r[4] or r[5] > 0) and r[6]),
        )
    return result


def _manual(
    ward_ids: list[int], periods: Sequence[Period]
) -> dict[tuple, dict[int, dict[str, tuple[int, int]]]]:
    """The city's entries per period key and ward; a quarter or year without its own entry for a
    metric adds up its months' entries. One query."""
    keys = {period_key(p) for p in periods}
    years = {k[1] for k in keys}
    rows = list(
        ServiceIndexEntry.objects.filter(ward_id__in=ward_ids, year__in=years).values_list(
            "ward_id", "code", "kind", "year", "number", "numerator", "denominator"
        )
    )
    result: dict[tuple, dict[int, dict[str, tuple[int, int]]]] = {}
    for period in periods:
        key = period_key(period)
        months = {period_key(m) for m in months_of(period)} if key[0] != ScoreKind.MONTH else set()
        own: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
        summed: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
        for ward, code, kind, y, n, num, den in rows:
            if (kind, y, n) == key:
                own[ward][code] = (num, den)
            elif (kind, y, n) in months:
                old = summed[ward].get(code, (0, 0))
                summed[ward][code] = (old[0] + num, old[1] + den)
        result[key] = {w: {**summed.get(w, {}), **own.get(w, {})} for w in set(own) | set(summed)}
    return result


def _officials(ward_ids: list[int], periods: Sequence[Period]) -> dict[tuple, dict[int, dict[str, Decimal]]]:
    keys = {period_key(p) for p in periods}
    rows = OfficialScore.objects.filter(ward_id__in=ward_ids, year__in={k[1] for k in keys}).values_list(
        "ward_id", "kind", "year", "number", "group", "points"
    )
    result: dict[tuple, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for ward, kind, y, n, group, points in rows:
        if (kind, y, n) in keys:
            result[(kind, y, n)][ward][group] = points
    return result


def boards(ward_ids: Iterable[int], periods: Sequence[Period], *, now: datetime | None = None) -> list[Board]:
    """The board of each period (calendar months, quarters, years), in the order given."""
    ward_ids = list(ward_ids)
    periods = list(periods)
    if not periods:
        return []
    weight_rows = list(ServiceIndexWeight.objects.all()) or default_weights()
    catalogues = _catalogues(periods)
    manual = _manual(ward_ids, periods)
    officials = _officials(ward_ids, periods)
    result = []
    for period in periods:
        key = period_key(period)
        weights = weights_on(weight_rows, period.end)
        catalogue = catalogues[period.end]
        facts = _dossier_facts(ward_ids, period, now)
        _petition_facts(ward_ids, period, facts)
        entries = manual.get(key, {})
        wards = {}
        city_facts = Facts()
        city_manual: dict[str, tuple[int, int]] = {}
        for ward_id in ward_ids:
            ward_facts = facts.get(ward_id, Facts())
            ward_manual = entries.get(ward_id, {})
            city_facts = city_facts + ward_facts
            for code, (num, den) in ward_manual.items():
                old = city_manual.get(code, (0, 0))
                city_manual[code] = (old[0] + num, old[1] + den)
            wards[ward_id] = UnitScore(
                ward_id,
                period,
                ward_facts,
                score(ward_facts, catalogue, ward_manual, weights),
                dict(officials.get(key, {}).get(ward_id, {})),
            )
        # A city metric counts for the city only when entered for every ward.
        complete = {c: v for c, v in city_manual.items() if all(c in entries.get(w, {}) for w in ward_ids)}
        city = UnitScore(None, period, city_facts, score(city_facts, catalogue, complete, weights))
        result.append(Board(period, wards, city))
    return result


def board(ward_ids: Iterable[int], period: Period, *, now: datetime | None = None) -> Board:
    return boards(ward_ids, [period], now=now)[0]
