"""Reporting periods: calendar (month, quarter, year-to-date, year, custom) and the official
periods of Nghị định 09/2019 art. 12 (month = 15th of the previous month to the 14th; quarter,
6 months, 9 months and year likewise start on the 15th of the month before).

A period covers whole local days ``start``..``end`` (inclusive). Queries use the half-open
datetime range ``[start_at, end_at)`` built in Asia/Ho_Chi_Minh, so a dossier received at 23:59 on
the 14th belongs to the official month that ends on the 14th.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KINDS = {
    "month": _("Tháng (dương lịch)"),
    "quarter": _("Quý (dương lịch)"),
    "ytd": _("Từ đầu năm đến nay"),
    "year": _("Năm (dương lịch)"),
    "official_month": _("Kỳ báo cáo tháng (15 - 14)"),
    "official_quarter": _("Kỳ báo cáo quý"),
    "official_half": _("Kỳ báo cáo 6 tháng"),
    "official_nine": _("Kỳ báo cáo 9 tháng"),
    "official_year": _("Kỳ báo cáo năm"),
    "custom": _("Tùy chọn"),
}


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str = "custom"

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("period end before start")

    @property
    def start_at(self) -> datetime:
        return start_of_day(self.start)

    @property
    def end_at(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return start_of_day(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return "{} - {}".format(self.start.strftime("%d/%m/%Y"), self.end.strftime("%d/%m/%Y"))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_query(self) -> str:
        return "from={}&to={}".format(self.start.isoformat(), self.end.isoformat())


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month(year: int, month_: int) -> Period:
    return Period(date(year, month_, 1), _month_end(year, month_), "month")


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), "quarter")


def year(year_: int) -> Period:
    return Period(date(year_, 1, 1), date(year_, 12, 31), "year")


def year_to_date(today: date) -> Period:
    return Period(date(today.year, 1, 1), today, "ytd")


def custom(start: date, end: date) -> Period:
    return Period(start, end, "custom")


def _official(year_: int, last_month: int, months: int, kind: str) -> Period:
    """Official period ending on the 14th of ``last_month`` and spanning ``months`` months."""
    sy, sm = _shift_month(year_, last_month, -months)
    return Period(date(sy, sm, 15), date(year_, last_month, 14), kind)


def official_month(year_: int, month_: int) -> Period:
    return _official(year_, month_, 1, "official_month")


def official_quarter(year_: int, q: int) -> Period:
    return _official(year_, 3 * q, 3, "official_quarter")


def official_half(year_: int) -> Period:
    return _official(year_, 6, 6, "official_half")


def official_nine_months(year_: int) -> Period:
    return _official(year_, 9, 9, "official_nine")


def official_year(year_: int) -> Period:
    return _official(year_, 12, 12, "official_year")


def months_of(period: Period) -> list[Period]:
    """Calendar months overlapping ``period``, clipped to it (for monthly trends)."""
    result = []
    y, m = period.start.year, period.start.month
    while date(y, m, 1) <= period.end:
        p = month(y, m)
        result.append(Period(max(p.start, period.start), min(p.end, period.end), "month"))
        y, m = _shift_month(y, m, 1)
    return result


class PeriodError(ValueError):
    """A period picker value that cannot be understood; the message is for the user."""


# Every date the portal takes from a person (query strings, forms, imports) lies in these years.
# The portal starts with the 2000s reform programmes (no ward keeps a register from before) and
# plans at most a few decades ahead; the bound keeps every date four digits long and far enough from
# Python's date.max (9999-12-31) that "the day after", "+ n working days" and "the same day next
# year" never overflow. The period picker's year uses the same bounds.
MIN_YEAR = 2000
MAX_YEAR = 2100


def out_of_range_message(day: date) -> str:
    return _("Ngày {} nằm ngoài khoảng cho phép (năm {} đến {}).").format(
        day.strftime("%d/%m/%Y"), MIN_YEAR, MAX_YEAR
    )


def check_day(day: date, label: str = "") -> date:
    """``day`` if its year is within ``MIN_YEAR``..``MAX_YEAR``; ``PeriodError`` otherwise."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        message = out_of_range_message(day)
        raise PeriodError("{}: {}".format(label, message) if label else message)
    return day


