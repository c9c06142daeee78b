"""``manage.py calendar 2024``: the year's days off and make-up working days, to check them
against the government's notice."""

from django.core.management.base import BaseCommand, CommandError

from dossiers.calendar import year_days


class Command(BaseCommand):
    help = "Liệt kê ngày nghỉ và ngày làm bù của một năm (gói holidays VN và bảng điều chỉnh)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year: int, **options):
        if not 1990 <= year <= 2100:
            raise CommandError("year must be between 1990 and 2100")
        weekdays = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
        for day in year_days(year):
            kind = "NGHỈ" if day.kind == "off" else "LÀM BÙ"
            source = "điều chỉnh" if day.source == "override" else "holidays"
            self.stdout.write(
                "{} {:<3} {:<7} [{}] {}".format(
                    day.date.strftime("%d/%m/%Y"), weekdays[day.date.weekday()], kind, source, day.name
                )
            )
