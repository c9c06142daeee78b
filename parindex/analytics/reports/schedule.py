"""Which report is due on a given day: the official month on the 15th (it closed on the 14th),
the calendar month on the 1st."""

from __future__ import annotations

from datetime import date

from parindex.analytics.reports.jobs import start_monthly
from parindex.base import periods
from parindex.base.jobs.models import Job
from parindex.base.models import Ward
from parindex.base.periods import Period


def period_due(day: date) -> Period | None:
    if day.day == 15:
        return periods.official_month(day.year, day.month)
    if day.day == 1:
        year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
        return periods.month(year, month)
    return None


def start_monthly_reports(day: date) -> list[Job]:
    """Queue the due report of every ward (none already queued or built is queued again)."""
    period = period_due(day)
    if period is None:
        return []
    started = (start_monthly(ward, period) for ward in Ward.objects.select_related("city").order_by("code"))
    return [job for job in started if job is not None]
