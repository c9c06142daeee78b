"""The indicator engine: every count and ratio on every screen and in every export comes from here.

CONTRACT (shared by the dashboards, the reports and the benchmarks; keep these names):

- ``DossierCounts``: the 13 Biểu 06 numbers for one (ward, field) cell, addable.
- ``dossier_counts(ward_ids, period, *, field_id=None) -> dict[tuple[int, int], DossierCounts]``
  keyed by (ward_id, field_id); summed from the facts kept on write (``dossiers/facts.py``) in one
  query (two for a period not yet ended), or with ``live=True`` from the dossiers in one grouped
  aggregate; both give the same numbers (``facts_differences``, ``manage.py facts check``).
- ``bucket_queryset(ward_ids, period, bucket, *, field_id=None) -> QuerySet[Dossier]``: exactly the
  dossiers behind one counted number (drill-down); ``bucket`` is a ``DossierCounts`` attribute
  name such as "in_progress_within" (or one of ``SERVICE_BUCKETS``/``RATING_BUCKETS``).
- ``ratio(numerator, denominator) -> Ratio``: the one way a percentage is made (defined in the base
  layer, ``parindex.base.numbers``, so the domain apps can use it without importing the engine).
- ``summary(ward_ids, period) -> IndicatorSummary``: per ward (``.wards[ward_id]``) and total
  (``.total``), each a ``WardIndicators`` with every indicator, its definition, value, target and
  status.

DEFINITIONS (a period covers local days ``start``..``end``; S = start_at, E = end_at, half-open):

- Only *accepted* dossiers count: a dossier refused at the counter (status "rejected") was never
  received for handling.
- received (col. 3) = received before E and not resolved before S (open at some moment of the
  period) = carried over + new.
- new (cols. 4, 5) = received_at in [S, E), split by channel (online / in person / public post).
- carried over (col. 6) = received before S and not resolved before S. Derived from dates only.
- resolved (col. 7) = resolved_at in [S, E). Resolved, returned, withdrawn and stopped dossiers all
  carry resolved_at. Classified against the (pause-adjusted) due moment by ``dossiers.deadlines``:
  on an earlier day = before deadline (8), on the due day up to the due moment = on time (9),
  after it = late (10). Withdrawn and stopped dossiers, and dossiers without a due moment, count
  as resolved ON TIME.
- in progress (col. 11) = received before E and not resolved before E (still open at the end of
  the period, even if resolved since). Judged with the due moment in force at E (the due-moment
  history), on the period's last day (today while the period runs): due on that day or later, no
  due moment, or waiting for a supplement = within (12); due on an earlier day = overdue (13).
  Later events never change an ended period (docs/deadlines.md).
- The identities 3 = 4 + 5 + 6, 3 = 7 + 11, 7 = 8 + 9 + 10, 11 = 12 + 13 hold by construction: each
  bucket is a partition of its parent by the conditions above.

Queries: ``dossier_counts`` is one query; ``summary`` is a fixed number of queries whatever the
data size and the number of wards (see ``summary``). The facts make their cost depend on the number
of wards, fields and days, not on the number of dossiers; drill-down lists (``bucket_queryset``)
still read the dossiers; the lateness by agency reads its own facts (``AgencyDayFact``).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from dossiers import calendar, deadlines
from dossiers.buckets import (
    SATISFIED_VALUES,
    SERVICE_BUCKETS,
    accepted_dossiers,
    apology_letters,
    conditions_by_bucket,
    for_handling_q,
)
from dossiers.fact_models import FLOW_COLUMNS, STOCK_COLUMNS, AgencyDayFact, DayFact, MonthFact, YearFact
from dossiers.models import Dossier, Hop, Outcome, Petition, Rating, Status
from parindex.analytics.definitions import INDICATORS, IndicatorDef
from parindex.analytics.reports import bieu06
from parindex.analytics.targets import assess, target_rows
from parindex.base.models import Ward
from parindex.base.numbers import Ratio, ratio
from parindex.base.periods import Period, local_zone, months_of
from parindex.staffing.queries import VacancyCounts, vacancy_counts
from tasks.queries import par_totals, plan_counts

if TYPE_CHECKING:
    pass


@dataclass
class DossierCounts:
    """Biểu 06 columns 3-13 for one cell. Identities: 3 = 4 + 5 + 6; 3 = 7 + 11; 7 = 8 + 9 + 10;
    11 = 12 + 13. Column 5 (in person + public post) is split for the ward's own use."""

    received: int = 0  # 3: received for handling (new in period + carried over)
    received_online: int = 0  # 4: new in the period, online
    received_in_person: int = 0  # 5a: new in the period, at the counter
    received_post: int = 0  # 5b: new in the period, by public post
    carried_over: int = 0  # 6: received before the period, still open at its start
    resolved: int = 0  # 7
    resolved_before: int = 0  # 8
    resolved_on_time: int = 0  # 9
    resolved_late: int = 0  # 10
    in_progress: int = 0  # 11
    in_progress_within: int = 0  # 12
    in_progress_overdue: int = 0  # 13

    @property
    def received_offline(self) -> int:
        """Column 5: in person and public post together, as the official form has it."""
        return self.received_in_person + self.received_post

    @property
    def received_new(self) -> int:
        return self.received_online + self.received_in_person + self.received_post

    def __add__(self, other: DossierCounts) -> DossierCounts:
        return DossierCounts(
            *[a + b for a, b in zip(astuple_counts(self), astuple_counts(other), strict=True)]
        )

    def identity_errors(self) -> list[str]:
        """The Biểu 06 identities that do not hold (empty when the cell reconciles); the identities
        are stated once, with the columns, in ``parindex.analytics.reports.bieu06``."""
        return bieu06.identity_errors(self)


# ---------------------------------------------------------------------------------------------
# Buckets: one Q per counted number. dossier_counts counts them and bucket_queryset filters by
# them, so a drill-down list holds exactly the counted dossiers.


@dataclass
class ServiceCounts:
    """Service-index counts for one (ward, field) cell, from the same query as the Biểu 06."""

    circulated: int = 0  # new in period, moved between agencies (hop or e-circulation flag)
    e_circulated: int = 0  # of those, flagged e-circulated
    fee_due: int = 0  # new in period with a fee > 0
    paid_online: int = 0  # of those, paid online
    digitised: int = 0  # new in period, digitised at reception
    electronic_result: int = 0  # resolved in period with an electronic result
    needs_apology: int = 0  # resolved late in period, or overdue at its end
    apology_missing: int = 0  # of those, without any apology letter
    apology_issued: int = 0  # dossiers with an apology letter issued in the period
    rated: int = 0  # ratings given in the period
    rated_satisfied: int = 0  # of those, "very satisfied" or "satisfied"

    def __add__(self, other: ServiceCounts) -> ServiceCounts:
        return ServiceCounts(
            *[a + b for a, b in zip(astuple_service(self), astuple_service(other), strict=True)]
        )


