"""Facts maintained on write: what the indicator engine needs per (ward, field, day), so that a
period's figures are sums over its days instead of a scan of its dossiers (docs/performance.md).

Each dossier *contributes* a few counts to the facts (``contribution``): +1 to its channel on its
reception day, +1 to before / on time / late on its resolution day, +1 rated (and satisfied) on
the day of its rating, and the changes of the end-of-day stocks: +1 open on the reception day and -1 on the
resolution day; +1 overdue on the first day it is open with its due moment (the one in force at
the end of that day) on an earlier day, -1 when that stops (resolved, paused, due moment moved).
The rules are ``dossiers.deadlines``' and the engine's (``parindex/analytics/indicators.py``), applied to one
dossier; the property test (tests/test_facts.py) and ``manage.py facts check`` hold them equal.

Nothing here depends on the present moment: the stock at the end of an ended day follows from the
dossier's rows and due-moment history, and every workflow move can only change it from the day of
the move on (earlier for back-dated entries, which the history records as well). So ended days are
final, and a day that ends needs no job. The engine computes a period not yet ended live, judged
today, as before.

``refresh`` is the one hook: the workflow calls it for the dossier in the same transaction as the
move (``dossiers/workflow.py``: ``receive``, ``_save``, ``rate``). It recomputes the dossier's
contribution from its rows, applies the difference with the stored one (``DossierFact``) to the day
and month rows with additive upserts, and stores the new one. Whatever a move changes (status,
flags, due history, hand-overs, apology letters), the facts follow without knowing the move.
"""

from __future__ import annotations

import contextvars
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from dossiers import deadlines
from dossiers.buckets import SATISFIED_VALUES
from dossiers.fact_models import (
    AGENCY_COLUMNS,
    AGENCY_PREFIX,
    COLUMNS,
    AgencyDayFact,
    DayFact,
    DossierFact,
    MonthFact,
    YearFact,
)
from dossiers.models import ApologyLetter, Dossier, DueChange, Hop, Outcome, Status
from parindex.base.periods import local_zone, start_of_day

_ON_TIME_ANYWAY_OUTCOMES = (Outcome.WITHDRAWN, Outcome.STOPPED)
_ON_TIME_ANYWAY_STATUSES = (Status.WITHDRAWN, Status.STOPPED)
_CHANNEL_COLUMN = {"online": "new_online", "in_person": "new_in_person", "post": "new_post"}
_ROW = (
    "id",
    "ward_id",
    "field_id",
    "status",
    "outcome",
    "channel",
    "received_at",
    "resolved_at",
    "resolved_on",
    "due_at",
    "due_date",
    "due_since",
    "due_paused",
    "fee",
    "paid_online",
    "digitised_at_reception",
    "e_circulated",
    "electronic_result",
)
BATCH = 2000
# The agency columns that count a dossier once, at the first of its late agencies.
_ONCE = {"late_resolved": "late_resolved_first", "overdue_delta": "overdue_first_delta"}


def _day(moment: datetime) -> date:
    return timezone.localtime(moment, local_zone()).date()


# ---------------------------------------------------------------------------------------------
# One dossier's contribution


def _due_segments(row: dict, changes: list[tuple], first: date) -> list[tuple[date, datetime | None]]:
    """(from day, due moment in force at the end of each day from then on), from ``first``.

    Mirrors ``deadlines.due_in_force_expr`` at the cut-off ``start_of_day(D + 1)``: the row's due
    moment (None while paused) once ``due_since`` is before the cut-off, else the latest change
    that took effect before it (None when there is none)."""
    current = None if row["due_paused"] else row["due_at"]
    since = row["due_since"]
    if since is None or _day(since) <= first:
        return [(first, current)]
    row_from = _day(since)
    ordered = sorted(changes)  # (effective_at, id, due_at)
    starts = sorted({first} | {_day(c[0]) for c in ordered if first < _day(c[0]) < row_from})
    segments = []
    for start in starts:
        due = None
        for effective_at, _id, due_at in ordered:
            if _day(effective_at) <= start:
                due = due_at
        segments.append((start, due))
    segments.append((row_from, current))
    return segments


def _closed_kinds(row: dict) -> tuple[bool, bool, bool]:
    """(before, on time, late) exactly as ``deadlines.resolved_*_q`` (SQL NULLs included)."""
    anyway = (
        row["outcome"] in _ON_TIME_ANYWAY_OUTCOMES
        or row["status"] in _ON_TIME_ANYWAY_STATUSES
        or row["due_at"] is None
    )
    due_date, resolved_on = row["due_date"], row["resolved_on"]
    before = not anyway and due_date is not None and resolved_on < due_date
    on_time = anyway or (
        due_date is not None and resolved_on >= due_date and row["resolved_at"] <= row["due_at"]
    )
    late = not anyway and row["resolved_at"] > row["due_at"]
    return before, on_time, late


