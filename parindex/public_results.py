"""The ward's public results page (/cong-khai/<ward_code>/): no login, no personal data.

Per month of the year: dossiers received and resolved, the share resolved on time and, once at
least ``PUBLIC_MIN_RATINGS`` ratings exist, the share satisfied; the same per field for the year.
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
from parindex import indicators
from parindex.indicators import Ratio, WardIndicators
from parindex.models import Ward
from parindex.periods import Period, months_of, year_to_date
from parindex.periods import year as year_period


@dataclass(frozen=True)
class Row:
    label: str
    received: int
    resolved: int
    on_time: Ratio
    rated: int
    satisfaction: Ratio | None  # None: fewer ratings than the minimum, not shown


def _indicators(ward: Ward, period: Period) -> WardIndicators:
    result = WardIndicators(ward.id, period)
    for (_ward_id, field_id), (counts, service) in indicators.service_counts([ward.id], period).items():
        result.add_cell(field_id, counts, service)
    return result


def _row(label: str, wi: WardIndicators, field_id: int | None = None) -> Row:
    counts, service = (wi.counts, wi.service) if field_id is None else wi.by_field[field_id]
    satisfaction = wi.value_of("satisfaction", field_id).value
    return Row(
        label=label,
        received=counts.received,
        resolved=counts.resolved,
        on_time=wi.value_of("on_time_rate", field_id).value,
        rated=service.rated,
        satisfaction=satisfaction if service.rated >= settings.PUBLIC_MIN_RATINGS else None,
    )


def figures(ward: Ward, year: int, today: date) -> dict:
    period = year_to_date(today) if year == today.year else year_period(year)
    months = [_row(m.start.strftime("%m/%Y"), _indicators(ward, m)) for m in months_of(period)]
    whole = _indicators(ward, period)
    names = dict(Field.objects.filter(id__in=whole.by_field).values_list("id", "name"))
    by_field = sorted(
        (_row(names.get(fid, ""), whole, fid) for fid in whole.by_field), key=lambda r: (-r.received, r.label)
    )
    return {"period": period, "months": months, "fields": by_field, "total": _row("", whole)}


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
        **data,
    }
    response = render(request, "parindex/public_results.html", context)
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_RESULTS_CACHE_SECONDS)
    return response
