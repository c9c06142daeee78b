"""Reminders for reform plan tasks due in 7, 3 and 1 days, to the task's lead and co-officials."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.base.jobs.notifications import notify
from tasks.models import Task

DAYS_BEFORE = (7, 3, 1)


def remind(day: date) -> int:
    given = 0
    due_days = {day + timedelta(days=n): n for n in DAYS_BEFORE}
    tasks = (
        Task.objects.open()
        .filter(due_date__in=list(due_days))
        .select_related("plan__ward", "lead")
        .prefetch_related("co_officials")
    )
    for task in tasks:
        people = [u for u in [task.lead, *task.co_officials.all()] if u is not None and u.is_active]
        given += notify(
            people,
            key="task:{}:{}".format(task.pk, task.due_date.isoformat())
            + ":{}".format(due_days[task.due_date]),
            text=_("Nhiệm vụ \u201c{}\u201d đến hạn ngày {} (còn {} ngày).").format(
                task.title, task.due_date.strftime("%d/%m/%Y"), due_days[task.due_date]
            ),
            url=reverse("tasks:task_detail", args=[task.pk]),
            ward=task.plan.ward,
        )
    return given
