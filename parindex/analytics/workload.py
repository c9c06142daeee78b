"""The workload per official and the staffing block: staffing joined with the register and the plan.

- ``workload(ward_id, period) -> list[WorkloadRow]``: one row per official serving in the period:
  dossiers received and handled in the period, open tasks held at its end, posts held and
  covered; four queries.
- ``staffing_block_context(ward_id, period, on) -> dict``: the context of
  ``templates/staffing/staffing_block.html`` (the dashboard) and of the staffing page's tables;
  eight queries.
- ``staffing_page``: the staffing page (``staffing:index``) and its export, which show both.

It reads three domain apps (staffing, dossiers, tasks), which do not import each other, so it is
analytics (docs/architecture.md); the posts and vacancies alone are ``parindex.staffing.queries``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from django.conf import settings
from django.db import connections, router
from django.db.models import F, OuterRef, Prefetch, Q, Value
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dossiers.models import Dossier, DossierEvent, Status
from parindex.analytics.reports import staffing_export as export
from parindex.base.access import can_lead, current_ward
from parindex.base.exporting import export_response
from parindex.base.htmx import HtmxHttpRequest, render_page_or_fragment
from parindex.base.models import Ward
from parindex.base.periods import Period
from parindex.staffing.forms import PeriodForm
from parindex.staffing.models import Cover, Holding, Official, Position, overlapping
from parindex.staffing.queries import VacancyCounts, grouped_count, position_table
from tasks.models import Task, TaskStatus

# A row of the workload table is flagged when its load reaches this multiple of the ward's median
# load: relative, because what is "too much" differs between a quiet and a busy ward.
OVERLOAD_FACTOR = 1.5


@dataclass
class WorkloadRow:
    official: Official
    dossiers_received: int
    dossiers_handled: int
    tasks_open: int
    positions: list[Position] = field(default_factory=list)
    covering: list[Position] = field(default_factory=list)
    overloaded: bool = False

    @property
    def load(self) -> int:
        """Dossiers handled plus open tasks: the single number the overload flag compares."""
        return self.dossiers_handled + self.tasks_open

    @property
    def has_account(self) -> bool:
        return self.official.user_id is not None


def _open_tasks_subquery(ward_id: int, period: Period):
    """Tasks of the ward's plans that the official leads or co-handles, open at the period's end.

    Cancelled tasks are gone; a task completed after the period's end still counted as open then.
    """
    held = (
        Task.objects.filter(plan__ward_id=ward_id)
        .filter(Q(lead_id=OuterRef("user_id")) | Q(co_officials=OuterRef("user_id")))
        .exclude(status=TaskStatus.CANCELLED)
        .exclude(status=TaskStatus.DONE, completed_on__lte=period.end)
    )
    return grouped_count(held, "plan__ward_id")


def workload(ward_id: int, period: Period) -> list[WorkloadRow]:
    """Per official serving in ``period``: what they received and handled, and what they hold.

    - received: dossiers of the ward they logged (``created_by``) with ``received_at`` in the period;
    - handled: dossiers of the ward they were assigned and that were open at some time in the period,
      or on which they recorded a workflow event in the period (each dossier once);
    - tasks_open: reform-plan tasks they lead or co-handle, open at the end of the period.

    Four queries whatever the data: officials (with their open tasks as a subquery), posts held and
    posts covered in the period (prefetches), then one grouped statement over the ward's dossiers
    and events of the period (``_dossier_counts``). Per-official correlated counts over the ward's
    whole history cost 150 ms at 1M dossiers (docs/performance.md); this reads only the period's
    rows through the indexes.
    """
    annotations = {"n_tasks": _open_tasks_subquery(ward_id, period)}

    officials = (
        Official.objects.filter(ward_id=ward_id)
        .serving_between(period.start, period.end)
        .annotate(**annotations)
        .prefetch_related(
            Prefetch(
                "holdings",
                queryset=Holding.objects.filter(overlapping(period.start, period.end))
                .select_related("position")
                .order_by("start", "id"),
                to_attr="period_holdings",
            ),
            Prefetch(
                "covers",
                queryset=Cover.objects.filter(overlapping(period.start, period.end))
                .select_related("position")
                .order_by("start", "id"),
                to_attr="period_covers",
            ),
        )
        .order_by("full_name", "id")
    )
    officials = list(officials)
    counts = _dossier_counts(ward_id, [o.user_id for o in officials if o.user_id], period)
    rows = [
        WorkloadRow(
            official=o,
            dossiers_received=counts.get(o.user_id, (0, 0))[0],
            dossiers_handled=counts.get(o.user_id, (0, 0))[1],
            tasks_open=o.n_tasks,
            positions=_unique(h.position for h in o.period_holdings),
            covering=_unique(c.position for c in o.period_covers),
        )
        for o in officials
    ]
    _flag_overload(rows)
    rows.sort(key=lambda r: (-r.load, -len(r.covering), r.official.full_name))
    return rows


def _dossier_counts(ward_id: int, user_ids: list[int], period: Period) -> dict[int, tuple[int, int]]:
    """``{user_id: (received, handled)}`` for the workload, in one SQL statement.

    The three sets are one ``UNION ALL`` of (user, dossier, kind) rows, grouped once: kind 1 the
    dossiers the user logged in the period; kind 2 the dossiers assigned to them and open at some
    time in the period, and those they recorded an event on in the period; ``handled`` counts the
    distinct dossiers of kind 2, so a dossier both assigned and acted on counts once. Rejected
    dossiers count nowhere. (It replaced three queries merged in Python, which sent every
    (user, dossier) pair of the period to the application: 17 ms of the ward dashboard at 1M.)
    """

    if not user_ids:
        return {}
    start_at, end_at = period.start_at, period.end_at
    dossiers = Dossier.objects.filter(ward_id=ward_id).exclude(status=Status.REJECTED).order_by()
    received = (
        dossiers.filter(created_by_id__in=user_ids, received_at__gte=start_at, received_at__lt=end_at)
        .annotate(u=F("created_by_id"), d=F("id"), k=Value(1))
        .values_list("u", "d", "k")
    )
    assigned_open = (
        dossiers.filter(assignee_id__in=user_ids, received_at__lt=end_at)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start_at))
        .annotate(u=F("assignee_id"), d=F("id"), k=Value(2))
        .values_list("u", "d", "k")
    )
    acted_on = (
        DossierEvent.objects.filter(
            by_id__in=user_ids, at__gte=start_at, at__lt=end_at, dossier__ward_id=ward_id
        )
        .exclude(dossier__status=Status.REJECTED)
        .order_by()
        .annotate(u=F("by_id"), d=F("dossier_id"), k=Value(2))
        .values_list("u", "d", "k")
    )
    alias = router.db_for_read(Dossier)
    union_sql, params = received.union(assigned_open, acted_on, all=True).query.get_compiler(alias).as_sql()
    sql = (
        "SELECT w.u, SUM(CASE WHEN w.k = 1 THEN 1 ELSE 0 END), COUNT(DISTINCT CASE WHEN w.k = 2 THEN w.d END)"
        " FROM ({}) w GROUP BY w.u"
    ).format(union_sql)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return {
            user_id: (int(n_received), int(n_handled)) for user_id, n_received, n_handled in cursor.fetchall()
        }


def _unique(positions) -> list[Position]:
    seen: dict[int, Position] = {}
    for p in positions:
        seen.setdefault(p.pk, p)
    return list(seen.values())


def _flag_overload(rows: list[WorkloadRow]) -> None:
    """Mark rows whose load is at least OVERLOAD_FACTOR times the median of the officials with an
    account (those without one never log dossiers, so they would drag the median to zero)."""
    loads = [r.load for r in rows if r.has_account]
    if not loads:
        return
    threshold = max(median(loads) * OVERLOAD_FACTOR, 1)
    for r in rows:
        r.overloaded = r.has_account and r.load >= threshold


def staffing_block_context(ward_id: int, period: Period, on: date, *, with_workload: bool = True) -> dict:
    """Context of ``staffing/staffing_block.html`` and ``staffing/staffing_tables.html``.

    Eight queries: the position table (4) and the workload (4; not with ``with_workload=False``,
    the ward dashboard's, which loads it afterwards); the totals are summed from the table's rows,
    so the same numbers are not counted twice.
    """
    rows = position_table(ward_id, on)
    totals = VacancyCounts()
    for row in rows:
        totals = totals + row.counts
    return {
        "staffing_on": on,
        "staffing_period": period,
        "staffing_rows": rows,
        "staffing_totals": totals,
        "staffing_workload": workload(ward_id, period) if with_workload else [],
    }


# The staffing page ------------------------------------------------------------------------------


@require_GET
def staffing_page(request: HtmxHttpRequest) -> HttpResponse:
    """``staffing:index``: the ward's posts, vacancies and covers on a day and the period's workload
    (the project's URLs give it the staffing namespace)."""
    ward = current_ward(request)
    if ward is None:
        raise Http404("ward")
    today = timezone.localdate()
    period_form = PeriodForm(request.GET, today=today)
    period = period_form.period
    on = period_form.on_for(period, today)
    if request.GET.get("export") == "xlsx":
        return _export(request, ward, period, on)
    context = staffing_block_context(ward.id, period, on)
    query = request.GET.copy()
    query.pop("export", None)
    context.update(
        ward=ward,
        period_form=period_form,
        picker=period_form.picker(),
        can_edit=can_lead(request.user, ward),
        query=query.urlencode(),
    )
    return render_page_or_fragment(request, "staffing/index.html", "staffing/staffing_tables.html", context)


def _export(request: HttpRequest, ward: Ward, period: Period, on: date) -> HttpResponse:
    rows = export.row_count(ward, on)
    if rows > settings.EXPORT_INLINE_ROWS:
        # Beyond a screenful the worker writes it; the person gets the job page at once.
        job = export.start_export(ward, period, on, by=request.user, rows=rows)
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    return export_response(export.StaffingExporter(ward, period, on))
