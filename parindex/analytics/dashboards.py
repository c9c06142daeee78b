"""The ward dashboard (the chairperson's), the city dashboard and the year-target pages.

Views only gather: every number comes from ``parindex.analytics.indicators`` (one place), every period from
``parindex.base.periods.period_from_query``. Each dossier number links to the dossier list filtered by
``bucket_queryset`` (``?bucket=&from=&to=&ward=[&field=]``): exactly the counted records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote_plus, urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from dossiers.buckets import BUCKET_LABELS
from dossiers.models import Dossier, Field
from parindex.analytics.indicators import (
    INDICATORS,
    IndicatorValue,
    WardIndicators,
    lateness_by_agency,
    monthly_trend,
    received_for_others,
    summary,
)
from parindex.analytics.reports import bieu06
from parindex.analytics.targets import STATUS_LABELS, YearTarget
from parindex.analytics.workload import staffing_block_context, workload
from parindex.base.access import (
    can_lead,
    current_ward,
    get_visible_ward,
    is_admin,
    may_edit_target,
    reads_several_wards,
    visible_ward_ids,
)
from parindex.base.audit import changes
from parindex.base.htmx import HtmxHttpRequest, render_page_or_fragment
from parindex.base.models import Ward
from parindex.base.periods import Period, PeriodForm, custom, month, range_query, year_param

# The headline: (title, main bucket, parts); each shows its Biểu 06 column number where the form
# has one (``bieu06.NUMBERS``).
HEADLINE = [
    (_("Hồ sơ tiếp nhận"), "received", ["carried_over", "received_new", "received_online"]),
    (_("Đã giải quyết"), "resolved", ["resolved_before", "resolved_on_time", "resolved_late"]),
    (_("Đang giải quyết"), "in_progress", ["in_progress_within", "in_progress_overdue"]),
]


def _headline(indicators: WardIndicators, drill: Drill) -> list[dict]:
    """The big numbers at the top of a ward's dashboard, each a link to its dossiers."""
    counts = indicators.counts

    def item(name: str) -> dict:
        return {"name": name, "value": getattr(counts, name), "label": BUCKET_LABELS[name],
                "col": bieu06.NUMBERS.get(name, ""), "url": drill.url(name)}  # fmt: skip

    blocks = [
        {"title": title, "main": item(main), "parts": [item(part) for part in parts]}
        for title, main, parts in HEADLINE
    ]
    service = indicators.service
    blocks.append(
        {
            "title": _("Thư xin lỗi"),
            "main": {
                "name": "apology_issued",
                "value": service.apology_issued,
                "col": "",
                "label": _("Hồ sơ đã có thư xin lỗi trong kỳ"),
                "url": drill.url("apology_issued"),
            },  # fmt: skip
            "parts": [
                {
                    "name": "apology_missing",
                    "value": service.apology_missing,
                    "col": "",
                    "label": _("Trễ hạn chưa có thư xin lỗi"),
                    "url": drill.url("apology_missing"),
                },  # fmt: skip
            ],
        }
    )
    return blocks


def _today() -> date:
    return timezone.localdate()


def _period_form(request: HttpRequest) -> PeriodForm:
    """The requested period (``form.period``), or the year to date with the error to show."""
    return PeriodForm(request.GET, today=_today())


def _period(request: HttpRequest) -> tuple[Period, str | None]:
    form = _period_form(request)
    return form.period, form.error or None


def _ward(request: HttpRequest) -> Ward:
    """?ward=CODE must be visible (404 otherwise); else the current ward."""
    code = request.GET.get("ward")
    if code:
        ward = get_visible_ward(request.user, code)
        # remembered for the other pages; written only when it changes (no session save per view)
        if reads_several_wards(request.user) and request.session.get("ward_code") != ward.code:
            request.session["ward_code"] = ward.code
        return ward
    ward = current_ward(request)
    if ward is None:
        raise Http404("ward")
    return ward


@dataclass
class Drill:
    """Builds dossier-list links for one ward (or several: ward=None) and one period.

    A dashboard builds about 200 of them: the list's address and the period's part of the query
    are made once, each link only adds its bucket (and field), with the same text as
    ``reverse`` + ``urlencode`` would give."""

    period: Period
    ward_code: str | None = None

    def __post_init__(self) -> None:
        tail = range_query(self.period)
        if self.ward_code:
            tail["ward"] = self.ward_code
        self._head = reverse("dossiers:index") + "?bucket="
        self._tail = "&" + urlencode(tail)
        self._cache: dict[tuple[str, int | None], str] = {}

    def for_ward(self, ward_code: str) -> Drill:
        """The same period's links for one ward, without resolving the list's address again (the
        city page makes one per ward)."""
        drill = Drill.__new__(Drill)
        drill.period, drill.ward_code = self.period, ward_code
        drill._head = self._head
        drill._tail = self._tail + "&" + urlencode({"ward": ward_code})
        drill._cache = {}
        return drill

    def url(self, bucket: str, field_id: int | None = None) -> str:
        key = (bucket, field_id)
        url = self._cache.get(key)
        if url is None:
            url = self._head + quote_plus(bucket) + self._tail
            if field_id:
                url += "&field={}".format(int(field_id))
            self._cache[key] = url
        return url


