"""Reporting periods: calendar (month, quarter, year-to-date, year, custom) and the official
periods of Nghị định 09/2019 art. 12 (month = 15th of the previous month to the 14th; quarter,
6 months, 9 months and year likewise start on the 15th of the month before).

A period covers whole local days ``start``..``end`` (inclusive). Queries use the half-open
datetime range ``[start_at, end_at)`` built in Asia/Ho_Chi_Minh, so a dossier received at 23:59 on
the 14th belongs to the official month that ends on the 14th.

One query-string vocabulary names a period on every screen (dashboards, reports, staffing, the
register's drill-downs, the service index), in the API and in every link and export built from a
period (``period_to_query``; ``parse_period``/``period_from_query`` read it back)::

    kind=month&year=2024&month=3             calendar month      (official_month: 15/02-14/03)
    kind=quarter&year=2024&quarter=1         calendar quarter    (official_quarter likewise)
    kind=year&year=2024                      calendar year       (official_half, official_nine,
                                                                  official_year: year only)
    kind=ytd[&year=2024]                     year to date (a past year: the whole year)
    from=2024-01-01&to=2024-02-29            custom range, days inclusive (kind=custom optional;
                                             dd/mm/yyyy also read)

Nothing given: the screen's default period. Old names (``period``, ``n``) are read once, in
``canonical_query``. ``PeriodForm`` is the picker's form over the same fields and messages, and
``parse_day`` reads every day a person types (the commands' ``--from``/``--to`` too).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
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
        """The period's two days as a query string (``range_query``), for links in templates."""
        return urlencode(range_query(self))


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
    """A period picker value that cannot be understood; the message is for the user.

    ``field`` names the query parameter at fault (the form puts the message beside it)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


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


def parse_day(raw: str, label: str, field: str | None = None) -> date:
    """A day typed by a person (YYYY-MM-DD or dd/mm/yyyy), within the portal's years."""
    raw = (raw or "").strip()
    if "\x00" not in raw and len(raw) <= 10:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            try:
                return check_day(day, label)
            except PeriodError as exc:
                raise PeriodError(str(exc), field) from None
    raise PeriodError(
        _('{} không hợp lệ: "{}". Nhập ngày theo dạng dd/mm/yyyy.').format(
            label, raw[:20].replace("\x00", "")
        ),
        field,
    )


def parse_range(raw_start: str, raw_end: str) -> Period:
    """A custom period from two typed days: both within the portal's years, end not before start."""
    if not raw_start or not raw_end:
        raise PeriodError(
            _("Kỳ tùy chọn cần cả ngày bắt đầu và ngày kết thúc."), "to" if raw_start else "from"
        )
    start = parse_day(raw_start, _("Ngày bắt đầu"), "from")
    end = parse_day(raw_end, _("Ngày kết thúc"), "to")
    if end < start:
        raise PeriodError(_("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."), "to")
    if (end - start).days > MAX_CUSTOM_DAYS:
        raise PeriodError(_("Kỳ tùy chọn dài tối đa 10 năm."), "to")
    return custom(start, end)