def contribution(
    row: dict,
    changes: list[tuple],
    *,
    has_hop: bool,
    has_letter: bool,
    late_hops: Iterable[tuple[int, datetime | None]] = (),
    rating: tuple[int, int, datetime, bool] | None = None,
) -> Counter:
    """What one dossier adds to the facts: {(ward_id, field_id, day, column): n}, and to the
    lateness by agency {(ward_id, agency_id, day, "agency_" + column): n}.

    ``row`` has the ``_ROW`` values; ``changes`` its due changes as (effective_at, id, due_at);
    ``has_letter`` a timely apology letter; ``late_hops`` its hops returned late, as
    (agency_id, returned_at); ``rating`` its rating as (ward_id, field_id, rated_at, satisfied)."""
    out: Counter = Counter()
    ward, field = row["ward_id"], row["field_id"]
    if rating is not None:
        # Where and when the rating was given (the rating row keeps its own ward and field).
        rated_ward, rated_field, rated_at, satisfied = rating
        out[(rated_ward, rated_field, _day(rated_at), "rated")] += 1
        if satisfied:
            out[(rated_ward, rated_field, _day(rated_at), "rated_satisfied")] += 1
    late_hops = list(late_hops)
    agencies = sorted({agency for agency, _returned in late_hops})

    def add_agency(agency: int, day: date, column: str, n: int = 1) -> None:
        out[(ward, agency, day, AGENCY_PREFIX + column)] += n

    # Late hops count by their return day, whatever became of the dossier (as the live query).
    if late_hops:
        in_time = False
        if row["resolved_at"] is not None:
            before, on_time, _late = _closed_kinds(row)
            in_time = before or on_time
        for agency, returned_at in late_hops:
            if returned_at is not None:
                add_agency(agency, _day(returned_at), "late_hops")
                if in_time:
                    add_agency(agency, _day(returned_at), "late_hops_ward_in_time")
    if row["status"] == Status.REJECTED:
        return _nonzero(out)

    def add(day: date, column: str, n: int = 1) -> None:
        out[(ward, field, day, column)] += n
        # A late dossier (resolved late, overdue) with late hops is also each such agency's.
        agency_column = {"resolved_late": "late_resolved", "overdue_delta": "overdue_delta"}.get(column)
        if agency_column:
            for i, agency in enumerate(agencies):
                add_agency(agency, day, agency_column, n)
                if i == 0:
                    add_agency(agency, day, _ONCE[agency_column], n)

    received = _day(row["received_at"])
    channel = _CHANNEL_COLUMN.get(row["channel"])
    if channel:
        add(received, channel)
    if row["e_circulated"]:
        add(received, "e_circulated")
    if row["e_circulated"] or has_hop:
        add(received, "circulated")
    if row["fee"] is not None and row["fee"] > 0:
        add(received, "fee_due")
        if row["paid_online"]:
            add(received, "paid_online")
    if row["digitised_at_reception"]:
        add(received, "digitised")

    resolved = None
    if row["resolved_at"] is not None:
        resolved = _day(row["resolved_at"])
        add(resolved, "resolved")
        before, on_time, late = _closed_kinds(row)
        if before:
            add(resolved, "resolved_before")
        if on_time:
            add(resolved, "resolved_on_time")
        if late:
            add(resolved, "resolved_late")
            if not has_letter:
                add(resolved, "resolved_late_no_letter")
        if row["electronic_result"]:
            add(resolved, "electronic_result")

    # Stocks: open at the end of each day D with received <= D < resolved.
    if resolved is not None and resolved <= received:
        return _nonzero(out)
    add(received, "open_delta")
    if resolved is not None:
        add(resolved, "open_delta", -1)
    segments = _due_segments(row, changes, received)
    for i, (start, due) in enumerate(segments):
        end = segments[i + 1][0] if i + 1 < len(segments) else None  # exclusive
        if resolved is not None and (end is None or end > resolved):
            end = resolved
        if (end is not None and end <= start) or due is None:
            continue
        # Overdue on D when the due moment fell on an earlier day (deadlines.open_overdue_q).
        first_overdue = max(start, _day(due) + timedelta(days=1))
        if end is not None and first_overdue >= end:
            continue
        columns = ("overdue_delta",) if has_letter else ("overdue_delta", "overdue_no_letter_delta")
        for column in columns:
            add(first_overdue, column)
            if end is not None:
                add(end, column, -1)
    return _nonzero(out)


def _nonzero(counts: Counter) -> Counter:
    return Counter({k: v for k, v in counts.items() if v})


# ---------------------------------------------------------------------------------------------
# Reading the rows of many dossiers at once


