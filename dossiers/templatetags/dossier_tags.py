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
