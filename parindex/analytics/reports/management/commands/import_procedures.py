"""Import the procedure catalogue from Excel: delegates to the dossiers app's catalogue importer
(the same one its catalogue page uses), so both ways share one set of rules."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dossiers import catalogue_xlsx


class Command(BaseCommand):
    help = _lazy("Nhập danh mục thủ tục hành chính từ tệp Excel (mẫu tải ở trang Danh mục thủ tục).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_lazy("Tệp .xlsx"))

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(_("Không thấy tệp {}.").format(file))
        with path.open("rb") as handle:
            result = catalogue_xlsx.import_file(handle)
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(_("Tệp có {} lỗi; chưa nhập thủ tục nào.").format(len(result.errors)))
        self.stdout.write(
            _("Đã nhập: {} thủ tục mới, {} thủ tục cập nhật.").format(result.created, result.updated)
        )