def _parse_int(params, name: str, label, low: int, high: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        raise PeriodError(_("Thiếu {}.").format(label), name)
    # int() would take "٣" or 4 300 digits; a year or a month is a few ASCII digits.
    if not (raw.isascii() and raw.lstrip("-").isdigit() and len(raw) <= 6):
        raise PeriodError(
            _('{} phải là số, nhận được "{}".').format(label, raw[:20].replace("\x00", "")), name
        )
    value = int(raw)
    if not low <= value <= high:
        raise PeriodError(_("{} phải từ {} đến {}.").format(label, low, high), name)
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


# --- the query-string vocabulary --------------------------------------------------------------

QUERY_KEYS = ("kind", "year", "month", "quarter", "from", "to")
NUMBERED = {"month": "month", "official_month": "month", "quarter": "quarter", "official_quarter": "quarter"}

# Names the report and staffing pickers sent before they shared this vocabulary; bookmarks,
# scheduled downloads and tests still send them, so they are read here (and nowhere else):
# ``period`` was the staffing picker's kind, ``n`` the month or quarter (by kind) of both.
LEGACY_KEYS = {"period": "kind"}
LEGACY_NUMBER = "n"


def _text(params, key: str) -> str:
    value = params.get(key)
    return "" if value is None else str(value).strip()


def canonical_query(params) -> dict[str, str]:
    """``params`` (a QueryDict or a dict) in the one vocabulary: ``QUERY_KEYS``, old names read."""
    query = {key: _text(params, key) for key in QUERY_KEYS}
    for old, new in LEGACY_KEYS.items():
        query[new] = query[new] or _text(params, old)
    number = _text(params, LEGACY_NUMBER)
    if number:
        target = NUMBERED.get(query["kind"], "month")
        query[target] = query[target] or number
    return query


def has_period(params) -> bool:
    """Whether ``params`` names a period at all (else the screen shows its default period)."""
    return any(canonical_query(params).values())


def parse_period(params, today: date, default: Period | None = None) -> Period:
    """The period ``params`` names, future periods included (a drill-down may look ahead).

    No kind and no days: ``default``, or the year to date. ``from``/``to`` without ``kind`` is a custom
    range; ``kind`` with ``from``/``to`` reads the dates only for ``custom`` (the dashboard picker
    sends every field). Bad input raises ``PeriodError`` with a Vietnamese message.
    """
    query = canonical_query(params)
    kind = query["kind"]
    if not kind:
        if not (query["from"] or query["to"]):
            # A year or a number without a kind names nothing: the screen's own period.
            return default if default is not None else year_to_date(today)
        kind = "custom"
    if kind not in KINDS:
        raise PeriodError(_('Loại kỳ không hợp lệ: "{}".').format(kind[:20].replace("\x00", "")), "kind")
    if kind == "custom":
        return parse_range(query["from"], query["to"])
    if kind == "ytd" and not query["year"]:
        return year_to_date(today)
    year_ = _parse_int(query, "year", _("năm"), MIN_YEAR, MAX_YEAR)
    if kind == "ytd":
        # The year to date of a past year is that whole year; of a later year, not begun.
        return (
            year_to_date(today)
            if year_ == today.year
            else Period(date(year_, 1, 1), date(year_, 12, 31), "ytd")
        )
    if NUMBERED.get(kind) == "month":
        month_ = _parse_int(query, "month", _("tháng"), 1, 12)
        return month(year_, month_) if kind == "month" else official_month(year_, month_)
    if NUMBERED.get(kind) == "quarter":
        q = _parse_int(query, "quarter", _("quý"), 1, 4)
        return quarter(year_, q) if kind == "quarter" else official_quarter(year_, q)
    return {
        "year": year,
        "official_half": official_half,
        "official_nine": official_nine_months,
        "official_year": official_year,
    }[kind](year_)


def year_param(raw, default: int) -> int:
    """A lone ``year`` (the targets and plan pages): within the portal's years, else ``default``."""
    raw = "" if raw is None else str(raw).strip()
    # isdigit() alone lets "²" through, which int() refuses; a year is a few ASCII digits.
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return default


def period_from_query(params, today: date, default: Period | None = None) -> Period:
    """``parse_period``, refusing a period that has not begun (``refuse_future``)."""
    return refuse_future(parse_period(params, today, default), today)


def range_query(period: Period) -> dict[str, str]:
    """The period as its two days (``from``/``to``): drill-down and download links."""
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def period_to_query(period: Period) -> dict[str, str]:
    """The inverse of ``parse_period``: the query that names ``period`` (its kind when it is a
    whole period of that kind, else its two days). The year to date is "to today"."""
    kind = period.kind
    if kind in ("custom", "ytd") or kind not in KINDS:
        if kind == "ytd" and period.start == date(period.end.year, 1, 1):
            return {"kind": "ytd", "year": str(period.end.year)}
        return range_query(period)
    query = {"kind": kind, "year": str(period.end.year)}
    number = NUMBERED.get(kind)
    if number == "month":
        query["month"] = str(period.end.month)
    elif number == "quarter":
        query["quarter"] = str((period.end.month - 1) // 3 + 1)
    try:
        same = parse_period(query, period.end) == period
    except PeriodError:
        same = False
    # A clipped month (``months_of``) keeps its kind but not its length: its days say it.
    return query if same else range_query(period)


# --- the period picker's form ---------------------------------------------------------------------


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


PERIOD_FIELDS = ("kind", "year", "month", "quarter", "from_", "to")


class PeriodForm(forms.Form):
    """The period picker of every screen: the fields of the vocabulary, parsed by ``parse_period``
    (the same messages as the query string), so a picker, a link and an export name one period.

    ``PeriodForm(request.GET, today=..., default=...)``; ``form.period`` is the chosen period, or
    ``default`` when nothing or nothing valid is chosen (``form.error`` then says why).
    ``kinds`` narrows the choices (the service index is scored by month, quarter and year).
    """

    kind = forms.CharField(label=_("Loại kỳ"), required=False)
    year = forms.CharField(
        label=_("Năm"),
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_YEAR, "max": MAX_YEAR}),
    )
    month = forms.CharField(
        label=_("Tháng"), required=False, widget=forms.Select(choices=[(m, m) for m in range(1, 13)])
    )
    quarter = forms.CharField(
        label=_("Quý"), required=False, widget=forms.Select(choices=[(q, q) for q in range(1, 5)])
    )
    from_ = forms.CharField(label=_("Từ ngày (kỳ tùy chọn)"), required=False, widget=_DateInput())
    to = forms.CharField(label=_("Đến ngày"), required=False, widget=_DateInput())

    def __init__(
        self,
        data=None,
        *,
        today: date,
        default: Period | None = None,
        kinds: tuple[str, ...] | None = None,
        **kwargs,
    ):
        self.today = today
        self.default = default if default is not None else year_to_date(today)
        self.kinds = [(k, KINDS[k]) for k in (kinds or KINDS)]
        self.query = canonical_query(data) if data is not None else {}
        # A screen's own fields beside the period (the staffing page's day) pass through as sent.
        extra = {
            name: _text(data, name)
            for name in self.base_fields
            if data is not None and name not in PERIOD_FIELDS and _text(data, name)
        }
        bound = any(self.query.values()) or bool(extra)
        super().__init__({**self.query, **extra} if bound else None, **kwargs)
        self.fields["kind"].widget = forms.Select(choices=self.kinds)
        if not bound:
            shown = period_to_query(self.default)
            self.initial = {("from_" if k == "from" else k): v for k, v in shown.items()}
            self.initial.setdefault("kind", self.default.kind)
        self._period: Period | None = None

    def add_prefix(self, field_name: str) -> str:
        # The HTML name of ``from_`` is "from" (a Python keyword, hence the field's name).
        return "from" if field_name == "from_" else super().add_prefix(field_name)

    def clean(self):
        data = super().clean()
        query = {("from" if k == "from_" else k): data.get(k, "") for k in PERIOD_FIELDS}
        try:
            period = period_from_query(query, self.today, self.default)
        except PeriodError as exc:
            field = {"from": "from_"}.get(exc.field or "", exc.field)
            self.add_error(field if field in self.fields else None, str(exc))
        else:
            self._period = period
        return data

    @property
    def period(self) -> Period:
        if not self.is_bound:
            return self.default
        self.is_valid()  # cleans once; a bad field beside the period leaves the period chosen
        return self._period if self._period is not None else self.default

    @property
    def error(self) -> str:
        """The first message of a bad choice ("" when the choice is good or there is none)."""
        if not self.is_bound or self.is_valid():
            return ""
        return " ".join(str(m) for messages in self.errors.values() for m in messages)

    def picker(self) -> dict:
        """What ``parindex/period_picker.html`` shows: the values as typed (a bad one stays to be
        corrected), else those of the period shown."""
        period = self.period
        shown = period_to_query(period)
        typed = self.query if self.is_bound else {}
        return {
            "kinds": self.kinds,
            "kind": typed.get("kind") or period.kind,
            # Strings, so the template neither localises the year ("2.024") nor loses bad input.
            "year": typed.get("year") or shown.get("year") or str(period.end.year),
            "month": typed.get("month") or shown.get("month") or str(period.end.month),
            "quarter": typed.get("quarter") or shown.get("quarter") or str((period.end.month - 1) // 3 + 1),
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "months": range(1, 13),
            "quarters": range(1, 5),
            "min_year": MIN_YEAR,
            "max_year": MAX_YEAR,
        }
