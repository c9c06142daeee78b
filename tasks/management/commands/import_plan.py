"""python manage.py import_plan FILE --ward CODE --year YYYY [--by USERNAME]"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parindex.base.models import Ward
from tasks import excel, importing


class Command(BaseCommand):
    help = "Import a ward's reform plan for a year from an Excel file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--ward", required=True, help="ward code")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--by", default="", help="username recorded in the history (default: none)")

    def handle(self, *args, file: str, ward: str, year: int, by: str, **options):
        try:
            ward_obj = Ward.objects.get(code=ward)
        except Ward.DoesNotExist:
            raise CommandError("Unknown ward code {!r}.".format(ward)) from None
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError("Unknown user {!r}.".format(by))
        try:
            with open(file, "rb") as handle:
                plan = importing.import_plan(ward=ward_obj, year=year, upload=handle, by=user)
        except FileNotFoundError:
            raise CommandError("File not found: {}".format(file)) from None
        except excel.ImportFailed as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.errors)) from None
        self.stdout.write("Imported {} tasks into {} ({}).".format(plan.tasks.count(), plan, year))
