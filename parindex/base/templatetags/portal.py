from django import template
from django.utils.html import format_html

from parindex.base import idempotency
from parindex.base.names import full_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name in Vietnamese order (family name first): {{ dossier.created_by|person }}."""
    return full_name(user)


@register.simple_tag(takes_context=True)
def form_token(context, purpose: str) -> str:
    """The one-time token of a form that creates a record: {% form_token "dossiers.create" %}."""
    key = idempotency.issue(context["request"], purpose)
    return format_html('<input type="hidden" name="{}" value="{}">', idempotency.FIELD, key)
