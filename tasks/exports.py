"""The plan's task list: one column definition for its table (``tasks/task_rows.html``) and its
Excel export, and the exporter the page and the worker both use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.base import xlsx
from parindex.base.exporting import Column, ListExporter
from parindex.base.jobs.models import Job
from parindex.base.jobs.services import load_query
from tasks import plans
from tasks.models import Plan, Task


def _name(user) -> str:
    return plans.display_name(user) if user else "—"


COLUMNS = (
    Column(gettext_lazy("Mã"), lambda t: t.code, 8),
    Column(gettext_lazy("Nhiệm vụ"), lambda t: t.title, 60),
    Column(gettext_lazy("Lĩnh vực CCHC"), lambda t: t.get_component_display(), 36),
    Column(gettext_lazy("Người chủ trì"), lambda t: _name(t.lead), 22),
    Column(gettext_lazy("Người phối hợp"), lambda t: ", ".join(_name(u) for u in t.co_officials.all()), 30),
    Column(gettext_lazy("Hạn hoàn thành"), lambda t: t.due_date, 14, xlsx.DATE_FORMAT),
    Column(gettext_lazy("Trạng thái"), lambda t: t.get_status_display(), 16),
    Column(gettext_lazy("Tiến độ (%)"), lambda t: t.progress, 10, screen=False),
    Column(gettext_lazy("Ngày hoàn thành"), lambda t: t.completed_on, 14, xlsx.DATE_FORMAT),
    Column(gettext_lazy("Quá hạn"), lambda t: _("Có") if t.overdue else "", 9, screen=False),
    Column(gettext_lazy("Lý do hủy"), lambda t: t.cancel_reason, 30, screen=False),
)


def plan_filename(plan: Plan) -> str:
    return "ke-hoach-cchc-{}-{}.xlsx".format(plan.ward.code, plan.year)


class PlanExporter(ListExporter):
    """The plan's tasks as filtered on screen; ``on`` is the day overdue is judged on."""

    identifier = "ke-hoach-cchc"
    sheet_title = gettext_lazy("Nhiệm vụ")
    columns = COLUMNS

    def __init__(self, plan: Plan, tasks: Iterable[Task], *, on: date) -> None:
        self.plan = plan
        self.tasks = tasks
        self.on = on

    @classmethod
    def from_job(cls, job: Job) -> PlanExporter:
        plan = Plan.objects.select_related("ward").get(pk=job.params["plan"], ward=job.ward)
        tasks = (
            load_query(Task, job.params["query"])
            .select_related("lead")
            .prefetch_related(Prefetch("co_officials", queryset=plans.User.objects.order_by("first_name")))
        )
        return cls(plan, tasks, on=date.fromisoformat(job.params["on"]))

    def filename(self) -> str:
        return plan_filename(self.plan)

    def records(self) -> Iterable[Task]:
        for task in self.tasks:
            task.overdue = task.is_overdue(self.on)
            yield task
