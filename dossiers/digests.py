"""The officers' daily digest: what is due today and on the next working day and what is overdue,
among the dossiers the officer holds (the "mine" worklist), and the ward's online submissions
waiting for acceptance (any of its officers may accept them); leaders also get their ward's overdue
and late-without-apology counts. Counts come from the worklists' querysets, the same rows the
register's lists show.

A digest is kept per officer and day (the home page shows the latest) and e-mailed when e-mail is
configured and the officer has an address. The e-mail names dossiers by code and procedure only:
no applicant's data leaves the portal in it.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from dossiers import calendar, worklists
from dossiers.models import Dossier, OfficerDigest
from parindex.base.models import Membership, Role

logger = logging.getLogger(__name__)

LISTS = (("due_today", "due_today"), ("due_next", "due_tomorrow"), ("overdue", "overdue"))


def _lists(user, ward, day: date) -> dict[str, list[Dossier]]:
    mine = worklists.mine(Dossier.objects.for_ward(ward), user).select_related("procedure")
    return {
        name: list(worklists.apply(mine, worklist, user, day).order_by("due_at", "code"))
        for name, worklist in LISTS
    }


def build(member: Membership, day: date) -> tuple[OfficerDigest, dict[str, list[Dossier]]]:
    user, ward = member.user, member.ward
    lists = _lists(user, ward, day)
    values = {name: len(rows) for name, rows in lists.items()}
    values["online_waiting"] = worklists.inbox([ward.id]).count()
    if member.role == Role.LEADER:
        ward_qs = Dossier.objects.for_ward(ward)
        values["ward_overdue"] = ward_qs.overdue_on(day).count()
        values["ward_late_without_apology"] = (
            ward_qs.late_without_apology().filter(resolved_on__year=day.year).count()
        )
    digest, _created = OfficerDigest.objects.update_or_create(
        user=user, day=day, defaults={"ward": ward, **values}
    )
    return digest, lists


def _email_text(digest: OfficerDigest, lists: dict[str, list[Dossier]]) -> str:
    base = settings.PUBLIC_BASE_URL
    titles = {
        "due_today": _("Đến hạn hôm nay"),
        "due_next": _("Đến hạn ngày làm việc tiếp theo"),
        "overdue": _("Quá hạn"),
    }
    lines = [_("Bản tin hồ sơ ngày {day}").format(day=digest.day.strftime("%d/%m/%Y")), ""]
    for name, worklist in LISTS:
        rows = lists[name]
        lines.append("{}: {}".format(titles[name], len(rows)))
        lines += [
            "  - {} · {} · {}".format(d.code, d.procedure.name, d.due_date.strftime("%d/%m/%Y")) for d in rows
        ]
        if base:
            lines.append("  " + base + reverse("dossiers:index") + "?list=" + worklist)
    lines.append(_("Hồ sơ trực tuyến chờ tiếp nhận") + ": {}".format(digest.online_waiting))
    if base:
        lines.append("  " + base + reverse("dossiers:inbox"))
    if digest.ward_overdue is not None:
        lines += [
            "",
            _("Toàn phường: {overdue} hồ sơ quá hạn, {late} hồ sơ trễ hạn chưa có thư xin lỗi.").format(
                overdue=digest.ward_overdue, late=digest.ward_late_without_apology
            ),
        ]
    return "\n".join(lines)


def send_all(day: date) -> tuple[int, int]:
    """Build every officer's and leader's digest for ``day``; returns (digests, e-mails sent)."""
    members = Membership.objects.filter(
        role__in=[Role.OFFICER, Role.LEADER], user__is_active=True
    ).select_related("user", "ward")
    built = mailed = 0
    for member in members:
        digest, lists = build(member, day)
        built += 1
        if digest.emailed or digest.is_empty or not (settings.EMAIL_HOST and member.user.email):
            continue
        try:
            send_mail(
                _("Bản tin hồ sơ ngày {day}").format(day=day.strftime("%d/%m/%Y")),
                _email_text(digest, lists),
                None,
                [member.user.email],
            )
        except Exception as exc:
            # One mailbox refusing must not stop the others' digests.
            logger.warning("digest for user %s not e-mailed: %s", member.user_id, exc)
            continue
        digest.emailed = True
        digest.save(update_fields=["emailed"])
        mailed += 1
    return built, mailed


def latest_for(user) -> OfficerDigest | None:
    return OfficerDigest.objects.filter(user=user).order_by("-day").first()


def is_working_day(day: date) -> bool:
    return calendar.is_working_day(day)
