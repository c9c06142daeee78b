"""Marking a report as sent: build the workbook once, keep its figures, file and hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import privacy
from parindex.analytics.reports.exports import ReportExporter
from parindex.analytics.reports.figures import Scope, differences, figures
from parindex.analytics.reports.models import SentReport
from parindex.analytics.reports.workbook import default_meta, report_filename
from parindex.base.names import full_name
from parindex.base.periods import Period


class NumberTaken(ValueError):
    """The sender already sent a report with this number this year; ``message`` is shown as is."""

    def __init__(self, existing: SentReport):
        self.existing = existing
        self.message = _("Số báo cáo {number} đã được dùng cho báo cáo gửi ngày {day}.").format(
            number=existing.number, day=timezone.localtime(existing.sent_at).strftime("%d/%m/%Y")
        )
        super().__init__(self.message)


def _same_number(*, ward, city, number: str, year: int):
    reports = SentReport.objects.filter(number=number, number_year=year)
    if ward is None:
        return reports.filter(city=city, ward__isnull=True)
    return reports.filter(ward=ward)


def _sender(scope: Scope) -> dict:
    return {"ward": None if scope.is_city else scope.wards[0], "city": scope.city}


def check_number(scope: Scope, number: str, *, at: datetime | None = None) -> None:
    """Refuse, before any work, a number this sender already used this year."""
    year = timezone.localtime(at or timezone.now()).year
    existing = _same_number(**_sender(scope), number=number.strip(), year=year).first()
    if existing is not None:
        raise NumberTaken(existing)


def prepare_sent(
    scope: Scope,
    period: Period,
    *,
    by,
    number: str,
    at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SentReport:
    """Build the workbook and store its file; the row is returned unsaved (``save_sent``).

    The build (a minute for a city's year) runs outside any transaction, so no lock is held while
    the workbook is written; saving the row is one short insert."""
    at = at or timezone.now()
    number = number.strip()
    check_number(scope, number, at=at)
    preparer = full_name(by)
    meta = default_meta(scope, number=number, report_date=timezone.localtime(at).date(), preparer=preparer)
    # The stored file goes up to the city: applicants' contact details stay in the ward.
    exporter = ReportExporter(scope, period, meta=meta, reads=privacy.UnmaskedReads(None))
    handle = exporter.render_xlsx(progress)
    data = exporter.figures
    digest = hashlib.sha256()
    with handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        handle.seek(0)
        report = SentReport(
            **_sender(scope),
            period_start=period.start,
            period_end=period.end,
            period_kind=period.kind,
            number=number,
            number_year=timezone.localtime(at).year,
            sent_at=at,
            sent_by=by,
            figures=data,
            sha256=digest.hexdigest(),
        )
        # FieldFile.save(save=False) stores the bytes (storage API) without saving the row.
        report.file.save(report_filename(scope, period), File(handle), save=False)
    return report


def save_sent(report: SentReport) -> SentReport:
    """Save a prepared report; a number another leader took meanwhile is refused by the
    constraint, and the stored file goes with the refused row."""
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        report.file.delete(save=False)
        existing = _same_number(
            ward=report.ward, city=report.city, number=report.number, year=report.number_year
        ).first()
        if existing is None:
            raise
        raise NumberTaken(existing) from None
    except Exception:
        report.file.delete(save=False)  # no stored file without its row
        raise
    return report


def mark_sent(scope: Scope, period: Period, *, by, number: str, at: datetime | None = None) -> SentReport:
    return save_sent(prepare_sent(scope, period, by=by, number=number, at=at))


def scope_of(report: SentReport) -> Scope:
    if report.ward_id:
        return Scope.for_ward(report.ward)
    return Scope.for_city(report.city)


def live_differences(report: SentReport):
    """Stored vs live Biểu 06 cells for the report's period (empty list: nothing changed)."""
    period = Period(report.period_start, report.period_end, report.period_kind)
    return differences(report.figures, figures(scope_of(report), period))
