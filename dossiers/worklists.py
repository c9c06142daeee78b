"""The officer's worklists: the register's list filters and the daily digest count the same rows."""

from __future__ import annotations

from datetime import date

from dossiers import calendar

WORKLISTS = {
    "mine": "Hồ sơ của tôi",
    "due_today": "Đến hạn hôm nay",
    "due_tomorrow": "Đến hạn ngày làm việc tiếp theo",
    "overdue": "Quá hạn",
    "supplement": "Chờ bổ sung",
    "at_agency": "Đang ở cơ quan khác",
    "apology": "Sắp đến hạn / quá hạn chưa có thư xin lỗi",
}


def mine(qs, user):
    return qs.open_now().filter(assignee=user) | qs.open_now().filter(assignee__isnull=True, created_by=user)


def apply(qs, name: str, user, today: date):
    if name == "mine":
        return mine(qs, user)
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
