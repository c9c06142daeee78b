"""Delete import uploads left on disk by previews nobody confirmed or cancelled.

They hold applicants' names, ID numbers and phones, so they must not outlive their use. Run it
from cron (hourly is plenty); every new preview also prunes them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.base import uploads


class Command(BaseCommand):
    help = gettext_lazy("Xóa các tệp nhập Excel đang chờ xác nhận đã quá thời hạn.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=None,
            help=gettext_lazy("Xóa tệp cũ hơn số phút này (mặc định: UPLOAD_STAGING_MAX_AGE_MINUTES)."),
        )

    def handle(self, *args, minutes: int | None, **options) -> None:
        max_age = settings.UPLOAD_STAGING_MAX_AGE if minutes is None else max(minutes, 0) * 60
        deleted = uploads.purge_stale(max_age_seconds=max_age)
        self.stdout.write(_("Đã xóa {} tệp nhập đang chờ quá hạn.").format(deleted))
