from django.http import HttpRequest

from parindex.access import current_ward, membership_of
from parindex.models import Role


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    member = membership_of(user)
    return {
        "membership": member,
        "current_ward": current_ward(request),
        # the ward comparison is for those who read several wards
        "sees_city": member is not None and member.role in (Role.CITY_VIEWER, Role.ADMIN),
    }
