"""Import dossiers from an Excel file (portal log or provincial export) into a ward."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from parindex.analytics.reports import imports
from parindex.base.models import Membership, Role, Ward


class Command(BaseCommand):
    help = _lazy(
        "Nhập hồ sơ từ tệp Excel (sổ theo dõi của cổng hoặc tệp xuất từ hệ thống một cửa của tỉnh). "
        "Kiểm tra mọi dòng trước; có lỗi thì không nhập gì. Xem docs/import.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_lazy("Tệp .xlsx"))
        parser.add_argument("--ward", required=True, help=_lazy("Mã phường nhận hồ sơ"))
        parser.add_argument(
            "--user",
            help=_lazy("Tên đăng nhập ghi vào lịch sử hồ sơ (mặc định: lãnh đạo đầu tiên của phường)"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_lazy("Chỉ kiểm tra, không ghi"))

    def handle(self, *args, file: str, ward: str, user: str | None, dry_run: bool, **options):
        try:
            target = Ward.objects.get(code=ward)
        except Ward.DoesNotExist:
            raise CommandError(_("Không có phường mã {}.").format(ward)) from None
        by = self._user(user, target)
        path = Path(file)
        if not path.exists():
            raise CommandError(_("Không thấy tệp {}.").format(file))
        with path.open("rb") as handle:
            try:
                plan, result = imports.import_file(handle, ward=target, by=by, dry_run=dry_run)
            except imports.ImportFileError as exc:
                raise CommandError(str(exc)) from None
        for p in plan.problems:
            self.stdout.write(
                _("{} dòng {}, cột {}: {}").format(
                    _("LỖI") if p.error else _("Lưu ý"), p.row, p.column, p.message
                )
            )
        if not plan.ok:
            raise CommandError(_("Tệp có {} lỗi; chưa nhập hồ sơ nào.").format(len(plan.errors)))
        if result is None:
            self.stdout.write(
                _("Kiểm tra xong: {} mới, {} cập nhật, {} không đổi (chưa ghi).").format(
                    plan.n_create, plan.n_update, plan.n_unchanged
                )
            )
            return
        self.stdout.write(
            _("Đã nhập: {} mới, {} cập nhật, {} không đổi.").format(
                result.created, result.updated, result.unchanged
            )
        )

    def _user(self, username: str | None, ward: Ward):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(_("Không có tài khoản {}.").format(username)) from None
        member = (
            Membership.objects.filter(ward=ward, role=Role.LEADER)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if member is None:
            raise CommandError(_("Phường {} chưa có lãnh đạo; hãy chỉ rõ --user.").format(ward.code))
        return member.user