def _bieu06(indicators: WardIndicators, fields: dict[int, Field], drill: Drill) -> dict:
    """The ward's Biểu 06 in the compact layout (``bieu06.WARD``), every figure a link."""
    order = sorted(indicators.by_field, key=lambda f: (fields[f].sort_order, fields[f].name))
    rows = [(fields[f].name, indicators.by_field[f][0], False, f) for f in order]
    return bieu06.table(bieu06.WARD, rows, indicators.counts, url=drill.url, titles=BUCKET_LABELS)


def _card(item: IndicatorValue, fields: dict[int, Field], drill: Drill) -> dict:
    target = item.target
    links = []
    if item.numerator_bucket:
        numerator = getattr(item.value, "numerator", item.value)
        links.append(
            (BUCKET_LABELS[item.numerator_bucket], numerator, drill.url(item.numerator_bucket, item.field_id))
        )
    if item.denominator_bucket:
        links.append(
            (
                BUCKET_LABELS[item.denominator_bucket],
                item.value.denominator,
                drill.url(item.denominator_bucket, item.field_id),
            )
        )
    return {
        "item": item,
        "field": fields.get(item.field_id) if item.field_id else None,
        "target": target,
        "status": item.status,
        "status_label": STATUS_LABELS.get(item.status, "") if item.status else "",
        "needed": _needed(item),
        "links": links,
        "is_count": item.definition.kind == "count",
    }


def _needed(item: IndicatorValue) -> str | None:
    """The pace a card shows beside its status: rate needed on the rest of the year, or tasks."""
    assessment = item.assessment
    if assessment is None or assessment.needed is None:
        return None
    if assessment.expected is not None:
        return _("{expected} nhiệm vụ đến hạn đến nay, {done} đã xong; còn {left} nhiệm vụ đến 31/12").format(
            done=item.value.numerator, expected=assessment.expected, left=assessment.needed
        )
    return _("{rate} trên số hồ sơ còn lại của năm").format(rate=_percent(assessment.needed))


def _percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return "{}%".format(str(value.quantize(Decimal("0.1"))).replace(".", ","))


# ----- SVG trend ------------------------------------------------------------------------------

CHART_W, CHART_H, CHART_PAD = 640, 220, 32


def _trend_chart(trend) -> dict:
    """Geometry of a grouped bar chart (new, resolved) with the on-time rate as a line."""
    if not trend:
        return {}
    top = max([max(p.received_new, p.resolved) for p in trend] + [1])
    inner_w = CHART_W - 2 * CHART_PAD
    inner_h = CHART_H - 2 * CHART_PAD
    slot = inner_w / len(trend)
    bar = max(2.0, slot * 0.35)
    points, groups = [], []
    for i, p in enumerate(trend):
        x = CHART_PAD + i * slot + slot * 0.1
        h_new = inner_h * p.received_new / top
        h_res = inner_h * p.resolved / top
        rate = p.on_time_rate.value
        cx = CHART_PAD + i * slot + slot / 2
        if rate is not None:
            points.append("{:.1f},{:.1f}".format(cx, CHART_PAD + inner_h * (1 - float(rate) / 100)))
        groups.append(
            {
                "point": p,
                "x_new": round(x, 1),
                "x_res": round(x + bar, 1),
                "w": round(bar, 1),
                "y_new": round(CHART_PAD + inner_h - h_new, 1),
                "h_new": round(h_new, 1),
                "y_res": round(CHART_PAD + inner_h - h_res, 1),
                "h_res": round(h_res, 1),
                "label_x": round(cx, 1),
                "label": p.period.start.strftime("%m/%Y"),
            }
        )
    return {
        "w": CHART_W,
        "h": CHART_H,
        "pad": CHART_PAD,
        "base_y": CHART_H - CHART_PAD,
        "top": top,
        "groups": groups,
        "line": " ".join(points),
    }