def _rows(dossiers) -> Iterator[tuple[int, Counter]]:
    """(id, contribution) of each dossier of the queryset ``dossiers``: two queries."""
    timely = ApologyLetter.objects.filter(dossier_id=OuterRef("pk"), issued_late=False)
    rows = list(
        dossiers.order_by()
        .annotate(has_hop=Exists(Hop.objects.filter(dossier_id=OuterRef("pk"))), has_letter=Exists(timely))
        .values(
            *_ROW,
            "has_hop",
            "has_letter",
            "rating__ward_id",
            "rating__field_id",
            "rating__rated_at",
            "rating__value",
        )
    )
    changes: dict[int, list[tuple]] = defaultdict(list)
    # Only a dossier whose due moment changed after its reception day has a history to read.
    moved = dossiers.filter(due_since__gt=F("received_at")).order_by().values("id")
    if any(r["due_since"] is not None and r["due_since"] > r["received_at"] for r in rows):
        for dossier_id, effective_at, pk, due_at in DueChange.objects.filter(
            dossier_id__in=moved
        ).values_list("dossier_id", "effective_at", "id", "due_at"):
            changes[dossier_id].append((effective_at, pk, due_at))
    late_hops: dict[int, list[tuple]] = defaultdict(list)
    if any(r["has_hop"] for r in rows):  # one more query only when a dossier has a hand-over
        for dossier_id, agency_id, returned_at in (
            Hop.objects.filter(deadlines.late_hop_q(), dossier_id__in=dossiers.order_by().values("id"))
            .order_by()
            .values_list("dossier_id", "agency_id", "returned_at")
        ):
            late_hops[dossier_id].append((agency_id, returned_at))
    for row in rows:
        yield (
            row["id"],
            contribution(
                row,
                changes[row["id"]],
                has_hop=row["has_hop"],
                has_letter=row["has_letter"],
                late_hops=late_hops.get(row["id"], ()),
                rating=None
                if row["rating__rated_at"] is None
                else (
                    row["rating__ward_id"],
                    row["rating__field_id"],
                    row["rating__rated_at"],
                    row["rating__value"] in SATISFIED_VALUES,
                ),
            ),
        )


def _decode(entries: list) -> Counter:
    return Counter({(w, f, date.fromisoformat(d), c): n for w, f, d, c, n in entries})


def _encode(counts: Counter) -> list:
    return [[w, f, d.isoformat(), c, n] for (w, f, d, c), n in sorted(counts.items())]


# ---------------------------------------------------------------------------------------------
# Writing: additive upserts, in a fixed order (no deadlock between two transactions)


def _upsert(
    model,
    key_column: str,
    rows: dict[tuple, dict[str, int]],
    *,
    group_column: str = "field_id",
    columns: tuple[str, ...] = COLUMNS,
) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    names = ["ward_id", group_column, key_column, *columns]
    updates = ", ".join("{c} = {t}.{c} + excluded.{c}".format(c=q(c), t=table) for c in columns)
    ordered = sorted(rows.items())
    with connection.cursor() as cursor:
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(chunk))
            params = []
            for (ward, field, day), counts in chunk:
                params += [ward, field, day, *(counts.get(c, 0) for c in columns)]
            cursor.execute(
                "INSERT INTO {t} ({cols}) VALUES {values} ON CONFLICT (ward_id, {g}, {k}) "
                "DO UPDATE SET {updates}".format(
                    t=table,
                    cols=", ".join(q(n) for n in names),
                    values=values,
                    g=q(group_column),
                    k=q(key_column),
                    updates=updates,
                ),
                params,
            )


def _apply(delta: Counter) -> None:
    days: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    months: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    years: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    agency_days: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (ward, field, day, column), n in delta.items():
        if not n:
            continue
        if column.startswith(AGENCY_PREFIX):  # the agency in the field's place
            agency_days[(ward, field, day)][column[len(AGENCY_PREFIX) :]] += n
            continue
        days[(ward, field, day)][column] += n
        months[(ward, field, day.replace(day=1))][column] += n
        years[(ward, field, day.replace(month=1, day=1))][column] += n
    _upsert(DayFact, "day", days)
    _upsert(MonthFact, "month", months)
    _upsert(YearFact, "year", years)
    _upsert(AgencyDayFact, "day", agency_days, group_column="agency_id", columns=AGENCY_COLUMNS)


_deferred: contextvars.ContextVar[set | None] = contextvars.ContextVar("facts_deferred", default=None)


def refresh(dossier_ids: Iterable[int]) -> None:
    """Bring the facts of these dossiers up to date (the workflow's hook, same transaction)."""
    ids = sorted(set(dossier_ids))
    pending = _deferred.get()
    if pending is not None:
        pending.update(ids)
        return
    for i in range(0, len(ids), BATCH):
        _refresh(Dossier.objects.filter(pk__in=ids[i : i + BATCH]))


