"""Reporting periods: calendar and official periods, and the period picker's parsing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from parindex.base import periods
from parindex.base.periods import PeriodError, period_from_query

TODAY = date(2023, 5, 31)


def test_official_periods_run_from_the_15th_to_the_14th():
    assert periods.official_month(2024, 1) == periods.Period(
        date(2023, 12, 15), date(2024, 1, 14), "official_month"
    )
    assert (periods.official_month(2024, 2).start, periods.official_month(2024, 2).end) == (
        date(2024, 1, 15),
        date(2024, 2, 14),
    )
    q1 = periods.official_quarter(2024, 1)
    assert (q1.start, q1.end) == (date(2023, 12, 15), date(2024, 3, 14))
    half = periods.official_half(2024)
    assert (half.start, half.end) == (date(2023, 12, 15), date(2024, 6, 14))
    nine = periods.official_nine_months(2024)
    assert (nine.start, nine.end) == (date(2023, 12, 15), date(2024, 9, 14))
    full = periods.official_year(2024)
    assert (full.start, full.end) == (date(2023, 12, 15), date(2024, 12, 14))


def test_calendar_periods_and_half_open_bounds():
    feb = periods.month(2024, 2)
    assert (feb.start, feb.end, feb.days) == (date(2024, 2, 1), date(2024, 2, 29), 29)
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    assert feb.start_at == datetime(2024, 2, 1, tzinfo=vn)
    assert feb.end_at == datetime(2024, 3, 1, tzinfo=vn)
    assert periods.quarter(2024, 4).end == date(2024, 12, 31)
    assert periods.year_to_date(TODAY) == periods.Period(date(2023, 1, 1), TODAY, "ytd")
    assert [m.start for m in periods.months_of(periods.official_month(2024, 3))] == [
        date(2024, 2, 15),
        date(2024, 3, 1),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (date(2023, 1, 1), TODAY)),
        ({"kind": "month", "year": "2023", "month": "2"}, (date(2023, 2, 1), date(2023, 2, 28))),
        ({"kind": "official_month", "year": "2023", "month": "2"}, (date(2023, 1, 15), date(2023, 2, 14))),
        ({"kind": "quarter", "year": "2023", "quarter": "2"}, (date(2023, 4, 1), date(2023, 6, 30))),
        ({"kind": "official_half", "year": "2023"}, (date(2022, 12, 15), date(2023, 6, 14))),
        ({"kind": "year", "year": "2022"}, (date(2022, 1, 1), date(2022, 12, 31))),
        ({"from": "2023-01-01", "to": "2023-05-31"}, (date(2023, 1, 1), TODAY)),
        ({"kind": "custom", "from": "01/01/2023", "to": "31/05/2023"}, (date(2023, 1, 1), TODAY)),
    ],
)
def test_period_picker_parses_kind_and_dates(params, expected):
    period = period_from_query(params, TODAY)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "fortnight"}, "Loại kỳ không hợp lệ"),
        ({"kind": "month", "year": "2023"}, "Thiếu tháng"),
        ({"kind": "month", "year": "2023", "month": "13"}, "tháng phải từ 1 đến 12"),
        ({"kind": "quarter", "year": "abc", "quarter": "1"}, "năm phải là số"),
        ({"from": "2023-05-31", "to": "2023-01-01"}, "Ngày kết thúc phải sau"),
        ({"from": "31/02/2023", "to": "2023-03-01"}, "Ngày bắt đầu không hợp lệ"),
        ({"from": "2023-01-01"}, "cần cả ngày bắt đầu và ngày kết thúc"),
        ({"from": "2000-01-01", "to": "2023-01-01"}, "tối đa 10 năm"),
    ],
)
def test_bad_period_input_gives_a_clear_vietnamese_error(params, message):
    with pytest.raises(PeriodError) as error:
        period_from_query(params, TODAY)
    assert message in str(error.value)
