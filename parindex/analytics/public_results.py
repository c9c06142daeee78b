"""The ward's public results page (/cong-khai/<ward_code>/): no login, no personal data.

Per month of the year: dossiers received and resolved, the share resolved on time, the mean
processing time in working days (``indicators.PROCESSING_TIME_DEFINITION``, shown on the page) and,
once at least ``PUBLIC_MIN_RATINGS`` ratings exist, the share satisfied; the same per field for the
year; and the petitions (PAKN) received, answered and answered on time per month.
Every figure is the indicator engine's (``service_counts`` into ``WardIndicators``): the page
shows the dashboard's numbers, never a second formula. The figures are cached (they change slowly
and the page is linked from the ward's website); the page itself may be cached by browsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from dossiers.models import Field
from parindex.analytics import indicators
from parindex.analytics.indicators import PetitionCounts, ProcessingTime, Ratio, WardIndicators
from parindex.base.models import Ward
from parindex.base.periods import Period, months_of, parse_period


@dataclass(frozen=True)
class Row:
    label: str
    received: int
    resolved: int
    on_time: Ratio
    rated: int
    satisfaction: Ratio | None  # None: fewer ratings than the minimum, not shown
    processing: ProcessingTime  # mean working days from reception to result


@dataclass(frozen=True)
class PetitionRow:
    label: str
    counts: PetitionCounts


def _indicators(ward: Ward, period: Period) -> WardIndicators:
    result = WardIndicators(ward.id, period)
    for (_ward_id, field_id), (counts, service) in indicators.service_counts([ward.id], period).items():
        result.add_cell(field_id, counts, service)
    return result


def _row(label: str, wi: WardIndicators, field_id: int | None = None, *, processing: ProcessingTime) -> Row:
    counts, service = (wi.counts, wi.service) if field_id is None else wi.by_field[field_id]
    satisfaction = wi.value_of("satisfaction", field_id).value
    return Row(
        label=label,
        received=counts.received,
        resolved=counts.resolved,
        on_time=wi.value_of("on_time_rate", field_id).value,
        rated=service.rated,
        satisfaction=satisfaction if service.rated >= settings.PUBLIC_MIN_RATINGS else None,
        processing=processing,
    )


def _summed(values) -> ProcessingTime:
    return sum(values, ProcessingTime())


def figures(ward: Ward, year: int, today: date) -> dict:
    # "ytd" of a year: to today in the current year, the whole year before (parindex.base.periods).
    period = parse_period({"kind": "ytd", "year": str(year)}, today)
    months = months_of(period)
    times = indicators.processing_times([ward.id], period)
    by_month = {
        m.start: _summed(t for (_w, _f, month), t in times.items() if month == m.start) for m in months
    }
    by_field = {fid: _summed(t for (_w, f, _m), t in times.items() if f == fid) for _w, fid, _m in times}
    month_rows = [
        _row(m.start.strftime("%m/%Y"), _indicators(ward, m), processing=by_month[m.start]) for m in months
    ]
    whole = _indicators(ward, period)
    names = dict(Field.objects.filter(id__in=whole.by_field).values_list("id", "name"))
    field_rows = sorted(
        (
            _row(names.get(fid, ""), whole, fid, processing=by_field.get(fid, ProcessingTime()))
            for fid in whole.by_field
        ),
        key=lambda r: (-r.received, r.label),
    )
    pakn = indicators.petition_counts([ward.id], period)
    pakn_rows = [PetitionRow(m.start.strftime("%m/%Y"), pakn.get(m.start, PetitionCounts())) for m in months]
    return {
        "period": period,
        "months": month_rows,
        "fields": field_rows,
        "total": _row("", whole, processing=_summed(times.values())),
        "petitions": pakn_rows,
        "petitions_total": sum((r.counts for r in pakn_rows), PetitionCounts()),
    }


@login_not_required
def ward_results(request: HttpRequest, ward_code: str) -> HttpResponse:
    ward = get_object_or_404(Ward.objects.select_related("city"), code=ward_code)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("nam", today.year))
    except ValueError:
        raise Http404("year") from None
    if not 2000 <= year <= today.year:
        raise Http404("year")
    key = "public-results:{}:{}:{}".format(ward.pk, year, today.isoformat())
    data = cache.get(key)
    if data is None:
        data = figures(ward, year, today)
        cache.set(key, data, settings.PUBLIC_RESULTS_CACHE_SECONDS)
    context = {
        "ward": ward,
        "year": str(year),
        "years": [str(y) for y in range(today.year, max(2000, today.year - 5) - 1, -1)],
        "min_ratings": settings.PUBLIC_MIN_RATINGS,
        # in the reader's language: the cached figures are shared by every language
        "processing_definition": indicators.PROCESSING_TIME_DEFINITION,
        **data,
    }
    response = render(request, "parindex/public_results.html", context)
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_RESULTS_CACHE_SECONDS)
    return response