def validate_day(value: date | datetime | None) -> None:
    """Form validator for ``DateField`` and ``DateTimeField``: the same bounds as the picker."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(out_of_range_message(value), code="date_out_of_range")


def parse_day(raw: str, label: str) -> date:
    """A day typed by a person (YYYY-MM-DD or dd/mm/yyyy), within the portal's years."""
    raw = (raw or "").strip()
    if "\x00" not in raw and len(raw) <= 10:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            return check_day(day, label)
    raise PeriodError(
        _('{} không hợp lệ: "{}". Nhập ngày theo dạng dd/mm/yyyy.').format(
            label, raw[:20].replace("\x00", "")
        )
    )


def parse_range(raw_start: str, raw_end: str) -> Period:
    """A custom period from two typed days: both within the portal's years, end not before start."""
    if not raw_start or not raw_end:
        raise PeriodError(_("Kỳ tùy chọn cần cả ngày bắt đầu và ngày kết thúc."))
    start = parse_day(raw_start, _("Ngày bắt đầu"))
    end = parse_day(raw_end, _("Ngày kết thúc"))
    if end < start:
        raise PeriodError(_("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."))
    if (end - start).days > MAX_CUSTOM_DAYS:
        raise PeriodError(_("Kỳ tùy chọn dài tối đa 10 năm."))
    return custom(start, end)


def _parse_int(params, name: str, label, low: int, high: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        raise PeriodError(_("Thiếu {}.").format(label))
    # int() would take "٣" or 4 300 digits; a year or a month is a few ASCII digits.
    if not (raw.isascii() and raw.lstrip("-").isdigit() and len(raw) <= 6):
        raise PeriodError(_('{} phải là số, nhận được "{}".').format(label, raw[:20].replace("\x00", "")))
    value = int(raw)
    if not low <= value <= high:
        raise PeriodError(_("{} phải từ {} đến {}.").format(label, low, high))
    return value


def refuse_future(period: Period, today: date) -> Period:
    """A period entirely after today has no figures yet: refused, never shown as zeros or as
    every open dossier overdue. A period that has begun is judged at the present moment."""
    if period.start > today:
        raise PeriodError(
            _("Kỳ {} chưa bắt đầu (hôm nay là {}): chưa có số liệu để xem hoặc báo cáo.").format(
                period.label, today.strftime("%d/%m/%Y")
            )
        )
    return period


MAX_CUSTOM_DAYS = 3660  # ten years: enough for any report, small enough for the trend


def period_from_query(params, today: date) -> Period:
    return refuse_future(_period_from_query(params, today), today)


def _period_from_query(params, today: date) -> Period:
    """The period a request asks for, from ``kind`` + ``year`` + ``month``/``quarter`` or
    ``from``/``to`` (YYYY-MM-DD or dd/mm/yyyy). Nothing given: the year to date.

    ``from``/``to`` without ``kind`` (as in drill-down links) is a custom range. Bad input raises
    ``PeriodError`` with a Vietnamese message (the view shows it and falls back to the default).
    """
    kind = (params.get("kind") or "").strip()
    has_range = bool(params.get("from") or params.get("to"))
    if not kind:
        kind = "custom" if has_range else "ytd"
    if kind not in KINDS:
        raise PeriodError(_('Loại kỳ không hợp lệ: "{}".').format(kind))
    if kind == "ytd":
        return year_to_date(today)
    if kind == "custom":
        return parse_range(params.get("from") or "", params.get("to") or "")
    year_ = _parse_int(params, "year", _("năm"), MIN_YEAR, MAX_YEAR)
    if kind in ("month", "official_month"):
        month_ = _parse_int(params, "month", _("tháng"), 1, 12)
        return month(year_, month_) if kind == "month" else official_month(year_, month_)
    if kind in ("quarter", "official_quarter"):
        q = _parse_int(params, "quarter", _("quý"), 1, 4)
        return quarter(year_, q) if kind == "quarter" else official_quarter(year_, q)
    return {
        "year": year,
        "official_half": official_half,
        "official_nine": official_nine_months,
        "official_year": official_year,
    }[kind](year_)
