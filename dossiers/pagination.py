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

``Keyset`` names another list's order (the petitions: due day, reception, id) with the same
cursors and the same ``paginate``.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet

PAGE_SIZE = 50
COUNT_LIMIT = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# 2000-01-01 .. 2100-12-31 in microseconds, and ids that fit a bigint: anything else is refused.
_LOWEST = (datetime(2000, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_HIGHEST = (datetime(2101, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class Cursor:
    received_at: datetime
    id: int


@dataclass(frozen=True)
class Keyset:
    """A total order of a list, as ``(field, kind)`` pairs (``-field``: descending; kind
    "datetime", "date" or "int"; the last field unique), and its cursors: each value of the row
    as a number (microseconds since 1970, the day's ordinal, the integer), joined by dots."""

    fields: tuple[tuple[str, str], ...]

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(name for name, _kind in self.fields)

    @property
    def reversed(self) -> tuple[str, ...]:
        return tuple(name[1:] if name.startswith("-") else "-" + name for name in self.order)

    def encode(self, row) -> str:
        parts = []
        for name, kind in self.fields:
            value = getattr(row, name.lstrip("-"))
            if kind == "datetime":
                value = (value - _EPOCH) // _MICROSECOND
            elif kind == "date":
                value = value.toordinal()
            parts.append(str(value))
        return ".".join(parts)

    def decode(self, text: str | None) -> tuple | None:
        """The row position ``text`` names, or None when it is not one (never raises)."""
        parts = (text or "").split(".")
        if len(parts) != len(self.fields):
            return None
        values = []
        for part, (_name, kind) in zip(parts, self.fields, strict=True):
            if not _NUMBER.match(part):
                return None
            n = int(part)
            if kind == "datetime":
                if not _LOWEST <= n < _HIGHEST:
                    return None
                values.append(_EPOCH + timedelta(microseconds=n))
            elif kind == "date":
                if not _LOWEST_DAY <= n < _HIGHEST_DAY:
                    return None
                values.append(date.fromordinal(n))
            else:
                if not 0 < n < 2**63:
                    return None
                values.append(n)
        return tuple(values)

    def after_q(self, values: tuple, *, forward: bool = True) -> Q:
        """Rows after ``values`` in this order (``forward=False``: before it). The redundant bound
        on the first field gives the planner the index range to start from."""
        branches, equal = [], Q()
        for (name, _kind), value in zip(self.fields, values, strict=True):
            column = name.lstrip("-")
            lookup = "lt" if name.startswith("-") == forward else "gt"
            branches.append(equal & Q(**{"{}__{}".format(column, lookup): value}))
            equal &= Q(**{column: value})
        condition = functools.reduce(operator.or_, branches)
        first, _kind = self.fields[0]
        bound = "lte" if first.startswith("-") == forward else "gte"
        return Q(**{"{}__{}".format(first.lstrip("-"), bound): values[0]}) & condition


_NUMBER = re.compile(r"\A[0-9]{1,18}\Z", re.ASCII)
_LOWEST_DAY = date(2000, 1, 1).toordinal()
_HIGHEST_DAY = date(2101, 1, 1).toordinal()
# The register's order, newest first.
REGISTER = Keyset((("-received_at", "datetime"), ("-id", "int")))
ORDER = REGISTER.order
REVERSED = REGISTER.reversed


def encode(row) -> str:
    """The register cursor of ``row`` (anything with ``received_at`` and ``id``)."""
    return REGISTER.encode(row)


def decode(text: str | None) -> Cursor | None:
    """The register cursor ``text`` names, or None when it is not one (never raises)."""
    values = REGISTER.decode(text)
    return None if values is None else Cursor(*values)


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


def paginate(
    qs: QuerySet,
    params,
    *,
    size: int = PAGE_SIZE,
    count_limit: int | None = None,
    keyset: Keyset = REGISTER,
    count: tuple[int, bool] | None = None,
) -> KeysetPage:
    """The page of ``qs`` (in ``keyset``'s order, default the register's) that ``params``
    (``after`` / ``before``) asks for. Two statements at any depth: the bounded count (none when
    the caller passes ``count``, e.g. from its tab counts) and the page's rows (one more than
    ``size``, to know whether a page follows)."""
    count, capped = bounded_count(qs, count_limit) if count is None else count
    raw_after, raw_before = params.get("after"), params.get("before")
    after, before = keyset.decode(raw_after), keyset.decode(raw_before)
    bad = bool((raw_after and after is None) or (raw_before and before is None))
    if before is not None and after is None:
        rows = list(qs.filter(keyset.after_q(before, forward=False)).order_by(*keyset.reversed)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        if rows:
            return KeysetPage(
                rows,
                count,
                capped,
                next_cursor=keyset.encode(rows[-1]),
                previous_cursor=keyset.encode(rows[0]) if more else None,
                is_first=not more,
            )
        # nothing before the cursor: the first page (below)
    elif after is not None and before is None:
        return _forward(qs.filter(keyset.after_q(after)), keyset, size, count, capped, first=False)
    elif after is not None and before is not None:
        bad = True
    return _forward(qs, keyset, size, count, capped, first=True, bad=bad)


def _forward(
    qs: QuerySet, keyset: Keyset, size: int, count: int, capped: bool, *, first: bool, bad: bool = False
) -> KeysetPage:
    """The page of ``qs`` from its start in ``keyset``'s order: the first page, or the one after a
    cursor when ``qs`` is already narrowed to the rows that follow it."""
    rows = list(qs.order_by(*keyset.order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        count,
        capped,
        next_cursor=keyset.encode(rows[-1]) if more else None,
        previous_cursor=keyset.encode(rows[0]) if rows and not first else None,
        is_first=first,
        bad_cursor=bad,
    )
