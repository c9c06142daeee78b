"""Issue 15, side by side in one run on a generated city (default LOAD100K):

- the staffing workload's dossier figures: three queries merged in Python (before) against the one
  statement of ``parindex.analytics.workload._dossier_counts`` (checked equal first);
- the ward dashboard's drill-down links: ``reverse`` + ``urlencode`` per link (before) against
  ``parindex.analytics.dashboards.Drill`` (one ``reverse``), for the dashboard's ~200 links;
- the lateness by agency of the ward and of the whole city, year to date: from the dossiers and
  hops (before) against the facts (``AgencyDayFact``), checked equal first.

    DATABASE_URL=postgres://.../bench python bench/lists_workload.py [CITY]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.run import median_ms

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()
    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import timezone

    from dossiers.models import Dossier, DossierEvent, Status
    from parindex.analytics import workload
    from parindex.analytics.dashboards import Drill
    from parindex.base.models import Ward
    from parindex.base.periods import year_to_date
    from parindex.staffing.models import Official

    city = sys.argv[1] if len(sys.argv) > 1 else "LOAD100K"
    ward = Ward.objects.filter(city__code=city).order_by("code").first()
    period = year_to_date(timezone.localdate())
    user_ids = list(Official.objects.filter(ward=ward, user__isnull=False).values_list("user_id", flat=True))

    def before():
        start_at, end_at = period.start_at, period.end_at
        dossiers = Dossier.objects.filter(ward_id=ward.id).exclude(status=Status.REJECTED).order_by()
        received = dict(
            dossiers.filter(created_by_id__in=user_ids, received_at__gte=start_at, received_at__lt=end_at)
            .values_list("created_by_id")
            .annotate(n=Count("id"))
        )
        handled = {u: set() for u in user_ids}
        assigned_open = dossiers.filter(assignee_id__in=user_ids, received_at__lt=end_at).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=start_at)
        )
        for u, d in assigned_open.values_list("assignee_id", "id"):
            handled[u].add(d)
        events = DossierEvent.objects.filter(
            by_id__in=user_ids, at__gte=start_at, at__lt=end_at, dossier__ward_id=ward.id
        ).exclude(dossier__status=Status.REJECTED)
        for u, d in events.order_by().values_list("by_id", "dossier_id").distinct():
            handled[u].add(d)
        return {u: (received.get(u, 0), len(handled[u])) for u in user_ids}

    def after():
        got = workload._dossier_counts(ward.id, user_ids, period)
        return {u: got.get(u, (0, 0)) for u in user_ids}

    assert before() == after(), "the two workloads differ"
    print("{} ward {}, {} officials with an account, {}".format(city, ward.code, len(user_ids), period.label))
    old_ms, new_ms = median_ms(before), median_ms(after)
    print("workload dossiers  3 queries + Python: {} ms   1 statement: {} ms   ratio {:.2f}x".format(
        old_ms, new_ms, old_ms / new_ms))  # fmt: skip

    buckets = ["received", "resolved", "on_time", "late", "rated", "apology_missing"] * 34  # ~200 links

    def old_links():
        out = []
        for i, bucket in enumerate(buckets):
            params = {"bucket": bucket, "from": period.start.isoformat(), "to": period.end.isoformat()}
            params["ward"] = ward.code
            if i % 7:
                params["field"] = i % 7
            out.append(reverse("dossiers:index") + "?" + urlencode(params))
        return out

    def new_links():
        drill = Drill(period, ward.code)
        return [drill.url(bucket, i % 7 or None) for i, bucket in enumerate(buckets)]

    assert old_links() == new_links()
    old_ms, new_ms = median_ms(old_links, 50), median_ms(new_links, 50)
    print("{} drill links     reverse per link: {} ms   Drill: {} ms   ratio {:.2f}x".format(
        len(buckets), old_ms, new_ms, old_ms / new_ms))  # fmt: skip

    from datetime import timedelta

    from parindex.analytics import indicators
    from parindex.base import periods

    city_wards = list(Ward.objects.filter(city__code=city).values_list("id", flat=True))
    last_month = periods.month(*(period.end.replace(day=1) - timedelta(days=1)).timetuple()[:2])
    for label, ids, span in (
        ("ward, year to date", [ward.id], period),
        ("city ({} wards), year to date".format(len(city_wards)), city_wards, period),
        ("ward, last month", [ward.id], last_month),
        ("city, last month", city_wards, last_month),
    ):

        def figures(rows):
            return [(r.agency_id, r.late_hops, r.late_hops_ward_in_time, r.late_dossiers) for r in rows]

        live = figures(indicators.lateness_by_agency(ids, span, live=True))
        assert figures(indicators.lateness_by_agency(ids, span)) == live, "lateness by agency differs"
        old_ms = median_ms(lambda ids=ids, p=span: indicators.lateness_by_agency(ids, p, live=True), 7)
        new_ms = median_ms(lambda ids=ids, p=span: indicators.lateness_by_agency(ids, p), 7)
        print("lateness by agency, {}: dossiers {} ms   facts {} ms   ratio {:.2f}x".format(
            label, old_ms, new_ms, old_ms / new_ms))  # fmt: skip


if __name__ == "__main__":
    main()
