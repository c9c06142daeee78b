"""Marking a report as sent: build the workbook once, keep its figures, file and hash."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import privacy
from parindex.names import full_name
from parindex.periods import Period
from parindex.reports.figures import Scope, differences, figures
from parindex.reports.models import SentReport
from parindex.reports.workbook import build_report_file, default_meta, report_filename


class NumberTaken(ValueError):
    """The sender already sent a report with this number this year; ``message`` is shown as is."""

    def __init__(self, existing: SentReport):
        self.existing = existing
        self.message = _("Số báo cáo {number} đã được dùng cho báo cáo gửi ngày {day}.").format(
            number=existing.number, day=timezone.localtime(existing.sent_at).strftime("%d/%m/%Y")
        )
        super().__init__(self.message)


def _same_number(scope: Scope, number: str, year: int):
    reports = SentReport.objects.filter(number=number, number_year=year)
    if scope.is_city:
        return reports.filter(city=scope.city, ward__isnull=True)
    return reports.filter(ward=scope.wards[0])


def mark_sent(scope: Scope, period: Period, *, by, number: str, at: datetime | None = None) -> SentReport:
    at = at or timezone.now()
    number = number.strip()
    year = timezone.localtime(at).year
    try:
        return _mark_sent(scope, period, by=by, number=number, at=at, year=year)
    except IntegrityError:
        # Two leaders sent the same number at the same moment: the constraint kept one.
        existing = _same_number(scope, number, year).first()
        if existing is None:
            raise
        raise NumberTaken(existing) from None


@transaction.atomic
def _mark_sent(scope: Scope, period: Period, *, by, number: str, at: datetime, year: int) -> SentReport:
    existing = _same_number(scope, number, year).first()
    if existing is not None:
        raise NumberTaken(existing)
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
        number=number,
        number_year=year,
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
