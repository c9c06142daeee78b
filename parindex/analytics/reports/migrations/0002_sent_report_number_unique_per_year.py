from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def fill_number_year(apps, schema_editor):
    # The historical model has the plain manager and save(): the immutability guard does not apply.
    SentReport = apps.get_model("reports", "SentReport")
    zone = ZoneInfo(settings.TIME_ZONE)
    for report in SentReport.objects.only("sent_at"):
        SentReport.objects.filter(pk=report.pk).update(number_year=report.sent_at.astimezone(zone).year)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sentreport",
            name="number_year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="năm của số báo cáo"),
        ),
        migrations.RunPython(fill_number_year, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sentreport",
            name="number_year",
            field=models.PositiveSmallIntegerField(verbose_name="năm của số báo cáo"),
        ),
        migrations.AddConstraint(
            model_name="sentreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ward__isnull", False)),
                fields=("ward", "number_year", "number"),
                name="sent_report_ward_number_unique",
                violation_error_message="Số báo cáo này đã được dùng trong năm.",
            ),
        ),
        migrations.AddConstraint(
            model_name="sentreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ward__isnull", True)),
                fields=("city", "number_year", "number"),
                name="sent_report_city_number_unique",
                violation_error_message="Số báo cáo này đã được dùng trong năm.",
            ),
        ),
    ]
