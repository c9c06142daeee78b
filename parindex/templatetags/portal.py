from django import template

from parindex.names import full_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name in Vietnamese order (family name first): {{ dossier.created_by|person }}."""
    return full_name(user)
