"""The register's filters, written once: the register screen, its Excel export and the JSON API
(``parindex.api``) all narrow a dossier queryset through ``filter_register``."""

from __future__ import annotations

from datetime import date, timedelta

from dossiers import calendar
from dossiers.forms import FilterForm
from parindex.periods import start_of_day

WORKLISTS = {
    "mine": "Hồ sơ của tôi",
    "due_today": "Đến hạn hôm nay",
    "due_tomorrow": "Đến hạn ngày làm việc tiếp theo",
    "overdue": "Quá hạn",
    "supplement": "Chờ bổ sung",
    "at_agency": "Đang ở cơ quan khác",
    "apology": "Sắp đến hạn / quá hạn chưa có thư xin lỗi",
}


def apply_worklist(qs, name: str, user, today: date):
    if name == "mine":
        return qs.open_now().filter(assignee=user) | qs.open_now().filter(
            assignee__isnull=True, created_by=user
        )
    if name == "due_today":
        return qs.due_on(today)
    if name == "due_tomorrow":
        return qs.due_on(calendar.next_working_day(today))
    if name == "overdue":
        return qs.overdue_on(today)
    if name == "supplement":
        return qs.waiting_supplement()
    if name == "at_agency":
        return qs.at_agency()
    if name == "apology":
        return qs.needing_apology_on(today)
    return qs


def filter_register(qs, params, *, user, today: date, keep_field: bool = False):
    """``qs`` narrowed by the register's query parameters (``list``, ``q``, ``field``, ``status``,
    ``channel``, ``received_from``, ``received_to``). Returns ``(qs, form)``; a bound form with
    errors applied none of its filters (the caller shows or returns the errors).

    ``keep_field`` ignores ``field`` (a drill-down already chose the field).
    """
    worklist = params.get("list", "")
    if worklist in WORKLISTS:
        qs = apply_worklist(qs, worklist, user, today)
    form = FilterForm(params or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.search(data["q"])
        if data["field"] and not keep_field:
            qs = qs.filter(field=data["field"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["channel"]:
            qs = qs.filter(channel=data["channel"])
        if data["received_from"]:
            qs = qs.filter(received_at__gte=start_of_day(data["received_from"]))
        if data["received_to"]:
            qs = qs.filter(received_at__lt=start_of_day(data["received_to"] + timedelta(days=1)))
    return qs, form
