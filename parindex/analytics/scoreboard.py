"""The QĐ 766 scoreboard pages: the city's ranking of its wards, one ward's scores with every
sub-indicator's numbers and definition beside the official scores, the city's entries of the
metrics a ward cannot know, and the import of the official scores.

Views only gather: every number comes from ``parindex.analytics.service_index``. Who may see what is
``parindex.base.access`` (city users see their city's board; ward members their ward's page).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.analytics.reports.official_scores import ScoreboardExporter, ScoreFileError, import_scores
from parindex.analytics.service_index import Board, UnitScore, boards, competition_ranks, period_key, previous
from parindex.analytics.service_index_data import (
    GROUPS,
    MANUAL_CODES,
    SUBS,
    ServiceIndexEntry,
    record_entries,
)
from parindex.base import idempotency
from parindex.base.access import (
    current_ward,
    get_visible_ward,
    may_enter_service_metrics,
    may_see_city_scoreboard,
    visible_city_ids,
    works_in_a_ward,
)
from parindex.base.exporting import export_response
from parindex.base.models import City, Ward
from parindex.base.periods import Period, PeriodForm, month, months_of, period_to_query

SCORED_KINDS = {"month", "quarter", "year"}
IMPORT_PURPOSE = "service_index.import"


def last_ended_month(today: date) -> Period:
    """A month is scored after it ends: the default is the month before this one."""
    return month(today.year - 1, 12) if today.month == 1 else month(today.year, today.month - 1)


def _period_form(request: HttpRequest) -> PeriodForm:
    today = timezone.localdate()
    return PeriodForm(request.GET, today=today, default=last_ended_month(today), kinds=SCORED_KINDS)


def _period(request: HttpRequest) -> tuple[Period, str | None]:
    form = _period_form(request)
    period = form.period
    if form.error:
        return period, form.error
    if period.kind not in SCORED_KINDS:
        return form.default, _("Chỉ số phục vụ được chấm theo tháng, quý và năm dương lịch.")
    return period, None


def _chart_months(period: Period, today: date) -> list[Period]:
    """The months of the period's year up to its end, none after the current month."""
    year_start = Period(date(period.end.year, 1, 1), period.end)
    return [m for m in months_of(year_start) if m.start <= today][-12:]


def _compute(ward_ids: list[int], period: Period) -> tuple[Board, Board, list[Board]]:
    """The period, the one before and the chart's months, in one call (deduplicated)."""
    months = _chart_months(period, timezone.localdate())
    wanted = {period_key(p): p for p in [period, previous(period), *months]}
    result = dict(zip(wanted, boards(ward_ids, list(wanted.values())), strict=True))
    return (
        result[period_key(period)],
        result[period_key(previous(period))],
        [result[period_key(m)] for m in months],
    )


def _fmt(value: Decimal | None) -> str:
    """Points as shown: two decimals with a comma, or a dash."""
    return "—" if value is None else "{:.2f}".format(value).replace(".", ",")


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return None if now is None or before is None else now - before


# ----- SVG chart ---------------------------------------------------------------------------------

CHART_W, CHART_H, CHART_PAD = 640, 220, 32
GROUP_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"]


def _num(value: float) -> str:
    """An SVG coordinate: always a dot, never the locale's decimal comma."""
    return "{:.1f}".format(value)


def chart(units: list[UnitScore]) -> dict:
    """Stacked bars per month, one segment per group that has a score (of 100 points)."""
    if not units:
        return {}
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, CHART_H - 2 * CHART_PAD
    slot = inner_w / len(units)
    bar = max(4.0, slot * 0.6)
    bars = []
    for i, unit in enumerate(units):
        x = CHART_PAD + i * slot + (slot - bar) / 2
        y = CHART_PAD + inner_h
        segments = []
        for n, group in enumerate(unit.groups.values()):
            points = group.points
            if not points:
                continue
            h = inner_h * float(points) / 100
            y -= h
            segments.append(
                {"x": _num(x), "y": _num(y), "w": _num(bar), "h": _num(h), "colour": GROUP_COLOURS[n],
                 "title": "{}: {}".format(group.label, _fmt(points))}
            )  # fmt: skip
        bars.append(
            {
                "segments": segments,
                "label": unit.period.start.strftime("%m/%Y"),
                "label_x": _num(x + bar / 2),
                "total": _fmt(unit.total),
            }
        )
    grid = [{"y": _num(CHART_PAD + inner_h * (1 - v / 100)), "label": v} for v in (0, 50, 100)]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "pad": CHART_PAD,
        "base_y": _num(CHART_H - CHART_PAD),
        "label_y": _num(CHART_H - CHART_PAD + 14),
        "right": _num(CHART_W - CHART_PAD),
        "bars": bars,
        "grid": grid,
        "legend": [{"label": g.label, "colour": GROUP_COLOURS[n]} for n, g in enumerate(GROUPS)],
    }


# ----- picker --------------------------------------------------------------------------------------


