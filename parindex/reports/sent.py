"""Marking a report as sent: build the workbook once, keep its figures, file and hash."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dossiers import privacy
from parindex.names import full_name
from parindex.periods import Period
from parindex.reports.figures import Scope, differences, figures
from parindex.reports.models import SentReport
from parindex.reports.workbook import build_report_file, default_meta, report_filename


@transaction.atomic
def mark_sent(scope: Scope, period: Period, *, by, number: str, at: datetime | None = None) -> SentReport:
    at = at or timezone.now()
    preparer = full_name(by)
    meta = default_meta(scope, number=number, report_date=timezone.localtime(at).date(), preparer=preparer)
    # The stored file goes up to the city: applicants' contact details stay in the ward.
    handle, data = build_report_file(scope, period, meta=meta, full_for=privacy.UnmaskedReads(None))
    with handle:
        content = handle.read()
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
        sha256=hashlib.sha256(content).hexdigest(),
    )
    # FieldFile.save(save=False) stores the bytes without saving the row; the row is saved once.
    report.file.save(report_filename(scope, period), ContentFile(content), save=False)
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
