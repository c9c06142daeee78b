"""``manage.py facts rebuild [--ward CODE] [--from DATE --to DATE]`` and ``manage.py facts check``.

rebuild: recompute the facts (dossiers/facts.py) from the dossier records: everything, one ward,
or only the dossiers counting on the given days. check: compare the facts with the live engine
for every ward and every month (calendar and 15th-14th, from the first reception to the current
month, the current one judged live as always), and the monthly rollup with the sum of its days;
exit 1 naming the first differences. Run it nightly and in CI.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min
from django.utils import timezone

from dossiers import calendar, facts
from dossiers.models import Dossier, Field
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.models import Ward

SHOWN = 20


class Command(BaseCommand):
    help = "Dựng lại (rebuild) hoặc đối chiếu (check) bảng số liệu tổng hợp với dữ liệu hồ sơ."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])
        parser.add_argument("--ward", help="ward code (rebuild, check)")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (rebuild)")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (rebuild)")

    def handle(self, *args, action: str, ward: str | None, start: str | None, end: str | None, **options):
        wards = Ward.objects.order_by("code")
        if ward:
            wards = wards.filter(code=ward)
            if not wards.exists():
                raise CommandError("unknown ward {!r}".format(ward))
        try:
            first = periods.parse_day(start, "--from") if start else None
            last = periods.parse_day(end, "--to") if end else None
        except periods.PeriodError as error:
            raise CommandError(str(error)) from error
        if first and last and last < first:
            raise CommandError("--to is before --from")
        if action == "rebuild":
            ward_ids = [w.id for w in wards] if ward else None
            n = facts.rebuild(ward_ids=ward_ids, start=first, end=last)
            self.stdout.write("Facts rebuilt from {} dossiers.".format(n))
            return
        if first or last:
            raise CommandError("check takes no dates: it checks every month")
        self.check_facts(list(wards))

    def check_facts(self, wards: list[Ward]) -> None:
        ward_ids = [w.id for w in wards]
        earliest = Dossier.objects.filter(ward_id__in=ward_ids).aggregate(first=Min("received_at"))["first"]
        if earliest is None:
            self.stdout.write("Facts check: no dossiers.")
            return
        today = timezone.localdate()
        day = calendar.local_date(earliest).replace(day=1)
        codes = {w.id: w.code for w in wards}
        field_codes = dict(Field.objects.values_list("id", "code"))
        found, months = [], 0
        while day <= today:
            # The calendar month (from the monthly rollup) and the 15th-14th month ending in it
            # (mostly daily rows): both tables are read.
            for period in (periods.month(day.year, day.month), periods.official_month(day.year, day.month)):
                months += 1
                for ward_id, field_id, bucket, mine, live in indicators.facts_differences(ward_ids, period):
                    found.append(
                        "{:%d/%m/%Y}-{:%d/%m/%Y} {} {}: {} facts {} != live {}".format(
                            period.start,
                            period.end,
                            codes.get(ward_id, "*"),
                            field_codes.get(field_id, "*"),
                            bucket,
                            mine,
                            live,
                        )
                    )
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        found += facts.rollup_differences(ward_ids)
        if found:
            for line in found[:SHOWN]:
                self.stderr.write(line)
            raise CommandError(
                "facts check: {} differences in {} periods of {} wards (first {} above)".format(
                    len(found), months, len(wards), min(SHOWN, len(found))
                )
            )
        self.stdout.write(
            "Facts check: {} wards x {} periods agree with the live engine.".format(len(wards), months)
        )
