"""Load the demo (Phan Thiết city, Bình Hưng ward's 2023 story) into an empty database."""

import time

from django.core.management.base import BaseCommand, CommandError

from dossiers.models import Dossier
from parindex import demo
from parindex.base.models import Ward


class Command(BaseCommand):
    help = "Load the demo data (docs/demo-data.md). With --if-empty, do nothing when data exists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="skip when the database already has wards"
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if Ward.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present: nothing to do.")
                self.print_logins()
                return
            raise CommandError("The database already has data; seed_demo only fills an empty database.")
        started = time.monotonic()
        demo.seed(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded: {} dossiers in {:.0f} s.".format(
                    Dossier.objects.count(), time.monotonic() - started
                )
            )
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("\nDemo accounts (password: {}):".format(demo.PASSWORD))
        for username, who in demo.DEMO_LOGINS:
            self.stdout.write("  {:<10} {}".format(username, who))
        self.stdout.write("The article's period is 01/01/2023 - 31/05/2023 (see docs/demo-data.md).\n")
