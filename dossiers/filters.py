"""The register's filters, written once: the register screen, its Excel export and the JSON API
(``parindex.api``) all narrow a dossier queryset through ``filter_register``; the worklists
themselves are defined in ``dossiers.worklists``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dossiers import worklists
from dossiers.forms import FilterForm
from parindex.periods import start_of_day

WORKLISTS = worklists.WORKLISTS
# The query parameters the register understands (and remembers during the session).
FILTER_KEYS = ("list", "q", "field", "status", "channel", "received_from", "received_to")


def filter_register(qs, params, *, user, today: date, now: datetime | None = None, keep_field: bool = False):
    """``qs`` narrowed by the register's query parameters (``FILTER_KEYS``). Returns
    ``(qs, form, worklist)``; a bound form with errors applied none of its filters (the caller
    shows or returns the errors), and ``worklist`` is the list applied ("" for none).

    ``now`` judges the "overdue" list at that moment (the screens and the API pass the present);
    ``keep_field`` ignores ``field`` (a drill-down already chose the field).
    """
    worklist = params.get("list", "")
    if worklist in WORKLISTS:
        qs = worklists.apply(qs, worklist, user, today, now=now)
    else:
        worklist = ""
    form = FilterForm({k: v for k, v in params.items() if k in FILTER_KEYS} or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.search(data["q"])
        if data["field"] and not keep_field:
            qs = qs.filter(field=data["field"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["channel"]:
            qs = qs.filter(channel=data["channel"])
        if data["received_from"]:
            qs = qs.filter(received_at__gte=start_of_day(data["received_from"]))
        if data["received_to"]:
            qs = qs.filter(received_at__lt=start_of_day(data["received_to"] + timedelta(days=1)))
    return qs, form, worklist
