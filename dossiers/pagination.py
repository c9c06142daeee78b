"""Keyset pagination of the register, its worklists, its search and its drill-downs.

The register lists dossiers newest first: ``received_at`` descending, then ``id`` descending (the
tie-breaker, so the order is total). A page is not an OFFSET into that order (PostgreSQL would
read and throw away every earlier row: a deep page of a year's register cost as much as the whole
list) but the rows after, or before, the one a link carries: ``?after=CURSOR`` is the next page,
``?before=CURSOR`` the previous one, no parameter the first. The cursor is the row's position in
the order, ``<received_at in microseconds since 1970>.<id>``, so a page costs the same at any
depth through the index on (ward, received_at, id). A malformed or out-of-range cursor shows the
first page with a note, never an error.

The total is counted only up to ``COUNT_LIMIT`` (a bounded ``COUNT`` over a ``LIMIT``ed
subquery): beyond it the page says "more than N", which costs the same whatever the register size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

PAGE_SIZE = 50
COUNT_LIMIT = 1000
ORDER = ("-received_at", "-id")
REVERSED = ("received_at", "id")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# 2000-01-01 .. 2100-12-31 in microseconds, and ids that fit a bigint: anything else is refused.
_LOWEST = (datetime(2000, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_HIGHEST = (datetime(2101, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_CURSOR = re.compile(r"\A([0-9]{1,17})\.([0-9]{1,18})\Z", re.ASCII)


@dataclass(frozen=True)
class Cursor:
    received_at: datetime
    id: int


def encode(row) -> str:
    """The cursor of ``row`` (anything with ``received_at`` and ``id``)."""
    return "{}.{}".format((row.received_at - _EPOCH) // _MICROSECOND, row.id)


def decode(text: str | None) -> Cursor | None:
    """The cursor ``text`` names, or None when it is not one (never raises)."""
    match = _CURSOR.match(text or "")
    if match is None:
        return None
    micros, pk = int(match.group(1)), int(match.group(2))
    if not (_LOWEST <= micros < _HIGHEST) or not (0 < pk < 2**63):
        return None
    return Cursor(_EPOCH + timedelta(microseconds=micros), pk)


def _older(c: Cursor) -> Q:
    """Rows after ``c`` in the register's order (older, or as old with a smaller id). The
    redundant ``received_at <= t`` gives the planner the index range to start from."""
    return Q(received_at__lte=c.received_at) & (
        Q(received_at__lt=c.received_at) | Q(received_at=c.received_at, id__lt=c.id)
    )


def _newer(c: Cursor) -> Q:
    return Q(received_at__gte=c.received_at) & (
        Q(received_at__gt=c.received_at) | Q(received_at=c.received_at, id__gt=c.id)
    )


@dataclass
class KeysetPage:
    object_list: list
    count: int
    count_capped: bool  # more than ``count`` rows: the total was not counted further
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool
    bad_cursor: bool = False

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def bounded_count(qs: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """``(n, capped)``: the rows of ``qs``, counted up to ``limit`` (``COUNT_LIMIT``) in one
    bounded statement."""
    limit = COUNT_LIMIT if limit is None else limit
    n = qs.order_by()[: limit + 1].count()
    return (limit, True) if n > limit else (n, False)


def paginate(qs: QuerySet, params, *, size: int = PAGE_SIZE, count_limit: int | None = None) -> KeysetPage:
    """The page of ``qs`` (in the register's order) that ``params`` (``after`` / ``before``) asks
    for. Two statements at any depth: the bounded count and the page's rows (one more than
    ``size``, to know whether a page follows)."""
    count, capped = bounded_count(qs, count_limit)
    raw_after, raw_before = params.get("after"), params.get("before")
    after, before = decode(raw_after), decode(raw_before)
    bad = bool((raw_after and after is None) or (raw_before and before is None))
    if before is not None and after is None:
        rows = list(qs.filter(_newer(before)).order_by(*REVERSED)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        if rows:
            return KeysetPage(
                rows,
                count,
                capped,
                next_cursor=encode(rows[-1]),
                previous_cursor=encode(rows[0]) if more else None,
                is_first=not more,
            )
        # nothing newer than the cursor: the first page (below)
    elif after is not None and before is None:
        rows = list(qs.filter(_older(after)).order_by(*ORDER)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return KeysetPage(
            rows,
            count,
            capped,
            next_cursor=encode(rows[-1]) if more else None,
            previous_cursor=encode(rows[0]) if rows else None,
            is_first=False,
        )
    elif after is not None and before is not None:
        bad = True
    rows = list(qs.order_by(*ORDER)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        count,
        capped,
        next_cursor=encode(rows[-1]) if more else None,
        previous_cursor=None,
        is_first=True,
        bad_cursor=bad,
    )
