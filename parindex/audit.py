"""The audit trail every app uses.

Changes: django-simple-history keeps a full row copy per save (who, when, what); ``changes`` turns
consecutive copies into "field: old -> new" lines for the object's page. Reads worth auditing go
to ``AccessLog`` through ``log_access``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from parindex.models import AccessLog, Ward
from parindex.names import full_name


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class AuditEntry:
    at: datetime
    user: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _display(record, field_name: str) -> str:
    value = getattr(record, field_name, None)
    if value is None or value == "":
        return "—"
    display = getattr(record, f"get_{field_name}_display", None)
    if callable(display):
        return str(display())
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def changes(obj: models.Model, *, limit: int = 200) -> list[AuditEntry]:
    """History of ``obj``, newest first, each entry with its field-level differences.

    Two queries whatever the history length: the records (with their users) and nothing else;
    the differences are computed in Python between neighbouring records.
    """
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    model = obj._meta.model
    labels = {f.attname: str(f.verbose_name) for f in model._meta.concrete_fields}
    skip = {"id", "version", "search_text", "updated_at"}
    entries: list[AuditEntry] = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(entries) == limit:
            break
        entry = AuditEntry(
            at=newer.history_date,
            user=full_name(newer.history_user),
            kind=newer.history_type,
            # reasons are stored as msgids (the move's label) and shown in the reader's language
            reason=_(newer.history_change_reason) if newer.history_change_reason else "",
        )
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                attname = model._meta.get_field(change.field).attname
                if attname in skip:
                    continue
                entry.changes.append(
                    FieldChange(
                        label=labels.get(attname, change.field),
                        old=_display(older, change.field),
                        new=_display(newer, change.field),
                    )
                )
        entries.append(entry)
    return entries


def log_access(
    *, user, obj: models.Model, action: str, ward: Ward | None = None, note: str = ""
) -> AccessLog:
    return AccessLog.objects.create(
        user=user,
        ward=ward,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        note=note[:300],
    )
