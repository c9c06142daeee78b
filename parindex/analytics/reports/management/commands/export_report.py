"""Scheduled runs: write the report workbook for a ward or a city and a period to a file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.workbook import build_report
from parindex.base import periods
from parindex.base.models import City, Ward


class Command(BaseCommand):
    help = _lazy("Xuất báo cáo Excel (Biểu 06 và các trang tính kèm theo) của một phường hoặc một thành phố.")

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--ward", help=_lazy("Mã phường"))
        scope.add_argument("--city", help=_lazy("Mã thành phố (mọi phường của thành phố và dòng tổng)"))
        parser.add_argument("--from", dest="start", required=True, help=_lazy("Từ ngày, YYYY-MM-DD"))
        parser.add_argument(
            "--to", dest="end", required=True, help=_lazy("Đến ngày (tính cả ngày này), YYYY-MM-DD")
        )
        parser.add_argument("--output", required=True, help=_lazy("Tệp .xlsx sẽ ghi"))

    def handle(self, *args, ward: str | None, city: str | None, start: str, end: str, output: str, **options):
        try:
            # The days and their messages of every screen: the same vocabulary as ?from=&to=.
            period = periods.period_from_query({"from": start, "to": end}, timezone.localdate())
        except periods.PeriodError as exc:
            raise CommandError(str(exc)) from None
        if ward:
            try:
                scope = Scope.for_ward(Ward.objects.select_related("city").get(code=ward))
            except Ward.DoesNotExist:
                raise CommandError(_("Không có phường mã {}.").format(ward)) from None
        else:
            try:
                scope = Scope.for_city(City.objects.get(code=city))
            except City.DoesNotExist:
                raise CommandError(_("Không có thành phố mã {}.").format(city)) from None
            if not scope.wards:
                raise CommandError(_("Thành phố {} chưa có phường nào.").format(city))
        data = build_report(scope, period, output)
        total = data["total"]
        self.stdout.write(
            _("{}: {} - {} -> {} (tiếp nhận {}, đã giải quyết {}, đang giải quyết {})").format(
                scope.name,
                period.start,
                period.end,
                output,
                total["received"],
                total["resolved"],
                total["in_progress"],
            )
        )
