"""Display helpers: personal data masking (Nghị định 13/2023) and deadline labels."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from dossiers import classification

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    """Keep the last 3 digits of an ID or tax code: enough to tell two applicants apart."""
    value = value or ""
    if len(value) <= 3:
        return "•" * len(value)
    return "•" * (len(value) - 3) + value[-3:]


@register.filter
def mask_phone(value: str) -> str:
    value = value or ""
    if len(value) <= 6:
        return "•" * len(value)
    return value[:3] + "•" * (len(value) - 6) + value[-3:]


@register.filter
def deadline_label(dossier) -> str:
    kind = classification.classify(dossier)
    return _(classification.LABELS[kind]) if kind else ""


@register.filter
def deadline_kind(dossier) -> str:
    return classification.classify(dossier) or ""
