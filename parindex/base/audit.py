"""The audit trail every app uses.

Changes: django-simple-history keeps a full row copy per save (who, when, what); ``changes`` turns
consecutive copies into "field: old -> new" lines for the object's page. Reads worth auditing go
to ``AccessLog`` through ``log_access``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from parindex.base.models import AccessLog, Ward
from parindex.base.names import full_name


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


def changes(
    obj: models.Model, *, limit: int = 200, masks: dict[str, Callable[[str], str]] | None = None
) -> list[AuditEntry]:
    """History of ``obj``, newest first, each entry with its field-level differences.

    Two queries whatever the history length: the records (with their users) and nothing else;
    the differences are computed in Python between neighbouring records. ``masks`` maps field
    names to a function applied to both the old and the new value (personal data shown to
    readers who may not see it in full).
    """
    masks = masks or {}
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
                old, new = _display(older, change.field), _display(newer, change.field)
                mask = masks.get(attname)
                if mask is not None:
                    old, new = (mask(v) if v != "—" else v for v in (old, new))
                entry.changes.append(FieldChange(label=labels.get(attname, change.field), old=old, new=new))
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


def log_accesses(
    *, user, model: type[models.Model], refs: Iterable[tuple[object, int | None]], action: str, note: str = ""
) -> int:
    """One ``AccessLog`` row per ``(pk, ward_id)`` in ``refs``, inserted in batches: a page or an
    export that showed many objects at once. Returns the row count."""
    object_type = model._meta.label_lower
    rows = [
        AccessLog(
            user=user,
            ward_id=ward_id,
            object_type=object_type,
            object_id=str(pk),
            action=action,
            note=note[:300],
        )
        for pk, ward_id in refs
    ]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