def _export_links(ward: Ward | None, period: Period) -> dict:
    params = range_query(period)
    if ward is not None:
        params = {"ward": ward.code, **params}
    query = "?" + urlencode(params)
    return {"index": reverse("reports:index") + query, "download": reverse("reports:download") + query}


def _staffing_block(ward: Ward, period: Period) -> dict:
    """The staffing block without its workload (the busiest officials): that reads the ward's
    events of the period, the page's slowest statement, so it follows the page (``ward_workload``,
    htmx on load; a plain link without JavaScript)."""
    context = staffing_block_context(ward.id, period, period.end, with_workload=False)
    context["staffing_workload_url"] = "{}?{}".format(
        reverse("dashboard_workload"),
        urlencode({"ward": ward.code, **range_query(period)}),
    )
    return context


def ward_workload(request: HtmxHttpRequest) -> HttpResponse:
    """The staffing block's busiest officials for the dashboard's ward and period (loaded after the
    dashboard; ``parindex.analytics.workload.workload``, 4 queries)."""
    ward = _ward(request)
    period, period_error = _period(request)
    context = {
        "ward": ward,
        "period_error": period_error,
        "staffing_period": period,
        "staffing_workload": workload(ward.id, period),
    }
    return render_page_or_fragment(
        request, "parindex/dashboard_workload_page.html", "staffing/staffing_workload_top.html", context
    )


def _latest_data_period(ward: Ward) -> Period | None:
    """When nothing was received or resolved in the chosen period, point to the last months with
    receptions (one query, only then): a new ward, or a year not yet started, should not read as
    a page of zeros."""
    latest = Dossier.objects.filter(ward=ward).accepted().aggregate(last=Max("received_at"))["last"]
    if latest is None:
        return None
    last_day = timezone.localtime(latest).date()
    month_end = month(last_day.year, last_day.month).end
    return custom(date(last_day.year, 1, 1), month_end)


def ward_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    ward = _ward(request)
    form = _period_form(request)
    period, period_error = form.period, form.error or None
    staffing = _staffing_block(ward, period)
    # The vacancies card counts the posts the staffing block lists (no second query for them); a
    # ward without posts has none, as ``vacancy_counts`` leaves it out.
    vacancies = {ward.id: staffing["staffing_totals"]} if staffing["staffing_rows"] else {}
    result = summary([ward.id], period, wards=[ward], vacancies=vacancies)
    indicators = result.wards.get(ward.id) or WardIndicators(ward.id, period)
    fields = {f.id: f for f in Field.objects.all()}
    drill = Drill(period, ward.code)
    cards = [_card(item, fields, drill) for item in indicators.cards]
    targeted = {(c["item"].code, c["item"].field_id) for c in cards}
    others = [
        _card(item, fields, drill)
        for code, item in indicators.indicators.items()
        if (code, None) not in targeted
    ]
    satisfaction_by_field = [
        {"field": fields[fid], "ratio": r, "url": drill.url("rated", fid)}
        for fid, r in sorted(
            indicators.satisfaction_by_field().items(), key=lambda kv: fields[kv[0]].sort_order
        )
        if r.denominator
    ]
    plan = indicators.plan
    par = indicators.par
    context = {
        "ward": ward,
        "period": period,
        "period_error": period_error,
        "picker": form.picker(),
        "indicators": indicators,
        "cards": cards,
        "others": others,
        "bieu06": _bieu06(indicators, fields, drill),
        "headline": _headline(indicators, drill),
        "chart": _trend_chart(monthly_trend([ward.id], period)),
        "satisfaction_by_field": satisfaction_by_field,
        "apology": {
            "issued": indicators.service.apology_issued,
            "issued_url": drill.url("apology_issued"),
            "missing": indicators.service.apology_missing,
            "missing_url": drill.url("apology_missing"),
            "needed": indicators.service.needs_apology,
            "needed_url": drill.url("needs_apology"),
        },
        # Reception for other units (Nghị định 118/2025): the counter's work, not in Biểu 06 here.
        "received_for_others": {
            "count": received_for_others([ward.id], period).get(ward.id, 0),
            "url": "{}?list=for_others&ward={}&received_from={}&received_to={}".format(
                reverse("dossiers:index"), ward.code, period.start.isoformat(), period.end.isoformat()
            ),
        },
        "plan": plan,
        "plan_ratio": plan.done_ratio if plan is not None else None,
        "par": par.overall if par is not None else None,
        "vacancies": indicators.vacancies,
        "export": _export_links(ward, period),
        "definitions": list(INDICATORS.values()),
        "can_edit_targets": can_lead(request.user, ward),
        "query": urlencode({"ward": ward.code, **range_query(period)}),
    }
    context.update(staffing)
    if not indicators.counts.received_new and not indicators.counts.resolved:
        context["latest_data"] = _latest_data_period(ward)
    return render_page_or_fragment(
        request, "parindex/dashboard.html", "parindex/dashboard_body.html", context
    )