def _picker(request: HttpRequest, period: Period) -> dict:
    """The shared picker (``parindex/period_picker.html``) showing the period scored."""
    form = PeriodForm(period_to_query(period), today=timezone.localdate(), kinds=SCORED_KINDS)
    return {**form.picker(), "kinds": [("month", _("Tháng")), ("quarter", _("Quý")), ("year", _("Năm"))]}


# ----- the city's board -------------------------------------------------------------------------


def _city(request: HttpRequest) -> City:
    """?city=CODE among the user's cities (404 otherwise); else the first of them."""
    ids = visible_city_ids(request.user)
    code = (request.GET.get("city") or "").strip()
    qs = City.objects.filter(id__in=ids)
    city = qs.filter(code=code[:20]).first() if code and code.isprintable() else qs.first()
    if city is None or not may_see_city_scoreboard(request.user, city.id):
        raise Http404("city")
    return city


def city_board(request: HttpRequest) -> HttpResponse:
    if works_in_a_ward(request.user):
        return HttpResponseRedirect(reverse("service_index_ward"))
    city = _city(request)
    period, period_error = _period(request)
    wards = list(Ward.objects.filter(city=city).order_by("name"))
    ward_ids = [w.id for w in wards]
    now, before, months = _compute(ward_ids, period)
    group_ranks = {
        g.code: competition_ranks({w.id: now.wards[w.id].groups[g.code].points for w in wards})
        for g in GROUPS
    }
    total_ranks = competition_ranks({w.id: now.wards[w.id].total for w in wards})
    query = period_to_query(period)
    rows = []
    for w in wards:
        unit, prev = now.wards[w.id], before.wards[w.id]
        rows.append(
            {
                "ward": w,
                "rank": total_ranks[w.id],
                "total": unit.total,
                "total_text": _fmt(unit.total),
                "change": _change(unit.total, prev.total),
                "change_text": _fmt(_change(unit.total, prev.total)),
                "official_total": unit.official_total,
                "official_text": _fmt(unit.official_total),
                "link": reverse("service_index_ward") + "?" + urlencode({"ward": w.code, **query}),
                "groups": [
                    {
                        "code": g.code,
                        "points": unit.groups[g.code].points,
                        "text": _fmt(unit.groups[g.code].points),
                        "rank": group_ranks[g.code][w.id],
                        "change": _fmt(_change(unit.groups[g.code].points, prev.groups[g.code].points)),
                    }
                    for g in GROUPS
                ],
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["ward"].name))
    city_unit, city_prev = now.city, before.city
    city_row = {
        "total": city_unit.total,
        "total_text": _fmt(city_unit.total),
        "change": _change(city_unit.total, city_prev.total),
        "change_text": _fmt(_change(city_unit.total, city_prev.total)),
        "groups": [
            {
                "code": g.code,
                "points": city_unit.groups[g.code].points,
                "text": _fmt(city_unit.groups[g.code].points),
            }
            for g in GROUPS
        ],
    }
    context = {
        "city": city,
        "period": period,
        "period_error": period_error,
        "picker": _picker(request, period),
        "groups": [
            {"code": g.code, "label": g.label, "max": _fmt(city_unit.groups[g.code].weight.max_points)}
            for g in GROUPS
        ],  # fmt: skip
        "rows": rows,
        "city_row": city_row,
        "chart": chart([b.city for b in months]),
        "title": _("Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766) · {city} · {period}").format(
            city=city.name, period=period.label
        ),
        "export_url": "?" + urlencode({"city": city.code, **query, "export": "xlsx"}),
        "entries_url": reverse("service_index_entries") + "?" + urlencode({"city": city.code, **query}),
        "can_enter": may_enter_service_metrics(request.user, city.id),
    }
    if request.GET.get("export") == "xlsx":
        kind, y, n = period_key(period)
        filename = "chi-so-766-{}-{}-{}-{}.xlsx".format(city.code, kind, y, n)
        return export_response(ScoreboardExporter(context, filename=filename))
    return render(request, "parindex/service_index_city.html", context)


# ----- one ward ---------------------------------------------------------------------------------


