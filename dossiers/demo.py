"""Demo catalogue: the ward's fields, a dozen real ward-level procedures and the agencies they
pass through. Idempotent (get_or_create by code), so the demo seeder may call it repeatedly.

National codes follow the national public service portal (dichvucong.gov.vn) as far as we could
confirm them [M]; processing times are the usual statutory ones. An administrator edits both in the
admin (with the date a new version applies from); the demo versions apply from 01/01/2020 so the
2022-2023 demo dossiers find them.

Calendar: the ``holidays`` package already knows the VN days off of 2022-2025 including the
announced swaps (e.g. 29/04/2024 off, Saturday 04/05/2024 worked; 02/05/2025 off, Saturday
26/04/2025 worked), so the demo adds no CalendarDay overrides.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dossiers.models import Agency, Field, OnlineLevel, Procedure, ProcedureDocument

DEMO_VALID_FROM = date(2020, 1, 1)

FIELDS = [
    ("TP-HT", "Tư pháp - Hộ tịch"),
    ("CT", "Chứng thực"),
    ("DD", "Đất đai"),
    ("XD", "Xây dựng"),
    ("MT", "Môi trường"),
    ("LDXH", "Lao động - Người có công - Bảo trợ xã hội"),
    ("VH", "Văn hóa"),
    ("GD", "Giáo dục"),
    ("HKD", "Đăng ký hộ kinh doanh"),
    ("TDKT", "Thi đua - khen thưởng"),
]

AGENCIES = [
    ("VPDKDD", "Văn phòng đăng ký đất đai thành phố"),
    ("CN-VPDKDD", "Chi nhánh Văn phòng đăng ký đất đai thành phố Phan Thiết"),
    ("THUE", "Chi cục Thuế khu vực"),
    ("QLDT", "Phòng Quản lý đô thị thành phố"),
    ("CA-P", "Công an phường"),
]

# (field code, national code, name, same_day, working days, verification days, fee, online level,
#  coordinating agencies)
PROCEDURES = [
    ("TP-HT", "1.001193", "Đăng ký khai sinh", True, 0, 0, 0, OnlineLevel.FULL, ""),
    ("TP-HT", "1.000894", "Đăng ký kết hôn", True, 0, 5, 0, OnlineLevel.PARTIAL, ""),
    ("TP-HT", "1.000656", "Đăng ký khai tử", True, 0, 0, 0, OnlineLevel.FULL, ""),
    ("TP-HT", "1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", False, 3, 20, 0, OnlineLevel.FULL, ""),
    ("TP-HT", "1.004746", "Đăng ký nhận cha, mẹ, con", False, 3, 5, 0, OnlineLevel.PARTIAL, ""),
    (
        "CT",
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        True,
        0,
        0,
        2000,
        OnlineLevel.PARTIAL,
        "",
    ),
    (
        "CT",
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        True,
        0,
        0,
        10000,
        OnlineLevel.NONE,
        "",
    ),
    (
        "DD",
        "1.004227",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        False,
        10,
        0,
        0,
        OnlineLevel.PARTIAL,
        "Chi nhánh Văn phòng đăng ký đất đai; Chi cục Thuế khu vực",
    ),
    (
        "DD",
        "2.000889",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu",
        False,
        20,
        0,
        0,
        OnlineLevel.PARTIAL,
        "Văn phòng đăng ký đất đai thành phố",
    ),
    ("DD", "1.003554", "Hòa giải tranh chấp đất đai", False, 30, 0, 0, OnlineLevel.NONE, ""),
    (
        "XD",
        "1.009994",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        False,
        15,
        0,
        75000,
        OnlineLevel.PARTIAL,
        "Phòng Quản lý đô thị thành phố",
    ),
    (
        "HKD",
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        False,
        3,
        0,
        100000,
        OnlineLevel.FULL,
        "Chi cục Thuế khu vực",
    ),
    (
        "LDXH",
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
        False,
        15,
        0,
        0,
        OnlineLevel.PARTIAL,
        "",
    ),
    (
        "MT",
        "1.010736",
        "Tham vấn ý kiến trong quá trình đánh giá tác động môi trường",
        False,
        10,
        0,
        0,
        OnlineLevel.NONE,
        "",
    ),
    ("VH", "1.000954", "Xét tặng danh hiệu Gia đình văn hóa hằng năm", False, 5, 0, 0, OnlineLevel.NONE, ""),
    (
        "TDKT",
        "1.000775",
        "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về thực hiện nhiệm vụ chính trị",
        False,
        20,
        0,
        0,
        OnlineLevel.NONE,
        "",
    ),
]


# The papers of a few demo procedures (the counter's checklist): (name, kind, copies, required).
DOCUMENTS = {
    "1.001193": [
        ("Tờ khai đăng ký khai sinh theo mẫu", "original", 1, True),
        ("Giấy chứng sinh", "original", 1, True),
        ("Giấy tờ tùy thân của người đi đăng ký", "either", 1, True),
        ("Văn bản ủy quyền (nếu đăng ký thay)", "original", 1, False),
    ],
}


def load_catalogue() -> None:
    """Create the demo fields, agencies and procedures if missing (never overwrites edits)."""
    fields = {}
    for order, (code, name) in enumerate(FIELDS, start=1):
        fields[code], _ = Field.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name in AGENCIES:
        Agency.objects.get_or_create(code=code, defaults={"name": name})
    for field_code, code, name, same_day, days, verification, fee, level, coordinating in PROCEDURES:
        Procedure.objects.get_or_create(
            code=code,
            valid_from=DEMO_VALID_FROM,
            defaults={
                "field": fields[field_code],
                "name": name,
                "same_day": same_day,
                "processing_days": days,
                "verification_days": verification,
                "fee": Decimal(fee),
                "online_level": level,
                "fee_bearing": fee > 0,
                "online_payment": fee > 0 and level != OnlineLevel.NONE,
                "lead_agency": "Ủy ban nhân dân phường",
                "coordinating_agencies": coordinating,
            },
        )


def load_catalogue_documents() -> None:
    """The demo papers of ``DOCUMENTS`` (the counter's checklist), for procedures that have none.

    Kept apart from ``load_catalogue``: tests log dossiers of these procedures without a checklist."""
    for code, papers in DOCUMENTS.items():
        proc = Procedure.objects.get(code=code, valid_from=DEMO_VALID_FROM)
        if not proc.documents.exists():
            ProcedureDocument.objects.bulk_create(
                ProcedureDocument(procedure=proc, position=i, name=n, kind=k, copies=c, required=r)
                for i, (n, k, c, r) in enumerate(papers, start=1)
            )