COUNT_BUCKETS = tuple(f.name for f in fields(DossierCounts))
_SERVICE_FIELDS = tuple(f.name for f in fields(ServiceCounts))


# The counts in field order (``dataclasses.astuple`` without its deep copy), read in C.
astuple_counts = operator.attrgetter(*COUNT_BUCKETS)
astuple_service = operator.attrgetter(*_SERVICE_FIELDS)


def _sum_counts(many: Iterable[DossierCounts]) -> DossierCounts:
    rows = [astuple_counts(c) for c in many]
    return DossierCounts(*map(sum, zip(*rows, strict=True))) if rows else DossierCounts()


def _sum_service(many: Iterable[ServiceCounts]) -> ServiceCounts:
    rows = [astuple_service(s) for s in many]
    return ServiceCounts(*map(sum, zip(*rows, strict=True))) if rows else ServiceCounts()


def _cells(
    ward_ids: Iterable[int],
    period: Period,
    *,
    field_id: int | None = None,
    now: datetime | None = None,
) -> dict[tuple[int, int], tuple[DossierCounts, ServiceCounts]]:
    """One grouped aggregate query: every dossier bucket per (ward, field)."""
    qs = conditions_by_bucket(period, now=now)
    names = COUNT_BUCKETS + SERVICE_BUCKETS
    aggregates = {name: Count("id", filter=qs[name]) if qs[name] else Count("id") for name in names}
    rows = (
        accepted_dossiers(ward_ids, field_id)
        .filter(for_handling_q(period))
        .order_by()
        .values("ward_id", "field_id")
        .annotate(**aggregates)
    )
    result = {}
    for row in rows:
        counts = DossierCounts(**{name: row[name] for name in COUNT_BUCKETS})
        service = ServiceCounts(**{name: row[name] for name in SERVICE_BUCKETS})
        result[(row["ward_id"], row["field_id"])] = (counts, service)
    return result


def _live() -> bool:
    """``settings.INDICATORS_LIVE``: every figure from the dossiers (the benchmark's "before", and
    a way back should the facts ever be doubted before ``manage.py facts rebuild``)."""
    from django.conf import settings

    return getattr(settings, "INDICATORS_LIVE", False)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _year_start(day: date) -> date:
    return day.replace(month=1, day=1)


def _year_after(day: date) -> date:
    return date(day.year + 1, 1, 1)


# The date column of each facts table.
_DATE_FIELD = {DayFact: "day", MonthFact: "month", YearFact: "year"}


def _fact_where(model, ward_ids: list[int], condition: str, params, field_id: int | None) -> tuple[str, list]:
    """The WHERE of one statement over a facts table: the wards, ``condition`` on the table's date
    column (written ``{d}``, with its ``params``) and the field when one is given. The ward ids go
    into the text as integers (int() keeps the text safe): a province's 150 ids as placeholders in
    each branch made the driver's placeholder conversion cost more than the aggregation."""
    from django.db import connection

    quote = connection.ops.quote_name
    opts = model._meta
    filters = [
        "{} IN ({})".format(quote(opts.get_field("ward").column), ", ".join(str(int(w)) for w in ward_ids)),
        "(" + condition.format(d=quote(opts.get_field(_DATE_FIELD[model]).column)) + ")",
    ]
    params = list(params)
    if field_id is not None:
        filters.append("{} = %s".format(quote(opts.get_field("field").column)))
        params.append(field_id)
    return " AND ".join(filters), params


