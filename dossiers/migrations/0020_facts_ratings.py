"""Ratings in the facts: two counted columns, filled from the ratings already given.

Each rating adds +1 ``rated`` (and +1 ``rated_satisfied`` for "very" / "yes") to its own (ward,
field) on its local day, in the day and month tables and in its dossier's stored contribution, so
that the next refresh of the dossier finds them there and adds nothing twice."""

from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

SATISFIED = ("very", "yes")  # as this migration was written (Rating.Value)
BATCH = 5000


def fill(apps, schema_editor):
    Rating = apps.get_model("dossiers", "Rating")
    DossierFact = apps.get_model("dossiers", "DossierFact")
    DayFact = apps.get_model("dossiers", "DayFact")
    MonthFact = apps.get_model("dossiers", "MonthFact")
    db = schema_editor.connection.alias
    zone = ZoneInfo(settings.TIME_ZONE)
    days: Counter = Counter()
    ratings = (
        Rating.objects.using(db)
        .order_by("dossier_id")
        .values_list("dossier_id", "ward_id", "field_id", "rated_at", "value")
    )
    rows = list(ratings.iterator(chunk_size=BATCH))
    for i in range(0, len(rows), BATCH):
        chunk = rows[i : i + BATCH]
        stored = DossierFact.objects.using(db).in_bulk([r[0] for r in chunk])
        changed, created = [], []
        for dossier_id, ward_id, field_id, rated_at, value in chunk:
            day = rated_at.astimezone(zone).date()
            entries = [[ward_id, field_id, day.isoformat(), "rated", 1]]
            days[(ward_id, field_id, day, "rated")] += 1
            if value in SATISFIED:
                entries.append([ward_id, field_id, day.isoformat(), "rated_satisfied", 1])
                days[(ward_id, field_id, day, "rated_satisfied")] += 1
            fact = stored.get(dossier_id)
            if fact is None:
                created.append(DossierFact(dossier_id=dossier_id, entries=entries))
            else:
                fact.entries = sorted(fact.entries + entries)
                changed.append(fact)
        DossierFact.objects.using(db).bulk_update(changed, ["entries"], batch_size=1000)
        DossierFact.objects.using(db).bulk_create(created, batch_size=1000)
    months: Counter = Counter()
    for (ward_id, field_id, day, column), n in days.items():
        months[(ward_id, field_id, day.replace(day=1), column)] += n
    # The columns were just added (all 0): upserting the counts is adding them.
    for model, key, counts in ((DayFact, "day", days), (MonthFact, "month", months)):
        cells: dict = {}
        for (ward_id, field_id, when, column), n in counts.items():
            cells.setdefault((ward_id, field_id, when), {"rated": 0, "rated_satisfied": 0})[column] = n
        model.objects.using(db).bulk_create(
            [
                model(ward_id=w, field_id=f, **{key: when}, **values)
                for (w, f, when), values in sorted(cells.items())
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["ward", "field", key],
            update_fields=["rated", "rated_satisfied"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0019_facts_agency_hops"),
    ]

    operations = [
        migrations.AddField(
            model_name="dayfact",
            name="rated",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dayfact",
            name="rated_satisfied",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthfact",
            name="rated",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthfact",
            name="rated_satisfied",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
