"""Display helpers: personal data masking (Nghị định 13/2023) and deadline labels."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from dossiers import classification, privacy

register = template.Library()


register.filter("mask_id", privacy.mask_id)
register.filter("mask_phone", privacy.mask_phone)


@register.filter
def deadline_label(dossier) -> str:
    kind = classification.classify(dossier)
    return _(classification.LABELS[kind]) if kind else ""


@register.filter
def deadline_kind(dossier) -> str:
    return classification.classify(dossier) or ""
