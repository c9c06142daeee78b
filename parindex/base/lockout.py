"""Failed-login throttling with django-axes: per account and address, and per address alone.

Axes records every failure once and counts it for each of ``AXES_LOCKOUT_PARAMETERS``
(account+address, address), but compares every count with one limit. Two limits are wanted: a
person mistyping their own password is stopped after ``LOGIN_FAILURES_PER_ACCOUNT`` failures
(other accounts from the same office stay open), while one address guessing across many accounts
is stopped after ``LOGIN_FAILURES_PER_ADDRESS`` failures in all. ``failure_limit`` (axes'
``AXES_FAILURE_LIMIT`` hook) returns the limit that applies to the request's account and address.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _recent_attempts(request):
    return AccessAttempt.objects.filter(
        ip_address=getattr(request, "axes_ip_address", None),
        attempt_time__gte=get_cool_off_threshold(request),
    )


def failure_limit(request, credentials) -> int:
    """Axes locks when the address's failures reach this number (the address count is never below
    the account+address count, which axes also keeps): the per-account limit once this account
    has used it up from this address, otherwise the larger per-address limit."""
    per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
    username = get_client_username(request, credentials)
    pair = _recent_attempts(request).filter(username=username).aggregate(n=Sum("failures_since_start"))["n"]
    if (pair or 0) >= per_account:
        return per_account
    return settings.LOGIN_FAILURES_PER_ADDRESS


class LockoutHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful login forgives that account's failures from this address only. Axes would
        # also clear the address's failures against every other account, so one valid password
        # logged in between guesses would keep the address limit from ever being reached.
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