def _fact_sums(ward_ids: list[int], field_id: int | None, flows: tuple[date, date], stocks: list[date]):
    """Sums of the facts per (ward, field): the flow columns over the days ``flows`` (first, last)
    and, for each day of ``stocks`` (ascending), the stock columns summed up to it (its end-of-day
    stock).

    One query. A span of days is read as its whole years from the yearly table, its whole months
    from the monthly one and its other days from the daily one; each (table, spans) is one grouped
    branch summing only the columns read over it, the branches joined by UNION ALL and added up
    per (ward, field) by an outer GROUP BY. The first stock sums the years, months and days before
    it; each later one is the one before it plus the deltas of the days between them, so a stock
    at the period's end reads the period's own rows (in the flows' branches) instead of all the
    months before once more. Written as SQL text from the tables' metadata: as a queryset its ~50
    sums took Django longer to compile than PostgreSQL to run."""
    from django.db import connection

    if not ward_ids:
        return {}
    adapt = connection.ops.adapt_datefield_value
    quote = connection.ops.quote_name

    def ranges(model, spans: list[tuple[date, date]], *, inclusive: bool) -> tuple:
        """One table's rows whose date lies in one of ``spans`` (the end inclusive for days, the
        first day of the next month or year for the other tables)."""
        test = "({d} >= %s AND {d} <= %s)" if inclusive else "({d} >= %s AND {d} < %s)"
        sql = " OR ".join(test for _ in spans)
        return (model, "(" + sql + ")", tuple(adapt(v) for span in spans for v in span))

    def whole(first: date, last: date, start, after) -> tuple[date, date]:
        """The whole months (or years) inside ``first`` to ``last``: [lo, hi), empty if lo >= hi."""
        lo = first if start(first) == first else after(first)
        hi = after(last) if after(last) - timedelta(days=1) == last else start(last)
        return lo, hi

    def cover(first: date, last: date) -> list[tuple]:
        """The days ``first`` to ``last``: whole years from the yearly table, whole months from
        the monthly one, the other days from the daily one."""
        days, months, years = [], [], []
        y_lo, y_hi = whole(first, last, _year_start, _year_after)
        pieces = [(first, last)]
        if y_lo < y_hi:
            years.append((y_lo, y_hi))
            pieces = [(first, y_lo - timedelta(days=1)), (y_hi, last)]
        for a, b in pieces:
            if a > b:
                continue
            m_lo, m_hi = whole(a, b, _month_start, _month_after)
            if m_lo < m_hi:
                months.append((m_lo, m_hi))
                days += [(x, y) for x, y in ((a, m_lo - timedelta(days=1)), (m_hi, b)) if x <= y]
            else:
                days.append((a, b))
        parts = [ranges(DayFact, days, inclusive=True)] if days else []
        if months:
            parts.append(ranges(MonthFact, months, inclusive=False))
        if years:
            parts.append(ranges(YearFact, years, inclusive=False))
        return parts

    def up_to(day: date) -> list[tuple]:
        """Every day up to ``day``: the years before its year, then its year's days (as months
        and days), or only years when it is a year's last day."""
        if _year_after(day) - timedelta(days=1) == day:
            return [(YearFact, "{d} < %s", (adapt(_year_after(day)),))]
        return [(YearFact, "{d} < %s", (adapt(_year_start(day)),)), *cover(_year_start(day), day)]

    # {(model, condition on its date column "{d}", params): {output name: column}}
    branches: dict[tuple, dict[str, str]] = {}

    def read(parts: list[tuple], columns: dict[str, str]) -> None:
        for part in parts:
            branches.setdefault(part, {}).update(columns)

    first, last = flows
    read(cover(first, last), {"f_" + c: c for c in FLOW_COLUMNS})
    for i, day in enumerate(stocks):
        if i == 0:
            read(up_to(day), {"s0_" + c: c for c in STOCK_COLUMNS})
        elif day > stocks[i - 1]:
            read(
                cover(stocks[i - 1] + timedelta(days=1), day),
                {"d{}_{}".format(i, c): c for c in STOCK_COLUMNS},
            )
        elif day < stocks[i - 1]:
            raise ValueError("stocks must be in ascending order")
    names = list(dict.fromkeys(name for columns in branches.values() for name in columns))
    aliases = {name: "c{}".format(n) for n, name in enumerate(names)}
    selects, params = [], []
    for (model, condition, condition_params), columns in branches.items():
        opts = model._meta
        ward, field_ = quote(opts.get_field("ward").column), quote(opts.get_field("field").column)
        values = [
            "SUM({}) AS {}".format(quote(opts.get_field(columns[name]).column), aliases[name])
            if name in columns
            else "0 AS {}".format(aliases[name])
            for name in names
        ]
        where, where_params = _fact_where(model, ward_ids, condition, condition_params, field_id)
        params += where_params
        selects.append(
            "SELECT {ward} AS w, {field} AS f, {values} FROM {table} WHERE {where} GROUP BY {ward}, {field}".format(
                ward=ward, field=field_, values=", ".join(values), table=quote(opts.db_table), where=where
            )
        )
    sql = "SELECT w, f, {} FROM ({}) AS branches GROUP BY w, f".format(
        ", ".join("SUM({})".format(aliases[name]) for name in names), " UNION ALL ".join(selects)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for row in rows:
        sums = dict(zip(names, (v or 0 for v in row[2:]), strict=True))
        for i in range(1, len(stocks)):  # each later stock: the one before plus its deltas
            for c in STOCK_COLUMNS:
                sums["s{}_{}".format(i, c)] = sums["s{}_{}".format(i - 1, c)] + sums.pop(
                    "d{}_{}".format(i, c), 0
                )
        result[(row[0], row[1])] = sums
    return result


def _stock_day(period: Period, now: datetime | None) -> date | None:
    """The day whose end-of-day stock in the facts is ``period``'s stock in progress at its end,
    or None when it must be counted live from the open dossiers.

    Once the period has ended: its last day. While it runs and ``now`` is the clock's (None):
    today, because the engine judges a running period on today's start, which is how the facts
    judge the stock at the end of today, and because the workflow records no moment later than
    now + ``CLOCK_SKEW`` (``workflow``), so every moment before the period's end is already in
    today's facts. Counted live in the skew's minutes before midnight (a move may already be
    dated tomorrow) and for a ``now`` given by the caller: a judged moment in the past may lie
    before moments already recorded, and then today's stock is not the stock at the period's end."""
    from django.conf import settings
    from django.utils import timezone

    clock = now is None
    now = now or timezone.now()
    today = calendar.local_date(now)
    if period.end < today:
        return period.end
    if clock and calendar.local_date(now + settings.CLOCK_SKEW) == today:
        return today
    return None


def _fact_cells(
    ward_ids: Iterable[int],
    period: Period,
    *,
    field_id: int | None = None,
    now: datetime | None = None,
) -> dict[tuple[int, int], tuple[DossierCounts, ServiceCounts]]:
    """``_cells`` from the facts (dossiers/facts.py): the flows summed over the period's days, the
    stock carried over from the end of the day before it, and the stock in progress at its end.

    A period not yet ended has its stock in progress from the facts at the end of today, or, when
    ``_stock_day`` says so, counted live from the open dossiers (one more query)."""
    ward_ids = list(ward_ids)
    before = period.start - timedelta(days=1)
    at_end = _stock_day(period, now)
    counted_live = at_end is None
    stocks = [before] if counted_live else [before, at_end]
    sums = _fact_sums(ward_ids, field_id, (period.start, period.end), stocks)
    live = {}
    if counted_live:
        qs = conditions_by_bucket(period, now=now)
        rows = (
            accepted_dossiers(ward_ids, field_id)
            .filter(for_handling_q(period) & qs["in_progress"])
            .order_by()
            .values("ward_id", "field_id")
            .annotate(
                n=Count("id"),
                overdue=Count("id", filter=qs["in_progress_overdue"]),
                missing=Count("id", filter=qs["in_progress_overdue"] & ~_timely_letter()),
            )
        )
        live = {(r["ward_id"], r["field_id"]): r for r in rows}
    result = {}
    for key in set(sums) | set(live):
        f = sums.get(key, {})

        def get(name: str, f=f) -> int:
            return int(f.get(name, 0))

        new = (get("f_new_online"), get("f_new_in_person"), get("f_new_post"))
        carried = get("s0_open_delta")
        if counted_live:
            row = live.get(key, {})
            open_, overdue, missing = row.get("n", 0), row.get("overdue", 0), row.get("missing", 0)
        else:
            open_, overdue, missing = (
                get("s1_open_delta"),
                get("s1_overdue_delta"),
                get("s1_overdue_no_letter_delta"),
            )
        counts = DossierCounts(
            received=carried + sum(new),
            received_online=new[0],
            received_in_person=new[1],
            received_post=new[2],
            carried_over=carried,
            resolved=get("f_resolved"),
            resolved_before=get("f_resolved_before"),
            resolved_on_time=get("f_resolved_on_time"),
            resolved_late=get("f_resolved_late"),
            in_progress=open_,
            in_progress_within=open_ - overdue,
            in_progress_overdue=overdue,
        )
        service = ServiceCounts(
            circulated=get("f_circulated"),
            e_circulated=get("f_e_circulated"),
            fee_due=get("f_fee_due"),
            paid_online=get("f_paid_online"),
            digitised=get("f_digitised"),
            electronic_result=get("f_electronic_result"),
            needs_apology=get("f_resolved_late") + overdue,
            apology_missing=get("f_resolved_late_no_letter") + missing,
            rated=get("f_rated"),
            rated_satisfied=get("f_rated_satisfied"),
        )
        result[key] = (counts, service)
    # A bucket the facts do not hold yet (one added to ``SERVICE_BUCKETS`` without a facts column)
    # is counted live, so the figures stay right until the facts learn it: one more query.
    uncovered = [name for name in SERVICE_BUCKETS if name not in FACT_SERVICE_BUCKETS]
    if uncovered:
        for key, (_counts, service) in _cells(ward_ids, period, field_id=field_id, now=now).items():
            mine = result.setdefault(key, (DossierCounts(), ServiceCounts()))[1]
            for name in uncovered:
                setattr(mine, name, getattr(service, name))
    empty = (DossierCounts(), ServiceCounts())
    return {k: v for k, v in result.items() if v != empty}


# The service buckets ``_fact_cells`` takes from the facts: all of them today (a bucket added to
# ``SERVICE_BUCKETS`` before its facts column is counted live meanwhile).
FACT_SERVICE_BUCKETS = SERVICE_BUCKETS


def _timely_letter() -> Q:

    return deadlines.timely_letter_exists()


def dossier_counts(
    ward_ids: Iterable[int],
    period: Period,
    *,
    field_id: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> dict[tuple[int, int], DossierCounts]:
    """Biểu 06 counts keyed by (ward_id, field_id); cells with no dossier are absent.
    ``now`` (default: the present) judges a period not yet ended. One query on the facts (and one on
    the open dossiers for a period not yet ended); ``live=True``: the dossier aggregate."""
    if live or _live():
        cells = _cells(ward_ids, period, field_id=field_id, now=now)
    else:
        cells = _fact_cells(ward_ids, period, field_id=field_id, now=now)
    return {key: counts for key, (counts, _service) in cells.items() if counts != DossierCounts()}


def received_for_others(ward_ids: Iterable[int], period: Period) -> dict[int, int]:
    """Dossiers each ward's counter took in during ``period`` for another unit (reception
    regardless of administrative boundary): the counter's own work, keyed by the receiving ward.
    Biểu 06 counts them where they are handled (``dossier_counts`` groups by the competent
    ward), so they are never counted twice. One query; wards with none are absent."""

    rows = (
        Dossier.objects.filter(
            received_by_ward_id__in=list(ward_ids),
            received_at__gte=period.start_at,
            received_at__lt=period.end_at,
        )
        .exclude(ward_id=F("received_by_ward_id"))
        .exclude(status=Status.REJECTED)
        .order_by()
        .values("received_by_ward_id")
        .annotate(n=Count("id"))
    )
    return {row["received_by_ward_id"]: row["n"] for row in rows}


def service_counts(
    ward_ids: Iterable[int],
    period: Period,
    *,
    field_id: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> dict[tuple[int, int], tuple[DossierCounts, ServiceCounts]]:
    """Biểu 06 and service counts per (ward, field), ratings and apology letters included.

    Two queries: the facts (``_fact_cells``, ratings included) and the apology letters (distinct
    dossiers), each grouped by (ward, field); ``live=True``: the dossier aggregate, the letters and
    the ratings counted from their rows.
    """
    ward_ids = list(ward_ids)
    if live or _live():
        cells = _cells(ward_ids, period, field_id=field_id, now=now)
        _add_ratings(cells, ward_ids, period, field_id)
    else:
        cells = _fact_cells(ward_ids, period, field_id=field_id, now=now)
    _add_letters(cells, ward_ids, period, field_id)
    return cells


def _add_letters(cells, ward_ids: list[int], period: Period, field_id: int | None) -> None:
    letters = (
        apology_letters(ward_ids, period, field_id)
        .order_by()
        .values("ward_id", "field_id")
        .annotate(n=Count("dossier_id", distinct=True))
    )
    for row in letters:
        key = (row["ward_id"], row["field_id"])
        counts, service = cells.get(key) or (DossierCounts(), ServiceCounts())
        service.apology_issued = row["n"]
        cells[key] = (counts, service)


def _add_ratings(cells, ward_ids: list[int], period: Period, field_id: int | None) -> None:

    ratings = Rating.objects.filter(
        ward_id__in=ward_ids, rated_at__gte=period.start_at, rated_at__lt=period.end_at
    )
    if field_id is not None:
        ratings = ratings.filter(field_id=field_id)
    rows = (
        ratings.order_by()
        .values("ward_id", "field_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(value__in=SATISFIED_VALUES)))
    )
    for row in rows:
        key = (row["ward_id"], row["field_id"])
        counts, service = cells.get(key) or (DossierCounts(), ServiceCounts())
        service.rated = row["n"]
        service.rated_satisfied = row["ok"]
        cells[key] = (counts, service)


# ---------------------------------------------------------------------------------------------
# Summary: every indicator of each ward and of the total, with targets and status.


@dataclass
class IndicatorValue:
    """One indicator of one ward (or the total), overall or for one field."""

    definition: IndicatorDef
    value: Ratio | int | None
    field_id: int | None = None
    # (bucket, count) pairs a screen links to: the numbers behind the value.
    numerator_bucket: str | None = None
    denominator_bucket: str | None = None
    target: object | None = None  # parindex.analytics.targets.YearTarget
    assessment: object | None = None  # parindex.analytics.targets.Assessment

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def number(self) -> Decimal | None:
        """The value as a number (percentage for ratios) for comparisons and sorting."""
        if isinstance(self.value, Ratio):
            return self.value.value
        return None if self.value is None else Decimal(self.value)

    @property
    def status(self) -> str | None:
        return self.assessment.status if self.assessment else None

    def __str__(self) -> str:
        return "—" if self.value is None else str(self.value)


# code -> (numerator bucket, denominator bucket) for ratios computed from the dossier cells.
RATIO_BUCKETS = {
    "on_time_rate": (None, "resolved"),  # numerator = resolved_before + resolved_on_time
    "online_rate": ("received_online", "received_new"),
    "e_circulation_rate": ("e_circulated", "circulated"),
    "online_payment_rate": ("paid_online", "fee_due"),
    "digitisation_rate": ("digitised", "received_new"),
    "electronic_result_rate": ("electronic_result", "resolved"),
    "satisfaction": ("rated_satisfied", "rated"),
}


def _dossier_ratio(code: str, counts: DossierCounts, service: ServiceCounts) -> Ratio:
    """The ratio indicator ``code`` (a key of ``RATIO_BUCKETS``) of one cell."""
    if code == "on_time_rate":
        return ratio(counts.resolved_before + counts.resolved_on_time, counts.resolved)
    if code == "online_rate":
        return ratio(counts.received_online, counts.received_new)
    if code == "e_circulation_rate":
        return ratio(service.e_circulated, service.circulated)
    if code == "online_payment_rate":
        return ratio(service.paid_online, service.fee_due)
    if code == "digitisation_rate":
        return ratio(service.digitised, counts.received_new)
    if code == "electronic_result_rate":
        return ratio(service.electronic_result, counts.resolved)
    if code == "satisfaction":
        return ratio(service.rated_satisfied, service.rated)
    raise KeyError(code)


@dataclass
class WardIndicators:
    """Everything the dashboards show for one ward (``ward_id``) or the total (``ward_id`` None)."""

    ward_id: int | None
    period: Period
    counts: DossierCounts = field(default_factory=DossierCounts)
    service: ServiceCounts = field(default_factory=ServiceCounts)
    by_field: dict[int, tuple[DossierCounts, ServiceCounts]] = field(default_factory=dict)
    plan: object | None = None  # tasks.queries.PlanCounts
    par: object | None = None  # tasks.queries.ParTotals
    vacancies: object | None = None  # parindex.staffing.queries.VacancyCounts
    targets: dict[tuple[str, int | None], object] = field(default_factory=dict)

    def add_cell(self, field_id: int, counts: DossierCounts, service: ServiceCounts) -> None:
        old_counts, old_service = self.by_field.get(field_id, (DossierCounts(), ServiceCounts()))
        self.by_field[field_id] = (old_counts + counts, old_service + service)
        self.counts = self.counts + counts
        self.service = self.service + service

    def add_cells(self, cells: list[tuple[int, tuple[DossierCounts, ServiceCounts]]]) -> None:
        """``add_cell`` for many (field_id, (counts, service)) cells at once, column by column (the
        city page adds up wards x fields cells, per ward and in the total); the cells given are
        never changed."""
        by_field: dict[int, list[tuple[DossierCounts, ServiceCounts]]] = {}
        for field_id, cell in cells:
            by_field.setdefault(field_id, []).append(cell)
        for field_id, group in by_field.items():
            if field_id in self.by_field:
                group.append(self.by_field[field_id])
            self.by_field[field_id] = (_sum_counts(c for c, _s in group), _sum_service(s for _c, s in group))
        self.counts = _sum_counts([self.counts, *(c for _f, (c, _s) in cells)])
        self.service = _sum_service([self.service, *(s for _f, (_c, s) in cells)])

    def value_of(self, code: str, field_id: int | None = None) -> IndicatorValue:
        """One indicator, overall or for a field, with its target and status when it has one."""

        definition = INDICATORS[code]
        if code in RATIO_BUCKETS:
            counts, service = (
                (self.counts, self.service)
                if field_id is None
                else self.by_field.get(field_id, (DossierCounts(), ServiceCounts()))
            )
            value: Ratio | int | None = _dossier_ratio(code, counts, service)
        elif code == "tasks_done_rate":
            value = ratio(self.plan.done, self.plan.planned) if self.plan is not None else None
        elif code == "tasks_overdue":
            value = self.plan.overdue if self.plan is not None else None
        elif code == "apology_missing":
            value = self.service.apology_missing
        elif code == "vacancies":
            value = self.vacancies.vacant if self.vacancies is not None else None
        else:  # pragma: no cover - the registry is closed
            value = None
        numerator, denominator = RATIO_BUCKETS.get(code, (None, None))
        if code == "apology_missing":
            numerator = "apology_missing"
        result = IndicatorValue(definition, value, field_id, numerator, denominator)
        target = self.targets.get((code, field_id))
        if target is not None:
            result.target = target
            number = result.number
            plan = self.plan
            result.assessment = assess(
                code,
                threshold=target.threshold,
                direction=target.direction,
                value=number,
                done=plan.done if plan is not None else None,
                planned=plan.planned if plan is not None else None,
                expected=plan.due if plan is not None else None,
                numerator=value.numerator if isinstance(value, Ratio) else None,
                denominator=value.denominator if isinstance(value, Ratio) else None,
                on=self.period.end,
            )
        return result

    @property
    def cards(self) -> list[IndicatorValue]:
        """One per effective target, in registry order (overall before per-field)."""
        order = list(INDICATORS)
        keys = sorted(self.targets, key=lambda k: (order.index(k[0]), k[1] is not None, k[1] or 0))
        return [self.value_of(code, field_id) for code, field_id in keys if code in INDICATORS]

    @property
    def indicators(self) -> dict[str, IndicatorValue]:
        """Every registry indicator, overall."""
        return {code: self.value_of(code) for code in INDICATORS}

    def satisfaction_by_field(self) -> dict[int, Ratio]:
        return {
            fid: ratio(service.rated_satisfied, service.rated)
            for fid, (_counts, service) in self.by_field.items()
        }


@dataclass
class IndicatorSummary:
    period: Period
    wards: dict[int, WardIndicators]
    total: WardIndicators


def summary(
    ward_ids: Iterable[int],
    period: Period,
    *,
    wards: list[Ward] | None = None,
    vacancies: dict[int, VacancyCounts] | None = None,
) -> IndicatorSummary:
    """Every indicator per ward and in total for ``period``; targets of the period's end year.

    Fixed number of queries whatever the data and the number of wards (7): the wards; the facts
    sums and the apology letters (``service_counts``); the year targets; the reform plan counts;
    the PAR self-assessment totals; the staffing vacancies on the period's last day, unless the
    caller gives them (``vacancies``, per ward: the ward page sums them from its position table,
    the same posts and the same arithmetic). A caller that has the ``Ward`` rows already (both
    dashboards) gives them as ``wards`` (then ``ward_ids`` are theirs), one query fewer.
    """

    if wards is None:
        wards = list(Ward.objects.filter(id__in=list(ward_ids)).only("id", "city_id"))
    ward_ids = [w.id for w in wards]
    year = period.end.year
    result = {w.id: WardIndicators(w.id, period) for w in wards}
    total = WardIndicators(None, period)
    per_ward: dict[int, list] = {}
    in_order = []  # the total's fields in the order the cells come, as a cell-by-cell sum had them
    for (ward_id, field_id), cell in service_counts(ward_ids, period).items():
        if ward_id in result:
            per_ward.setdefault(ward_id, []).append((field_id, cell))
            in_order.append((field_id, cell))
    for ward_id, cells in per_ward.items():
        result[ward_id].add_cells(cells)
    total.add_cells(in_order)

    defaults, own = target_rows(wards, year)
    for w in wards:
        result[w.id].targets = {**defaults.get(w.city_id, {}), **own.get(w.id, {})}
    cities = {w.city_id for w in wards}
    if len(cities) == 1:
        total.targets = dict(defaults.get(cities.pop(), {}))

    plans = plan_counts(ward_ids, year, on=period.end)
    for ward_id, plan in plans.items():
        if ward_id in result:
            result[ward_id].plan = plan
    total.plan = sum(plans.values(), type(next(iter(plans.values())))()) if plans else None

    for ward_id, par in par_totals(ward_ids, year).items():
        if ward_id in result:
            result[ward_id].par = par

    if vacancies is None:
        vacancies = vacancy_counts(ward_ids, period.end)
    for ward_id, counts in vacancies.items():
        if ward_id in result:
            result[ward_id].vacancies = counts
    if vacancies:
        total.vacancies = sum(vacancies.values(), type(next(iter(vacancies.values())))())
    return IndicatorSummary(period, result, total)


# ---------------------------------------------------------------------------------------------
# Lateness by agency at fault: each hop's lateness belongs to its agency.


@dataclass
class AgencyLateness:
    agency_id: int | None  # None: the ward itself (late with no late hop)
    agency_name: str
    late_hops: int = 0  # hops returned late in the period
    late_hops_ward_in_time: int = 0  # of those, dossiers the ward still resolved before or on time
    late_dossiers: int = 0  # dossiers late in the period (Biểu 06 col. 10 + 13) this agency made late


_OWN_LATENESS = _("Phường (không có bước trễ ở cơ quan khác)")


def _sorted_lateness(result: dict[int | None, AgencyLateness]) -> list[AgencyLateness]:
    return sorted(
        result.values(), key=lambda r: (r.agency_id is None, -r.late_dossiers, -r.late_hops, r.agency_name)
    )


def lateness_by_agency(
    ward_ids: Iterable[int], period: Period, *, now: datetime | None = None, live: bool = False
) -> list[AgencyLateness]:
    """Per agency: its late hops returned in the period (and how many of those dossiers the ward
    still finished in time), and the period's late dossiers (resolved late, or overdue at its
    end) with a late hop of that agency; late dossiers without any late hop are the ward's own.

    From the facts (``AgencyDayFact``, one query, and the late total from ``dossier_counts``, one
    more); for a period not yet ended the overdue dossiers are counted live, judged today (an
    aggregate of the open dossiers, and their late hops per agency when there are any);
    ``live=True``: three queries on the dossiers and hops."""
    if live or _live():
        return _live_lateness_by_agency(ward_ids, period, now=now)
    return _fact_lateness_by_agency(ward_ids, period, now=now)


def _fact_lateness_by_agency(
    ward_ids: Iterable[int], period: Period, *, now: datetime | None = None
) -> list[AgencyLateness]:
    from django.db.models import Sum

    ward_ids = list(ward_ids)
    at_end = _stock_day(period, now)
    from_facts = at_end is not None  # the stock at the period's end (else counted live below)
    in_period = Q(day__gte=period.start, day__lte=period.end)
    up_to_end = Q(day__lte=at_end or period.end)
    rows = (
        AgencyDayFact.objects.filter(ward_id__in=ward_ids, day__lte=period.end)
        .order_by()
        .values("agency_id", "agency__name")
        .annotate(
            hops=Sum("late_hops", filter=in_period),
            in_time=Sum("late_hops_ward_in_time", filter=in_period),
            resolved=Sum("late_resolved", filter=in_period),
            resolved_once=Sum("late_resolved_first", filter=in_period),
            overdue=Sum("overdue_delta", filter=up_to_end),
            overdue_once=Sum("overdue_first_delta", filter=up_to_end),
        )
    )
    result: dict[int | None, AgencyLateness] = {}
    with_hop = 0
    for r in rows:
        late = (r["resolved"] or 0) + ((r["overdue"] or 0) if from_facts else 0)
        with_hop += (r["resolved_once"] or 0) + ((r["overdue_once"] or 0) if from_facts else 0)
        if r["hops"] or late:
            result[r["agency_id"]] = AgencyLateness(
                r["agency_id"], r["agency__name"], r["hops"] or 0, r["in_time"] or 0, late
            )
    if from_facts:
        counts = sum(dossier_counts(ward_ids, period, now=now).values(), DossierCounts())
        total_late = counts.resolved_late + counts.in_progress_overdue
    else:
        # Resolved late from the daily facts; the overdue stock, in the minutes before midnight,
        # from the open dossiers (one aggregate, then their late hops per agency).
        sums = _fact_sums(ward_ids, None, (period.start, period.end), [])
        total_late = sum(int(cell.get("f_resolved_late", 0)) for cell in sums.values())
        qs = conditions_by_bucket(period, now=now)
        overdue = accepted_dossiers(ward_ids, None).filter(for_handling_q(period) & qs["in_progress_overdue"])
        late_hop = Exists(Hop.objects.filter(deadlines.late_hop_q(), dossier_id=OuterRef("pk")))
        stock = overdue.order_by().aggregate(n=Count("id"), with_hop=Count("id", filter=late_hop))
        total_late += stock["n"]
        with_hop += stock["with_hop"]
        if stock["with_hop"]:
            by_agency = (
                Hop.objects.filter(deadlines.late_hop_q(), dossier__in=overdue.values("id"))
                .order_by()
                .values("agency_id", "agency__name")
                .annotate(n=Count("dossier_id", distinct=True))
            )
            for h in by_agency:
                mine = result.setdefault(h["agency_id"], AgencyLateness(h["agency_id"], h["agency__name"]))
                mine.late_dossiers += h["n"]
    own = total_late - with_hop
    if own:
        result[None] = AgencyLateness(None, str(_OWN_LATENESS), late_dossiers=own)
    return _sorted_lateness(result)


def _live_lateness_by_agency(
    ward_ids: Iterable[int], period: Period, *, now: datetime | None = None
) -> list[AgencyLateness]:

    ward_ids = list(ward_ids)
    result: dict[int | None, AgencyLateness] = {}

    def row(agency_id, name) -> AgencyLateness:
        return result.setdefault(agency_id, AgencyLateness(agency_id, name))

    hops = (
        Hop.objects.filter(
            deadlines.late_hop_q(),
            dossier__ward_id__in=ward_ids,
            returned_at__gte=period.start_at,
            returned_at__lt=period.end_at,
        )
        .order_by()
        .values("agency_id", "agency__name")
        .annotate(
            n=Count("id"),
            ward_in_time=Count(
                "id",
                filter=deadlines.resolved_before_q("dossier__") | deadlines.resolved_on_time_q("dossier__"),
            ),
        )
    )
    for h in hops:
        r = row(h["agency_id"], h["agency__name"])
        r.late_hops, r.late_hops_ward_in_time = h["n"], h["ward_in_time"]

    qs = conditions_by_bucket(period, now=now)
    late = accepted_dossiers(ward_ids, None).filter(
        for_handling_q(period) & (qs["resolved_late"] | qs["in_progress_overdue"])
    )
    by_agency = (
        Hop.objects.filter(deadlines.late_hop_q(), dossier__in=late.values("id"))
        .order_by()
        .values("agency_id", "agency__name")
        .annotate(n=Count("dossier_id", distinct=True))
    )
    for h in by_agency:
        row(h["agency_id"], h["agency__name"]).late_dossiers = h["n"]
    own = late.exclude(Exists(Hop.objects.filter(deadlines.late_hop_q(), dossier_id=OuterRef("pk")))).count()
    if own:
        row(None, str(_OWN_LATENESS)).late_dossiers = own
    return _sorted_lateness(result)


# ---------------------------------------------------------------------------------------------
# Monthly trend: one query, one set of filtered counts per calendar month of the period.

TREND_MAX_MONTHS = 24


@dataclass
class TrendPoint:
    period: Period
    received_new: int
    resolved: int
    resolved_in_time: int  # before + on time

    @property
    def on_time_rate(self) -> Ratio:
        return ratio(self.resolved_in_time, self.resolved)


def monthly_trend(
    ward_ids: Iterable[int], period: Period, *, field_id: int | None = None, live: bool = False
) -> list[TrendPoint]:
    """Per calendar month of ``period`` (the last 24 at most), clipped to it: new dossiers,
    resolved, resolved before or on time. One query, with the same bucket conditions as
    ``dossier_counts``.

    Within one month the buckets reduce to "received in the month" (new) and "resolved in the
    month" (resolved, and in time), because ``resolved_at >= received_at`` is a constraint. So the
    query groups the period's dossiers by (month received, month resolved) with three counts
    instead of three filtered counts per month: a few dozen rows, and an SQL statement that stays
    small whatever the number of months (building the 72-aggregate version cost more than running
    it; see docs/performance.md)."""
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    months = months_of(period)[-TREND_MAX_MONTHS:]
    if not months:
        return []
    span = Period(months[0].start, months[-1].end)
    if not (live or _live()):
        return _fact_trend(ward_ids, months, field_id)
    zone = local_zone()
    qs = conditions_by_bucket(span)
    rows = (
        accepted_dossiers(ward_ids, field_id)
        .filter(for_handling_q(span))
        .order_by()
        .annotate(
            received_month=TruncMonth("received_at", tzinfo=zone),
            resolved_month=TruncMonth("resolved_at", tzinfo=zone),
        )
        .values("received_month", "resolved_month")
        .annotate(
            n=Count("id", filter=qs["received_new"]),
            r=Count("id", filter=qs["resolved"]),
            t=Count("id", filter=qs["resolved_before"] | qs["resolved_on_time"]),
        )
    )
    index = {(m.start.year, m.start.month): i for i, m in enumerate(months)}
    new, resolved, in_time = [0] * len(months), [0] * len(months), [0] * len(months)

    def slot(moment) -> int | None:
        if moment is None:
            return None
        local = timezone.localtime(moment, zone) if timezone.is_aware(moment) else moment
        return index.get((local.year, local.month))

    for row in rows:
        i = slot(row["received_month"])
        if row["n"] and i is not None:
            new[i] += row["n"]
        j = slot(row["resolved_month"])
        if row["r"] and j is not None:
            resolved[j] += row["r"]
            in_time[j] += row["t"]
    return [TrendPoint(month, new[i], resolved[i], in_time[i]) for i, month in enumerate(months)]


# ---------------------------------------------------------------------------------------------
# Processing time and petitions (PAKN): the ward's public results page.

PROCESSING_TIME_DEFINITION = _(
    "Thời gian giải quyết trung bình: trung bình cộng, trên các hồ sơ có kết quả (chấp thuận hoặc "
    "từ chối giải quyết) trong kỳ, số ngày làm việc từ ngày tiếp nhận đến ngày có kết quả (không "
    "tính ngày tiếp nhận, tính ngày có kết quả; hồ sơ có kết quả ngay trong ngày tiếp nhận tính 0 "
    "ngày; ngày nghỉ, lễ, Tết không tính; thời gian chờ bổ sung hồ sơ vẫn tính). Hồ sơ rút, dừng "
    "giải quyết không tính."
)


@dataclass
class ProcessingTime:
    """Dossiers resolved with a result and their working days from reception to result, summed."""

    resolved: int = 0
    working_days: int = 0

    def __add__(self, other: ProcessingTime) -> ProcessingTime:
        return ProcessingTime(self.resolved + other.resolved, self.working_days + other.working_days)

    @property
    def mean(self) -> Decimal | None:
        """Mean working days, one decimal; None when no dossier was resolved."""
        if not self.resolved:
            return None
        return (Decimal(self.working_days) / self.resolved).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        mean = self.mean
        return "—" if mean is None else str(mean).replace(".", ",")


def processing_times(
    ward_ids: Iterable[int], period: Period
) -> dict[tuple[int, int, object], ProcessingTime]:
    """``PROCESSING_TIME_DEFINITION`` per (ward_id, field_id, first day of the month of the
    result), for the dossiers resolved in ``period``. One query (the dossiers' two moments), then
    the calendar's working days counted once over the span (``calendar.working_day_numbers``)."""

    rows = list(
        accepted_dossiers(ward_ids, None)
        .filter(
            resolved_at__gte=period.start_at,
            resolved_at__lt=period.end_at,
            outcome__in=[Outcome.APPROVED, Outcome.REFUSED],
        )
        .order_by()
        .values_list("ward_id", "field_id", "received_at", "resolved_at")
    )
    result: dict[tuple[int, int, object], ProcessingTime] = {}
    if not rows:
        return result
    days = [(w, f, calendar.local_date(a), calendar.local_date(b)) for w, f, a, b in rows]
    numbers = calendar.working_day_numbers(min(d[2] for d in days), max(d[3] for d in days))
    for ward_id, field_id, received, resolved in days:
        key = (ward_id, field_id, resolved.replace(day=1))
        elapsed = max(0, numbers[resolved] - numbers[received])
        result[key] = result.get(key, ProcessingTime()) + ProcessingTime(1, elapsed)
    return result


def _added(one, other) -> dict[str, int]:
    return {f.name: getattr(one, f.name) + getattr(other, f.name) for f in fields(one)}


@dataclass
class PetitionCounts:
    """PAKN of one month: received in it, answered (final reply) in it, of those on or before the
    due day."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0

    @property
    def on_time(self) -> Ratio:
        return ratio(self.answered_on_time, self.answered)

    def __add__(self, other: PetitionCounts) -> PetitionCounts:
        return PetitionCounts(**_added(self, other))


def petition_counts(ward_ids: Iterable[int], period: Period) -> dict[object, PetitionCounts]:
    """``PetitionCounts`` per first day of the month, for the months of ``period``. Two grouped
    queries: petitions received per month, petitions answered per month with those on time."""
    from django.db.models import F
    from django.db.models.functions import TruncMonth

    ward_ids = list(ward_ids)
    petitions = Petition.objects.filter(ward_id__in=ward_ids).order_by()
    result: dict[object, PetitionCounts] = {}
    received = (
        petitions.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    for row in received:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        result.setdefault(month, PetitionCounts()).received = row["n"]
    answered = (
        petitions.filter(replied_on__gte=period.start, replied_on__lte=period.end)
        .annotate(month=TruncMonth("replied_on"))
        .values("month")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(replied_on__lte=F("due_on"))))
    )
    for row in answered:
        counts = result.setdefault(row["month"], PetitionCounts())
        counts.answered, counts.answered_on_time = row["n"], row["on_time"]
    return result


def _fact_trend(ward_ids: Iterable[int], months: list[Period], field_id: int | None) -> list[TrendPoint]:
    """``monthly_trend`` from the facts: one statement, the whole months from the monthly table
    (one row each) and the clipped first and last months from the daily one (a row per day),
    written as SQL text like ``_fact_sums`` (as two grouped querysets Django took longer to build
    them than PostgreSQL to run them, and a year to date came back as 337 day rows)."""
    from django.db import connection

    ward_ids = list(ward_ids)
    index = {(m.start.year, m.start.month): i for i, m in enumerate(months)}
    new, resolved, in_time = [0] * len(months), [0] * len(months), [0] * len(months)
    if ward_ids:
        adapt = connection.ops.adapt_datefield_value
        quote = connection.ops.quote_name
        whole, clipped = [], []
        for m in months:
            is_whole = m.start.day == 1 and _month_after(m.start) - timedelta(days=1) == m.end
            (whole if is_whole else clipped).append(m)
        parts = [
            (MonthFact, "{d} IN (" + ", ".join(["%s"] * len(whole)) + ")", [m.start for m in whole]),
            (
                DayFact,
                " OR ".join("({d} >= %s AND {d} <= %s)" for _ in clipped),
                [v for m in clipped for v in (m.start, m.end)],
            ),
        ]
        selects, params = [], []
        for model, condition, condition_params in parts:
            if not condition_params:
                continue
            opts = model._meta
            column = {name: quote(opts.get_field(name).column) for name in FLOW_COLUMNS}
            where, where_params = _fact_where(
                model, ward_ids, condition, [adapt(v) for v in condition_params], field_id
            )
            params += where_params
            selects.append(
                "SELECT {d} AS k, SUM({a}) + SUM({b}) + SUM({c}) AS n, SUM({r}) AS r, SUM({t1}) + SUM({t2}) AS t "
                "FROM {table} WHERE {where} GROUP BY {d}".format(
                    d=quote(opts.get_field(_DATE_FIELD[model]).column),
                    a=column["new_online"],
                    b=column["new_in_person"],
                    c=column["new_post"],
                    r=column["resolved"],
                    t1=column["resolved_before"],
                    t2=column["resolved_on_time"],
                    table=quote(opts.db_table),
                    where=where,
                )
            )
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        for key, n, r, t in rows:
            day = key if isinstance(key, date) else date.fromisoformat(str(key)[:10])  # SQLite: text
            i = index.get((day.year, day.month))
            if i is None:
                continue
            new[i] += n or 0
            resolved[i] += r or 0
            in_time[i] += t or 0
    return [TrendPoint(month, new[i], resolved[i], in_time[i]) for i, month in enumerate(months)]


# ---------------------------------------------------------------------------------------------
# The facts against the live engine (``manage.py facts check``, tests/test_facts.py)


def facts_differences(
    ward_ids: Iterable[int], period: Period, *, now: datetime | None = None
) -> list[tuple[int, int, str, int, int]]:
    """Every (ward_id, field_id, bucket, facts, live) where the facts' figures of ``period`` differ
    from the live engine's, and the same for the monthly trend (field_id 0, bucket "trend ...")."""
    ward_ids = list(ward_ids)
    facts = service_counts(ward_ids, period, now=now)
    live = service_counts(ward_ids, period, now=now, live=True)
    empty = (DossierCounts(), ServiceCounts())
    found = []
    for key in sorted(set(facts) | set(live)):
        mine, theirs = facts.get(key, empty), live.get(key, empty)
        for part_mine, part_theirs in zip(mine, theirs, strict=True):
            for f in fields(part_mine):
                a, b = getattr(part_mine, f.name), getattr(part_theirs, f.name)
                if a != b:
                    found.append((key[0], key[1], f.name, a, b))
    agencies_facts = {r.agency_id: r for r in lateness_by_agency(ward_ids, period, now=now)}
    agencies_live = {r.agency_id: r for r in lateness_by_agency(ward_ids, period, now=now, live=True)}
    for agency_id in sorted(set(agencies_facts) | set(agencies_live), key=lambda a: (a is None, a or 0)):
        mine = agencies_facts.get(agency_id, AgencyLateness(agency_id, ""))
        theirs = agencies_live.get(agency_id, AgencyLateness(agency_id, ""))
        for name in ("late_hops", "late_hops_ward_in_time", "late_dossiers"):
            a, b = getattr(mine, name), getattr(theirs, name)
            if a != b:
                ward = ward_ids[0] if len(ward_ids) == 1 else 0
                found.append((ward, 0, "agency {} {}".format(agency_id or "-", name), a, b))
    trend_facts = monthly_trend(ward_ids, period)
    trend_live = monthly_trend(ward_ids, period, live=True)
    for mine, theirs in zip(trend_facts, trend_live, strict=True):
        for name in ("received_new", "resolved", "resolved_in_time"):
            a, b = getattr(mine, name), getattr(theirs, name)
            if a != b:
                found.append(
                    (
                        ward_ids[0] if len(ward_ids) == 1 else 0,
                        0,
                        "trend {} {}".format(mine.period.start.isoformat(), name),
                        a,
                        b,
                    )
                )
    return found