# ----- City dashboard -------------------------------------------------------------------------

CITY_COLUMNS = [
    # key, label, kind ("count" links to a bucket, "ratio" is an indicator code)
    ("received", _("Tiếp nhận"), "bucket"),
    ("resolved", _("Đã giải quyết"), "bucket"),
    ("in_progress_overdue", _("Đang quá hạn"), "bucket"),
    ("on_time_rate", INDICATORS["on_time_rate"].label, "indicator"),
    ("online_rate", INDICATORS["online_rate"].label, "indicator"),
    ("e_circulation_rate", INDICATORS["e_circulation_rate"].label, "indicator"),
    ("satisfaction", INDICATORS["satisfaction"].label, "indicator"),
    ("apology_missing", INDICATORS["apology_missing"].label, "bucket"),
    ("tasks_done_rate", INDICATORS["tasks_done_rate"].label, "indicator"),
    ("vacancies", INDICATORS["vacancies"].label, "indicator"),
]
CITY_SORT_KEYS = {"ward"} | {key for key, _label, _kind in CITY_COLUMNS}


def _city_cells(indicators: WardIndicators, drill: Drill) -> list[dict]:
    cells = []
    for key, _label, kind in CITY_COLUMNS:
        if kind == "bucket":
            value = getattr(indicators.counts, key, None)
            if value is None:
                value = getattr(indicators.service, key)
            cells.append({"key": key, "text": value, "sort": Decimal(value), "url": drill.url(key)})
        else:
            item = indicators.value_of(key)
            cells.append(
                {
                    "key": key,
                    "text": str(item),
                    "sort": item.number,
                    "url": None,
                    "status": item.status,
                    "title": item.definition.definition,
                }
            )
    return cells


def _city_cells_html(cells: list[dict], titles: dict[str, str], *, status: bool = True) -> SafeString:
    """One row's ``<td>`` cells as the template would write them (numbers localised, text escaped):
    100 wards x 10 cells through template tags were a third of the city page's time."""
    parts = []
    for cell in cells:
        text = escape(localize(cell["text"]))
        if cell["url"]:
            parts.append('<td class="num"><a href="{}">{}</a></td>'.format(escape(cell["url"]), text))
        else:
            badge = (
                ' class="badge status-{}"'.format(escape(cell["status"])) if status and cell["status"] else ""
            )
            parts.append(
                '<td class="num"><span title="{}"{}>{}</span></td>'.format(titles[cell["key"]], badge, text)
            )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def agency_lateness(request: HtmxHttpRequest) -> HttpResponse:
    """Lateness by agency at fault for the dashboard's period (?ward=CODE, or the city's wards with
    ?scope=city). Loaded after the dashboard (htmx), so the dashboard's query count stays put."""
    period, period_error = _period(request)
    if request.GET.get("scope") == "city":
        ward_ids = list(visible_ward_ids(request.user))
    else:
        ward_ids = [_ward(request).id]
    rows = lateness_by_agency(ward_ids, period)
    context = {"rows": rows, "period": period, "period_error": period_error}
    return render_page_or_fragment(
        request, "parindex/agency_lateness_page.html", "parindex/agency_lateness.html", context
    )


