"""Display helpers: personal data masking (Nghị định 13/2023) and deadline labels."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from dossiers import deadlines, privacy

register = template.Library()


register.filter("mask_id", privacy.mask_id)
register.filter("mask_phone", privacy.mask_phone)


@register.filter
def deadline_label(dossier) -> str:
    kind = deadlines.classify(dossier)
    return _(deadlines.LABELS[kind]) if kind else ""


@register.filter
def deadline_kind(dossier) -> str:
    return deadlines.classify(dossier) or ""


@register.filter
def working_time(minutes) -> str:
    """Working minutes as "2 giờ 30 phút"."""
    hours, rest = divmod(int(minutes or 0), 60)
    return _("{h} giờ {m} phút").format(h=hours, m=rest)


@register.filter
def deadline_kind_label(kind) -> str:
    return _(deadlines.LABELS[kind]) if kind else ""


@register.filter
def time_left_label(left) -> str:
    """``deadlines.TimeLeft`` in words: "còn 2 ngày 3 giờ 30 phút làm việc", "quá hạn 1 giờ 0 phút
    làm việc", or "clock stopped" while waiting for a supplement."""
    if left is None:
        return ""
    if left.state == "paused":
        return _("Đã dừng tính thời hạn (chờ bổ sung)")
    hours, minutes = divmod(left.minutes, 60)
    if left.state == "late":
        return _("Quá hạn {d} ngày {h} giờ {m} phút làm việc").format(d=left.days, h=hours, m=minutes)
    return _("Còn {d} ngày {h} giờ {m} phút làm việc").format(d=left.days, h=hours, m=minutes)