def _refresh(dossiers, *, stored: dict[int, list] | None = None) -> None:
    """Apply the new contributions of the queryset ``dossiers`` (against ``stored``, default the
    stored ones); five or six queries whatever its size, in the caller's transaction."""
    with transaction.atomic(savepoint=False):
        if stored is None:
            stored = dict(
                DossierFact.objects.filter(dossier_id__in=dossiers.order_by().values("id")).values_list(
                    "dossier_id", "entries"
                )
            )
        delta: Counter = Counter()
        changed, created = [], []
        for dossier_id, new in _rows(dossiers):
            old = _decode(stored[dossier_id]) if dossier_id in stored else Counter()
            if new == old and dossier_id in stored:
                continue
            delta.update(new)
            delta.subtract(old)
            fact = DossierFact(dossier_id=dossier_id, entries=_encode(new))
            (changed if dossier_id in stored else created).append(fact)
        _apply(delta)
        if changed:
            DossierFact.objects.bulk_update(changed, ["entries"], batch_size=BATCH)
        if created:
            DossierFact.objects.bulk_create(created, batch_size=BATCH)


def _batches(dossiers) -> Iterator:
    """The queryset cut into id ranges of about ``BATCH`` dossiers."""
    ids = list(dossiers.order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        yield dossiers.filter(id__gte=chunk[0], id__lte=chunk[-1])


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the hooks' dossiers and refresh them once at the end (bulk loads: the demo)."""
    if _deferred.get() is not None:
        yield
        return
    pending: set = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    refresh(pending)


# ---------------------------------------------------------------------------------------------
# Rebuild


def rebuild(
    *, ward_ids: Iterable[int] | None = None, start: date | None = None, end: date | None = None
) -> int:
    """Recompute the facts from the records; returns the number of dossiers read.

    Without dates the scope's facts are wiped and rebuilt. With ``start``/``end`` only the dossiers
    that count on one of those days (received by ``end`` and not resolved before ``start``) are
    recomputed, against their stored contributions."""
    dossiers = Dossier.objects.all()
    if ward_ids is not None:
        ward_ids = list(ward_ids)
        dossiers = dossiers.filter(ward_id__in=ward_ids)
    if start is None and end is None:
        with transaction.atomic():
            tables = [
                DayFact.objects.all(),
                MonthFact.objects.all(),
                YearFact.objects.all(),
                AgencyDayFact.objects.all(),
            ]
            for rows in tables:
                (rows if ward_ids is None else rows.filter(ward_id__in=ward_ids)).delete()
            DossierFact.objects.filter(dossier__in=dossiers).delete()
        for batch in _batches(dossiers):
            _refresh(batch, stored={})
        return dossiers.count()
    lower = start_of_day(start) if start else None
    upper = start_of_day(end + timedelta(days=1)) if end else None
    touching = Q()
    if upper is not None:
        touching &= Q(received_at__lt=upper)
    if lower is not None:
        touching &= Q(resolved_at__isnull=True) | Q(resolved_at__gte=lower)
    for batch in _batches(dossiers.filter(touching)):
        _refresh(batch)
    return dossiers.filter(touching).count()


def rollup_differences(ward_ids: list[int]) -> list[str]:
    """The (ward, field) rows of the monthly table that differ from the sum of their days, and of
    the yearly table that differ from the sum of their months."""
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth, TruncYear

    zero = (0,) * len(COLUMNS)

    def differences(model, key: str, parts, truncate, label: str, what: str, shown: str) -> list[str]:
        summed_rows = (
            parts.filter(ward_id__in=ward_ids)
            .annotate(k=truncate)
            .order_by()
            .values("ward_id", "field_id", "k")
            .annotate(**{c: Sum(c) for c in COLUMNS})
        )
        summed = {(r["ward_id"], r["field_id"], r["k"]): tuple(r[c] for c in COLUMNS) for r in summed_rows}
        stored = {
            (r[0], r[1], r[2]): tuple(r[3:])
            for r in model.objects.filter(ward_id__in=ward_ids).values_list(
                "ward_id", "field_id", key, *COLUMNS
            )
        }
        return [
            "{} rollup ward {} field {} {}: {} != sum of {} {}".format(
                label, k[0], k[1], format(k[2], shown), stored.get(k, zero), what, summed.get(k, zero)
            )
            for k in sorted(set(summed) | set(stored))
            if stored.get(k, zero) != summed.get(k, zero)
        ]

    return differences(
        MonthFact, "month", DayFact.objects, TruncMonth("day"), "monthly", "days", "%m/%Y"
    ) + differences(YearFact, "year", MonthFact.objects, TruncYear("month"), "yearly", "months", "%Y")