def city_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    form = _period_form(request)
    period, period_error = form.period, form.error or None
    wards = list(Ward.objects.filter(id__in=visible_ward_ids(request.user)).select_related("city"))
    if not wards:
        raise Http404("ward")
    result = summary([w.id for w in wards], period, wards=wards)
    # the counters' own work for other units (never in Biểu 06 here): one grouped query
    for_others = received_for_others([w.id for w in wards], period)
    city_drill = Drill(period, None)
    # The definitions are the indicator cells' tooltips: translated once, not once per ward.
    titles = {k: escape(INDICATORS[k].definition) for k, _label, kind in CITY_COLUMNS if kind == "indicator"}
    ward_link = reverse("dashboard") + "?ward="
    period_tail = "&" + urlencode(range_query(period))
    rows = []
    for w in wards:
        cells = _city_cells(result.wards[w.id], city_drill.for_ward(w.code))
        rows.append(
            {
                "ward": w,
                "cells": cells,
                "cells_html": _city_cells_html(cells, titles),
                "link": ward_link + quote_plus(w.code) + period_tail,
                "errors": result.wards[w.id].counts.identity_errors(),
                "received_for_others": for_others.get(w.id, 0),
            }
        )
    sort = request.GET.get("sort") or "ward"
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in CITY_SORT_KEYS:
        key, descending = "ward", False
    if key == "ward":
        rows.sort(key=lambda r: r["ward"].name, reverse=descending)
    else:
        index = [k for k, _l, _k in CITY_COLUMNS].index(key)
        present = [r for r in rows if r["cells"][index]["sort"] is not None]
        missing = [r for r in rows if r["cells"][index]["sort"] is None]
        present.sort(key=lambda r: (r["cells"][index]["sort"], r["ward"].name), reverse=descending)
        rows = present + missing  # no value: always last
    base = range_query(period)
    total = _city_cells(result.total, city_drill)
    headers = [
        {
            "key": k,
            "label": label,
            "title": INDICATORS[k].definition if k in INDICATORS else BUCKET_LABELS.get(k, ""),
            "url": "?" + urlencode({**base, "sort": ("-" if key == k and not descending else "") + k}),
            "active": "desc" if key == k and descending else ("asc" if key == k else ""),
        }
        for k, label, _kind in CITY_COLUMNS
    ]
    context = {
        "period": period,
        "period_error": period_error,
        "picker": form.picker(),
        "rows": rows,
        "headers": headers,
        "ward_sort_url": "?"
        + urlencode({**base, "sort": "-ward" if key == "ward" and not descending else "ward"}),
        "total": total,
        "total_html": _city_cells_html(total, titles, status=False),
        "received_for_others_total": sum(for_others.values()),
        "sort": sort,
        "export": _export_links(None, period),
        "definitions": list(INDICATORS.values()),
    }
    return render_page_or_fragment(
        request, "parindex/dashboard_city.html", "parindex/dashboard_city_body.html", context
    )


def indicator_definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "parindex/dashboard_definitions.html",
        {"definitions": list(INDICATORS.values()), "buckets": list(BUCKET_LABELS.items())},
    )


# ----- Year targets ---------------------------------------------------------------------------


class YearTargetForm(forms.ModelForm):
    class Meta:
        model = YearTarget
        fields = ["indicator", "field", "threshold", "direction", "note"]

    def _get_validation_exclusions(self):
        # The view sets the scope and year, the person types the rest; the one-target-per-scope
        # rules span both, so they are checked here (a form error) and not first by the database.
        return super()._get_validation_exclusions() - {"ward", "city", "year"}


def _year_param(request: HttpRequest) -> int:
    """?year=YYYY within the portal's years; the current year otherwise."""
    return year_param(request.GET.get("year"), _today().year)


def targets(request: HttpRequest) -> HttpResponse:
    """The ward's effective targets of a year (own and city defaults), with their history."""
    ward = _ward(request)
    year = _year_param(request)
    rows = list(YearTarget.objects.filter(year=year, ward=ward).select_related("field")) + list(
        YearTarget.objects.filter(year=year, ward=None, city_id=ward.city_id).select_related("field")
    )
    overridden = {(t.indicator, t.field_id) for t in rows if t.ward_id}
    items = [
        {
            "target": t,
            "definition": INDICATORS.get(t.indicator),
            "overridden": t.ward_id is None and (t.indicator, t.field_id) in overridden,
            "can_edit": may_edit_target(request.user, ward_id=t.ward_id, city_id=t.city_id),
        }
        for t in rows
    ]
    return render(
        request,
        "parindex/dashboard_targets.html",
        {
            "ward": ward,
            "year": year,
            "items": items,
            "can_add": can_lead(request.user, ward),
            "can_add_default": is_admin(request.user),
        },
    )


def target_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (?scope=city for a city default) or edit one target: leaders and administrators."""
    ward = _ward(request)
    if pk is not None:
        target = get_object_or_404(YearTarget, pk=pk)
        if target.ward_id not in (None, ward.id) or (
            target.ward_id is None and target.city_id != ward.city_id
        ):
            raise Http404("target")
    else:
        year = _year_param(request)
        if request.GET.get("scope") == "city":
            target = YearTarget(city=ward.city, year=year)
        else:
            target = YearTarget(ward=ward, year=year)
    if not may_edit_target(request.user, ward_id=target.ward_id, city_id=target.city_id):
        raise PermissionDenied
    form = YearTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu chỉ tiêu."))
        return HttpResponseRedirect(
            reverse("targets") + "?" + urlencode({"ward": ward.code, "year": target.year})
        )
    history = changes(target) if target.pk else []
    return render(
        request,
        "parindex/dashboard_target_form.html",
        {"ward": ward, "target": target, "form": form, "history": history},
    )
