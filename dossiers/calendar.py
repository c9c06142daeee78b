"""Working days (ngày làm việc) and working time (giờ làm việc) for deadlines.

A day is a working day when:
1. an administrator's ``CalendarDay`` row says so (``work`` = make-up working day, ``off`` = extra
   day off) — the government announces day-off swaps yearly, so the table always wins; else
2. the ``holidays`` package's VN calendar says so: Monday-Friday that are not public holidays
   (including the substitute days it knows), plus the make-up Saturdays it knows
   (``weekend_workdays``).

Working time is the city's office hours (``WorkingHours`` rows, each from the date it applies;
without one 07:30-11:30 and 13:30-17:00) on working days. The arithmetic here works in minutes of
that time: ``add_working_minutes``, ``working_minutes_between``, ``clock_start``. The deadline
rules built on it (due moments, pauses, classification) live in ``dossiers/deadlines.py``.

Caching: the package's holidays are static per year and cached in-process; the overrides are
cached per year under a version number kept in Django's cache and bumped by a signal whenever a
``CalendarDay`` is saved or deleted, so every process sharing the cache sees the change. Tests that
create overrides and then roll back call ``clear_cache()``.
"""

from __future__ import annotations

import time as time_module
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.core.cache import cache
from django.utils import timezone

CUTOFF_SAME_DAY = time(15, 0)
DEFAULT_SHIFTS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
# A deadline cannot reasonably be further than this; guards against an override table that
# declares every day off (would loop forever).
MAX_SCAN_DAYS = 3 * 366

_VERSION_KEY = "dossiers:calendar:version"
_overrides_by_version: dict[tuple[int, object], dict[date, str]] = {}
_hours_by_version: dict[tuple[int | None, object], list[tuple[date, tuple, bool]]] = {}


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
    _hours_by_version.clear()


def clear_cache() -> None:
    cache.delete(_VERSION_KEY)
    _version_seen[:] = [None, 0.0]
    _overrides_by_version.clear()
    _hours_by_version.clear()


def _hours_rows(city_id: int | None, version: object) -> list[tuple[date, tuple, bool]]:
    """The city's working-hours versions, newest first: (valid_from, shifts, saturday_morning)."""
    key = (city_id, version)
    found = _hours_by_version.get(key)
    if found is None:
        from dossiers.models import WorkingHours

        found = []
        if city_id is not None:
            for row in WorkingHours.objects.filter(city_id=city_id).order_by("-valid_from"):
                shifts = ((row.morning_start, row.morning_end), (row.afternoon_start, row.afternoon_end))
                found.append((row.valid_from, shifts, row.saturday_morning))
        _hours_by_version[key] = found
    return found


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

    def __init__(self, city_id: int | None = None) -> None:
        self.version = _version()
        self.city_id = city_id

    def shift_times(self, d: date) -> tuple:
        for valid_from, shifts, _saturday in _hours_rows(self.city_id, self.version):
            if valid_from <= d:
                return shifts
        return DEFAULT_SHIFTS

    def shifts(self, d: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as aware datetimes (none on a day off)."""
        if not self.is_working_day(d):
            return []
        zone = timezone.get_current_timezone()
        return [
            (datetime.combine(d, a, tzinfo=zone), datetime.combine(d, b, tzinfo=zone))
            for a, b in self.shift_times(d)
        ]

    def close_of(self, d: date) -> datetime:
        """The end of the last shift of ``d`` (its closing time, even on a day off)."""
        zone = timezone.get_current_timezone()
        return datetime.combine(d, self.shift_times(d)[-1][1], tzinfo=zone)

    def _days_from(self, d: date, step: int = 1):
        for i in range(MAX_SCAN_DAYS):
            yield d + timedelta(days=i * step)
        raise ValueError("no working time within three years")

    def clock_start(self, moment: datetime) -> datetime:
        """The first working moment at or after ``moment``."""
        moment = local(moment)
        for d in self._days_from(moment.date()):
            for a, b in self.shifts(d):
                if moment < b:
                    return max(a, moment)
        raise AssertionError  # pragma: no cover - _days_from raises first

    def last_working_moment(self, moment: datetime) -> datetime:
        """The latest working moment at or before ``moment`` (a shift's end when between shifts)."""
        moment = local(moment)
        for d in self._days_from(moment.date(), -1):
            for a, b in reversed(self.shifts(d)):
                if a <= moment:
                    return min(b, moment)
        raise AssertionError  # pragma: no cover

    def add_working_minutes(self, moment: datetime, minutes: int) -> datetime:
        if minutes <= 0:
            return moment
        moment = local(moment)
        left = timedelta(minutes=minutes)
        for d in self._days_from(moment.date()):
            for a, b in self.shifts(d):
                if b <= moment:
                    continue
                start = max(a, moment)
                if start + left <= b:
                    return start + left
                left -= b - start
        raise AssertionError  # pragma: no cover

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        if b <= a:
            return 0
        a, b = local(a), local(b)
        total = timedelta()
        d = a.date()
        while d <= b.date():
            for s, e in self.shifts(d):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return int(total.total_seconds() // 60)

    def day_minutes(self, d: date) -> int:
        """Working minutes of ``d`` by the hours in force then (the acceptance limit, time left)."""
        return sum(
            (datetime.combine(d, b) - datetime.combine(d, a)).seconds // 60 for a, b in self.shift_times(d)
        )

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


def calendar_for(city_id: int | None = None) -> _Calendar:
    """One snapshot of the calendar and the city's working hours, for several computations."""
    return _Calendar(city_id)


def add_working_minutes(moment: datetime, minutes: int, *, city_id: int | None = None) -> datetime:
    """The moment ``minutes`` of working time after ``moment`` (lunch, nights, weekends and days
    off skipped); a result landing exactly on a shift's end stays there."""
    return _Calendar(city_id).add_working_minutes(moment, minutes)


def working_minutes_between(a: datetime, b: datetime, *, city_id: int | None = None) -> int:
    """Minutes of working time in [a, b): the length of a pause from request to resume."""
    return _Calendar(city_id).working_minutes_between(a, b)


def clock_start(moment: datetime, *, city_id: int | None = None) -> datetime:
    return _Calendar(city_id).clock_start(moment)


def last_working_moment(moment: datetime, *, city_id: int | None = None) -> datetime:
    return _Calendar(city_id).last_working_moment(moment)


def close_of(d: date, *, city_id: int | None = None) -> datetime:
    return _Calendar(city_id).close_of(d)


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


def working_day_numbers(first: date, last: date) -> dict[date, int]:
    """Each day of first..last numbered by the working days up to it (first itself counts 0):
    ``numbers[b] - numbers[a]`` is ``working_days_between(a, b)`` for any a <= b in the range, so
    a batch of durations costs one walk over the calendar instead of one per duration."""
    cal = _Calendar()
    numbers: dict[date, int] = {}
    count = 0
    day = first
    while day <= last:
        if day != first and cal.is_working_day(day):
            count += 1
        numbers[day] = count
        day += timedelta(days=1)
    return numbers