def ward_page(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ward")
    ward = get_visible_ward(request.user, code) if code else current_ward(request)
    if ward is None:
        raise Http404("ward")
    period, period_error = _period(request)
    now, before, months = _compute([ward.id], period)
    unit, prev = now.wards[ward.id], before.wards[ward.id]
    groups = []
    for g in GROUPS:
        group = unit.groups[g.code]
        official = unit.official.get(g.code)
        difference = unit.difference(g.code)
        lost = [s for s in group.subs if s.lost]
        groups.append(
            {
                "group": group,
                "text": _fmt(group.points),
                "max": _fmt(group.weight.max_points),
                "change": _fmt(_change(group.points, prev.groups[g.code].points)),
                "official": _fmt(official),
                "difference": _fmt(difference),
                "has_difference": difference is not None and difference != 0,
                "lost": [{"label": s.sub.label, "lost": _fmt(s.lost)} for s in lost],
                "subs": [
                    {
                        "sub": s.sub,
                        "ratio": s.ratio,
                        "points": _fmt(s.points),
                        "max": _fmt(s.weight.max_points),
                        "full_at": "{:.0f}%".format(s.weight.full_at * 100),
                        "when_empty": s.weight.get_when_empty_display(),
                    }
                    for s in group.subs
                ],
            }
        )
    context = {
        "ward": ward,
        "period": period,
        "period_error": period_error,
        "picker": _picker(request, period),
        "unit": unit,
        "groups": groups,
        "total": _fmt(unit.total),
        "change": _fmt(_change(unit.total, prev.total)),
        "official_total": _fmt(unit.official_total),
        "chart": chart([b.wards[ward.id] for b in months]),
        "city_url": reverse("service_index") + "?" + urlencode(period_to_query(period))
        if may_see_city_scoreboard(request.user, ward.city_id)
        else None,
    }
    return render(request, "parindex/service_index_ward.html", context)


# ----- the city's entries and the official import ------------------------------------------------


def _manual_city(request: HttpRequest) -> City:
    city = _city(request)
    if not may_enter_service_metrics(request.user, city.id):
        raise Http404("city")
    return city


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else None


def entries(request: HttpRequest) -> HttpResponse:
    """The metrics a ward cannot know, entered by the city's administrator per ward and period."""
    city = _manual_city(request)
    period, period_error = _period(request)
    kind, y, n = period_key(period)
    wards = list(Ward.objects.filter(city=city).order_by("name"))
    stored = {
        (e.ward_id, e.code): e
        for e in ServiceIndexEntry.objects.filter(ward__in=wards, kind=kind, year=y, number=n)
    }
    errors: list[str] = []
    if request.method == "POST":
        values = {}
        for w in wards:
            for code in MANUAL_CODES:
                raw_num = request.POST.get("num-{}-{}".format(w.id, code), "")
                raw_den = request.POST.get("den-{}-{}".format(w.id, code), "")
                if not raw_num.strip() and not raw_den.strip():
                    values[(w.id, code)] = None
                    continue
                num, den = _int(raw_num), _int(raw_den)
                if num is None or den is None or num > den:
                    errors.append(
                        _("{ward}, {metric}: nhập hai số nguyên, tử số không lớn hơn mẫu số.").format(
                            ward=w.name, metric=SUBS[code].label
                        )
                    )
                else:
                    values[(w.id, code)] = (num, den)
        if not errors:
            record_entries(key=period_key(period), values=values, by=request.user)
            messages.success(request, _("Đã lưu số liệu của kỳ {period}.").format(period=period.label))
            return HttpResponseRedirect(request.get_full_path())
    rows = [
        {
            "ward": w,
            "cells": [
                {
                    "code": code,
                    "num": request.POST.get("num-{}-{}".format(w.id, code), "")
                    if request.method == "POST"
                    else getattr(stored.get((w.id, code)), "numerator", ""),
                    "den": request.POST.get("den-{}-{}".format(w.id, code), "")
                    if request.method == "POST"
                    else getattr(stored.get((w.id, code)), "denominator", ""),
                }
                for code in MANUAL_CODES
            ],
        }
        for w in wards
    ]
    context = {
        "city": city,
        "period": period,
        "period_error": period_error,
        "picker": _picker(request, period),
        "metrics": [SUBS[c] for c in MANUAL_CODES],
        "rows": rows,
        "errors": errors,
        "board_url": reverse("service_index")
        + "?"
        + urlencode({"city": city.code, **period_to_query(period)}),
    }
    return render(request, "parindex/service_index_entries.html", context, status=400 if errors else 200)


@require_POST
def import_official(request: HttpRequest) -> HttpResponse:
    city = _manual_city(request)
    back = reverse("service_index") + "?" + urlencode({"city": city.code})
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Chọn tệp Excel điểm chính thức để nhập."))
        return HttpResponseRedirect(back)
    first = idempotency.previous_result(request, IMPORT_PURPOSE)
    if first:
        return idempotency.to_first_result(request, first)
    try:
        with idempotency.once(request, IMPORT_PURPOSE) as claim:
            summary = import_scores(upload, city=city, by=request.user, source_name=upload.name or "")
            if summary.errors:
                for error in summary.errors[:20]:
                    messages.error(request, error)
                messages.error(request, _("Tệp có lỗi: chưa nhập điểm nào."))
                return HttpResponseRedirect(back)
            claim.done(back)
    except idempotency.AlreadyDone as done:
        return idempotency.to_first_result(request, done.url)
    except idempotency.TokenRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    except ScoreFileError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, _("Đã nhập {n} điểm chính thức.").format(n=summary.created))
    for kept in summary.kept[:20]:
        messages.warning(request, _("Không ghi đè điểm đã nhập: {detail}.").format(detail=kept))
    return HttpResponseRedirect(back)
