"""Marking a report as sent: build the workbook once, keep its figures, file and hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.core.files import File
from django.utils import timezone

from parindex.names import full_name
from parindex.periods import Period
from parindex.reports.figures import Scope, differences, figures
from parindex.reports.models import SentReport
from parindex.reports.workbook import build_report_file, default_meta, report_filename


def prepare_sent(
    scope: Scope,
    period: Period,
    *,
    by,
    number: str,
    at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SentReport:
    """Build the workbook and store its file; the row is returned unsaved.

    The build (a minute for a city's year) runs outside any transaction; the caller saves the row,
    one short insert, so no lock is held while the workbook is written."""
    at = at or timezone.now()
    preparer = full_name(by)
    meta = default_meta(scope, number=number, report_date=timezone.localtime(at).date(), preparer=preparer)
    # The stored file goes up to the city: applicants' contact details stay in the ward.
    handle, data = build_report_file(scope, period, meta=meta, mask_personal=True, progress=progress)
    digest = hashlib.sha256()
    with handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        handle.seek(0)
        report = SentReport(
            ward=None if scope.is_city else scope.wards[0],
            city=scope.city,
            period_start=period.start,
            period_end=period.end,
            period_kind=period.kind,
            number=number.strip(),
            sent_at=at,
            sent_by=by,
            figures=data,
            sha256=digest.hexdigest(),
        )
        # FieldFile.save(save=False) stores the bytes (storage API) without saving the row.
        report.file.save(report_filename(scope, period), File(handle), save=False)
    return report


def mark_sent(scope: Scope, period: Period, *, by, number: str, at: datetime | None = None) -> SentReport:
    report = prepare_sent(scope, period, by=by, number=number, at=at)
    report.save()
    return report


def scope_of(report: SentReport) -> Scope:
    if report.ward_id:
        return Scope.for_ward(report.ward)
    return Scope.for_city(report.city)


def live_differences(report: SentReport):
    """Stored vs live Biểu 06 cells for the report's period (empty list: nothing changed)."""
    period = Period(report.period_start, report.period_end, report.period_kind)
    return differences(report.figures, figures(scope_of(report), period))
