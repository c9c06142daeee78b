"""Default national status codes (TrangThaiHoSo of the national public-service portal's
DongBoHoSoMC); administrators edit the table in the admin."""

from django.db import migrations

DEFAULTS = [
    ("1", "Mới đăng ký", "received", False),
    ("2", "Được tiếp nhận", "received", True),
    ("3", "Không được tiếp nhận", "rejected", True),
    ("4", "Đang xử lý", "in_progress", True),
    ("5", "Yêu cầu bổ sung giấy tờ", "supplement", True),
    ("6", "Yêu cầu thực hiện nghĩa vụ tài chính", "in_progress", False),
    ("7", "Công dân yêu cầu rút hồ sơ", "withdrawn", True),
    ("8", "Dừng xử lý", "stopped", True),
    ("9", "Đã xử lý xong", "resolved", True),
    ("10", "Đã trả kết quả", "returned", True),
]


def seed(apps, schema_editor):
    StatusMapping = apps.get_model("api", "StatusMapping")
    for code, name, status, for_export in DEFAULTS:
        StatusMapping.objects.get_or_create(
            national_code=code, defaults={"name": name, "status": status, "for_export": for_export}
        )


def unseed(apps, schema_editor):
    apps.get_model("api", "StatusMapping").objects.filter(national_code__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("api", "0002_exchange_status_progress")]

    operations = [migrations.RunPython(seed, unseed)]
