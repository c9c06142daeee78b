"""Existing dossiers get due moments and a due-moment history.

Before this the due date was a calendar date and pauses were counted in whole working days. Each
dossier's due moment becomes the close (17:00, the default working hours) of its due date, as the
day-based rule gives; its history is rebuilt from the reception and the supplement requests
(pause at each request, resume with the due date advanced by the working days that pause was
credited, the last resume giving the current due date), so figures of past periods are unchanged
and a dossier waiting for a supplement at a past cut-off counts as within. Paused working days
become working minutes (450 per day, the default working hours).
"""

from datetime import datetime, time

from django.db import migrations

from dossiers import calendar

CLOSE = time(17, 0)
DAY_MINUTES = 450


def _close(day, zone):
    return datetime.combine(day, CLOSE, tzinfo=zone) if day else None


def forwards(apps, schema_editor):
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    Dossier = apps.get_model("dossiers", "Dossier")
    DueChange = apps.get_model("dossiers", "DueChange")
    SupplementRequest = apps.get_model("dossiers", "SupplementRequest")
    supplements = {}
    for s in SupplementRequest.objects.order_by("requested_at", "id").iterator():
        s.paused_minutes = s.paused_working_days * DAY_MINUTES
        s.save(update_fields=["paused_minutes"])
        supplements.setdefault(s.dossier_id, []).append(s)
    batch = []
    for d in Dossier.objects.exclude(due_date__isnull=True).iterator(chunk_size=2000):
        original = d.original_due_date or d.due_date
        changes = [(d.received_at, "migrated", _close(original, zone))]
        day, since, paused = original, d.received_at, False
        requests = supplements.get(d.id, [])
        for i, s in enumerate(requests):
            changes.append((s.requested_at, "pause", None))
            since, paused = s.requested_at, True
            if s.resumed_at is not None:
                last = i == len(requests) - 1
                day = d.due_date if last else calendar.add_working_days(day, s.paused_working_days)
                changes.append((s.resumed_at, "resume", _close(day, zone)))
                since, paused = s.resumed_at, False
        batch.extend(
            DueChange(dossier_id=d.id, kind=kind, effective_at=at, due_at=due, note="")
            for at, kind, due in changes
        )
        Dossier.objects.filter(pk=d.pk).update(
            due_at=_close(d.due_date, zone),
            due_since=since,
            due_paused=paused,
            paused_minutes=d.paused_working_days * DAY_MINUTES,
        )
        if len(batch) >= 5000:
            DueChange.objects.bulk_create(batch)
            batch = []
    DueChange.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_deadline_rulebook")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
