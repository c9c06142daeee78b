from django.http import HttpRequest

from parindex.base import access


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "membership": access.membership_of(user),
        "current_ward": access.current_ward(request),
        # the ward comparison is for those who read several wards
        "sees_city": access.reads_several_wards(user),
        # the links into the admin: those it opens for (a staff flag alone opens nothing)
        "may_use_admin": access.may_use_admin(user),
    }
