"""Deadline reminders for one-stop officers: their open dossiers due on the next working day, and
those already overdue. One notice per officer per day."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from dossiers.calendar import next_working_day
from dossiers.models import Dossier
from parindex.base.jobs.notifications import notify


def remind(day: date) -> int:
    """Notices given for ``day`` (a rerun the same day gives none)."""
    nxt = next_working_day(day)
    due = Counter(
        Dossier.objects.due_on(nxt).filter(assignee__isnull=False).values_list("assignee_id", flat=True)
    )
    overdue = Counter(
        Dossier.objects.overdue_on(day).filter(assignee__isnull=False).values_list("assignee_id", flat=True)
    )
    users = get_user_model().objects.filter(pk__in=set(due) | set(overdue), is_active=True)
    given = 0
    for user in users:
        given += notify(
            [user],
            key="dossiers:{}".format(day.isoformat()),
            text=_("Hồ sơ của bạn: {} đến hạn ngày {}, {} quá hạn.").format(
                due[user.pk], nxt.strftime("%d/%m/%Y"), overdue[user.pk]
            ),
            url="{}?list=mine".format(reverse("dossiers:index")),
        )
    return given
