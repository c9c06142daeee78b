"""``manage.py send_digests``: each officer's morning digest (run daily from cron, e.g. 07:00)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers import digests


class Command(BaseCommand):
    help = "Lập bản tin hằng ngày cho từng cán bộ (đến hạn, quá hạn) và gửi thư khi đã cấu hình."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument("--force", action="store_true", help="Lập cả vào ngày nghỉ")

    def handle(self, *args, day: str | None = None, force: bool = False, **options):
        try:
            on = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        if not force and not digests.is_working_day(on):
            self.stdout.write("{}: not a working day, no digest".format(on.isoformat()))
            return
        built, mailed = digests.send_all(on)
        self.stdout.write("{}: {} digests, {} e-mailed".format(on.isoformat(), built, mailed))
