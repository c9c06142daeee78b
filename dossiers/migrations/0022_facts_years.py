"""Facts per (ward, field, calendar year), filled from the monthly table: one grouped read and
one insert per 1,000 rows (a province"s five years are a few thousand rows)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncYear

# The counted columns as this migration was written (dossiers.fact_models.COLUMNS).
COLUMNS = (
    "new_online",
    "new_in_person",
    "new_post",
    "circulated",
    "e_circulated",
    "fee_due",
    "paid_online",
    "digitised",
    "resolved",
    "resolved_before",
    "resolved_on_time",
    "resolved_late",
    "resolved_late_no_letter",
    "electronic_result",
    "rated",
    "rated_satisfied",
    "open_delta",
    "overdue_delta",
    "overdue_no_letter_delta",
)


def fill(apps, schema_editor):
    MonthFact = apps.get_model("dossiers", "MonthFact")
    YearFact = apps.get_model("dossiers", "YearFact")
    db = schema_editor.connection.alias
    rows = (
        MonthFact.objects.using(db)
        .annotate(y=TruncYear("month"))
        .order_by()
        .values("ward_id", "field_id", "y")
        .annotate(**{c: Sum(c) for c in COLUMNS})
    )
    YearFact.objects.using(db).bulk_create(
        [
            YearFact(ward_id=r["ward_id"], field_id=r["field_id"], year=r["y"], **{c: r[c] for c in COLUMNS})
            for r in rows
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0021_closed_late_index"),
        ("parindex", "0005_merge_service_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="YearFact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("new_online", models.IntegerField(default=0)),
                ("new_in_person", models.IntegerField(default=0)),
                ("new_post", models.IntegerField(default=0)),
                ("circulated", models.IntegerField(default=0)),
                ("e_circulated", models.IntegerField(default=0)),
                ("fee_due", models.IntegerField(default=0)),
                ("paid_online", models.IntegerField(default=0)),
                ("digitised", models.IntegerField(default=0)),
                ("resolved", models.IntegerField(default=0)),
                ("resolved_before", models.IntegerField(default=0)),
                ("resolved_on_time", models.IntegerField(default=0)),
                ("resolved_late", models.IntegerField(default=0)),
                ("resolved_late_no_letter", models.IntegerField(default=0)),
                ("electronic_result", models.IntegerField(default=0)),
                ("rated", models.IntegerField(default=0)),
                ("rated_satisfied", models.IntegerField(default=0)),
                ("open_delta", models.IntegerField(default=0)),
                ("overdue_delta", models.IntegerField(default=0)),
                ("overdue_no_letter_delta", models.IntegerField(default=0)),
                ("year", models.DateField()),
                (
                    "field",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="dossiers.field"
                    ),
                ),
                (
                    "ward",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="parindex.ward"
                    ),
                ),
            ],
            options={
                "verbose_name": "facts of a year",
                "indexes": [models.Index(fields=["ward", "year"], name="yearfact_ward_year")],
                "constraints": [
                    models.UniqueConstraint(fields=("ward", "field", "year"), name="yearfact_unique")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
