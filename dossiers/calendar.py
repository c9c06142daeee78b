"""Working days (ngày làm việc) for deadlines.

A day is a working day when:
1. an administrator's ``CalendarDay`` row says so (``work`` = make-up working day, ``off`` = extra
   day off) — the government announces day-off swaps yearly, so the table always wins; else
2. the ``holidays`` package's VN calendar says so: Monday-Friday that are not public holidays
   (including the substitute days it knows), plus the make-up Saturdays it knows
   (``weekend_workdays``).

Rules for due dates (DOMAIN.md 2):
- ``n`` working days are counted *after* the reception day: received Wed 07/02/2024 with 5 working
  days (Tết 08-14/02) -> due Wed 21/02/2024.
- Same-day procedures: due the reception day, or the next working day when received at or after
  15:00 (Nghị định 23/2015 art. 7) or on a day that is not a working day.
- Online dossiers submitted outside working hours (a non-working day, or at/after 17:00, when the
  one-stop unit has closed) count as received on the next working day.

Caching: the package's holidays are static per year and cached in-process; the overrides are
cached per year under a version number kept in Django's cache and bumped by a signal whenever a
``CalendarDay`` is saved or deleted, so every process sharing the cache sees the change. Tests that
create overrides and then roll back call ``clear_cache()``.
"""

from __future__ import annotations

import itertools
import time as time_module
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.core.cache import cache
from django.utils import timezone

CUTOFF_SAME_DAY = time(15, 0)
OFFICE_CLOSES = time(17, 0)
# A deadline cannot reasonably be further than this; guards against an override table that
# declares every day off (would loop forever).
MAX_SCAN_DAYS = 3 * 366

_VERSION_KEY = "dossiers:calendar:version"
_overrides_by_version: dict[tuple[int, object], dict[date, str]] = {}


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    vn = holidays.country_holidays("VN", years=year, language="vi")
    days = {d: name for d, name in vn.items() if d.year == year}
    workdays = frozenset(d for d in getattr(vn, "weekend_workdays", set()) if d.year == year)
    return days, workdays


# The shared version is read at most once per VERSION_CHECK_SECONDS per process: a working-day
# calculation costs no cache (with the database cache: no database) round trip; another process
# sees an administrator's calendar change within those seconds, this process at once.
VERSION_CHECK_SECONDS = 5.0
_version_seen: list = [None, 0.0]  # [version, monotonic time it was read]


def _version() -> object:
    version, read_at = _version_seen
    now = time_module.monotonic()
    if version is not None and now - read_at < VERSION_CHECK_SECONDS:
        return version
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(_VERSION_KEY, version, None)
    _version_seen[:] = [version, now]
    return version


def bump_version(**_kwargs) -> None:
    """Invalidate every process's cached overrides (connected to CalendarDay save/delete)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
    _version_seen[:] = [None, 0.0]
    _overrides_by_version.clear()


def clear_cache() -> None:
    cache.delete(_VERSION_KEY)
    _version_seen[:] = [None, 0.0]
    _overrides_by_version.clear()


def _overrides(year: int, version: object) -> dict[date, str]:
    key = (year, version)
    found = _overrides_by_version.get(key)
    if found is None:
        from dossiers.models import CalendarDay

        found = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind").order_by("date"))
        _overrides_by_version[key] = found
    return found


class _Calendar:
    """One snapshot of the calendar (one cache-version read per top-level call)."""

    def __init__(self) -> None:
        self.version = _version()

    def is_working_day(self, d: date) -> bool:
        kind = _overrides(d.year, self.version).get(d)
        if kind == "work":
            return True
        if kind == "off":
            return False
        days, workdays = _package_year(d.year)
        if d in days:
            return False
        return d.weekday() < 5 or d in workdays

    def next_working_day(self, d: date) -> date:
        for step in range(1, MAX_SCAN_DAYS):
            candidate = d + timedelta(days=step)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within three years")

    def add_working_days(self, start: date, n: int) -> date:
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day


def is_working_day(d: date) -> bool:
    return _Calendar().is_working_day(d)


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    return _Calendar().next_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts; n=0 -> start)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return _Calendar().add_working_days(start, n)


def working_days_between(a: date, b: date) -> int:
    """Working days d with a < d <= b (0 when b <= a): the pause length from request to resume."""
    cal = _Calendar()
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def effective_reception_day(received_at: datetime, channel: str) -> date:
    """The day the clock starts from: online submissions outside working hours move to the next
    working day; counter and post receptions keep their day."""
    cal = _Calendar()
    moment = local(received_at)
    day = moment.date()
    if channel == "online" and (not cal.is_working_day(day) or moment.time() >= OFFICE_CLOSES):
        return cal.next_working_day(day)
    return day


def due_date_for(procedure, received_at: datetime, channel: str, *, verification: bool = False) -> date:
    """The appointment date of a dossier of ``procedure`` received at ``received_at``."""
    cal = _Calendar()
    moment = local(received_at)
    day = effective_reception_day(received_at, channel)
    if procedure.same_day:
        shifted = day != moment.date()
        if not shifted and (moment.time() >= CUTOFF_SAME_DAY or not cal.is_working_day(day)):
            return cal.next_working_day(day)
        return day
    n = procedure.processing_days + (procedure.verification_days if verification else 0)
    return cal.add_working_days(day, n)


@dataclass(frozen=True)
class YearDay:
    date: date
    kind: str  # "off" or "work"
    source: str  # "package" or "override"
    name: str

    @property
    def weekday(self) -> int:
        return self.date.weekday()


def year_days(year: int) -> list[YearDay]:
    """The year's days off on weekdays and make-up working days on weekends, from the package
    and the overrides (the override wins and is labelled as such)."""
    from dossiers.models import CalendarDay

    days, workdays = _package_year(year)
    result: dict[date, YearDay] = {}
    for d, name in days.items():
        result[d] = YearDay(d, "off", "package", name)
    for d in workdays:
        result[d] = YearDay(d, "work", "package", "Ngày làm việc bù")
    for row in CalendarDay.objects.filter(date__year=year):
        result[row.date] = YearDay(row.date, row.kind, "override", row.note)
    return sorted(result.values(), key=lambda y: y.date)


def working_days_in(start: date, end: date) -> int:
    """Working days in start..end inclusive."""
    cal = _Calendar()
    return sum(
        1
        for d in itertools.takewhile(
            lambda d: d <= end, (start + timedelta(days=i) for i in itertools.count())
        )
        if cal.is_working_day(d)
    )
