"""Demo staffing of Bình Hưng ward as the 2023 article describes it (DOMAIN.md section 0).

15 places in 10 posts, 12 filled. The 3 vacancies: 2 in Văn phòng - Thống kê (both civil servants
left before the period) and 1 in Văn hóa - Xã hội (its second holder left on 31/12 of the year
before). They are covered by the civil-status officer (Tư pháp - Hộ tịch), the chair of the
Fatherland Front committee and the Youth Union secretary, while the city runs its civil-service
exam for the 3 places.

Dates are derived from ``as_of`` (the article: 31/05/2023), so the vacancies and covers are in
force on it. Everything goes through ``services``; running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model

from parindex.base.models import Ward
from parindex.base.names import full_name
from parindex.staffing import services
from parindex.staffing.models import (
    Cover,
    Holding,
    Official,
    Position,
    Recruitment,
    RecruitmentStatus,
)

User = get_user_model()

VP_TK = "Văn phòng - Thống kê"
VH_XH = "Văn hóa - Xã hội"
TP_HT = "Tư pháp - Hộ tịch"
MTTQ = "Chủ tịch Ủy ban MTTQ Việt Nam phường"
DOAN = "Bí thư Đoàn TNCS Hồ Chí Minh phường"

# (title, office, quota). Titles as the article's ward had them in 2023; posts are data, so a
# post-2025 organisation chart is added by an administrator with new posts and dates.
POSITIONS: list[tuple[str, str, int]] = [
    ("Chủ tịch UBND phường", "Lãnh đạo UBND phường", 1),
    ("Phó Chủ tịch UBND phường", "Lãnh đạo UBND phường", 2),
    (VP_TK, "Văn phòng HĐND-UBND", 2),
    (TP_HT, "Văn phòng HĐND-UBND", 2),
    ("Tài chính - Kế toán", "Phòng Kinh tế - Hạ tầng - Đô thị", 1),
    ("Địa chính - Xây dựng - Đô thị và Môi trường", "Phòng Kinh tế - Hạ tầng - Đô thị", 2),
    (VH_XH, "Phòng Văn hóa - Xã hội", 2),
    ("Chỉ huy trưởng Quân sự", "Ban Chỉ huy Quân sự phường", 1),
    (MTTQ, "Mặt trận Tổ quốc và các đoàn thể", 1),
    (DOAN, "Mặt trận Tổ quốc và các đoàn thể", 1),
]


@dataclass(frozen=True)
class DemoOfficial:
    key: str
    full_name: str
    post: str
    left: bool = False  # left the ward on 31/12 of the year before ``as_of``


OFFICIALS: list[DemoOfficial] = [
    DemoOfficial("chairperson", "Trần Văn Hùng", "Chủ tịch UBND phường"),
    DemoOfficial("vice_chair", "Phạm Thị Thu", "Phó Chủ tịch UBND phường"),
    DemoOfficial("vice_chair_2", "Hồ Văn Sơn", "Phó Chủ tịch UBND phường"),
    DemoOfficial("tuphap", "Nguyễn Thị Lan", TP_HT),
    DemoOfficial("tuphap_2", "Đỗ Minh Tuấn", TP_HT),
    DemoOfficial("ketoan", "Ngô Thị Hạnh", "Tài chính - Kế toán"),
    DemoOfficial("datdai", "Lê Văn Minh", "Địa chính - Xây dựng - Đô thị và Môi trường"),
    DemoOfficial("datdai_2", "Huỳnh Thị Mai", "Địa chính - Xây dựng - Đô thị và Môi trường"),
    DemoOfficial("vanhoa", "Trương Văn Phúc", VH_XH),
    DemoOfficial("vanhoa_left", "Lý Thị Ngọc", VH_XH, left=True),
    DemoOfficial("quansu", "Nguyễn Văn Dũng", "Chỉ huy trưởng Quân sự"),
    DemoOfficial("mattran", "Võ Thị Bích", MTTQ),
    DemoOfficial("doan", "Phan Minh Khoa", DOAN),
]

# Who covers which vacant post (the article: civil status, the Front, the Youth Union).
COVERS: list[tuple[str, str, str]] = [
    ("tuphap", VP_TK, "Kiêm nhiệm theo phân công của Chủ tịch UBND phường."),
    ("mattran", VP_TK, "Kiêm nhiệm theo phân công của Chủ tịch UBND phường."),
    ("doan", VH_XH, "Kiêm nhiệm theo phân công của Chủ tịch UBND phường."),
]

CITY_EXAM = "UBND thành phố Phan Thiết (kỳ thi tuyển công chức cấp xã)"


def _vietnamese_name(user) -> str:
    return full_name(user)


def load_demo_staffing(
    *, ward: Ward, officials_by_key: dict[str, User] | None = None, as_of: date
) -> dict[str, Official]:
    """Create the article's staffing in ``ward``; returns the officials by key.

    ``officials_by_key`` links accounts to the officials of the same key (see ``OFFICIALS``:
    "chairperson", "tuphap", "datdai", ...); a linked account's name replaces the demo name.
    """
    officials_by_key = officials_by_key or {}
    base = date(as_of.year - 1, 7, 1)  # everyone in post well before the article's period
    left_on = date(as_of.year - 1, 12, 31)
    covers_from = date(as_of.year, 1, 1)

    positions: dict[str, Position] = {}
    for order, (title, office, quota) in enumerate(POSITIONS, start=1):
        position = Position.objects.filter(ward=ward, title=title, valid_from=base).first()
        if position is None:
            position = services.create_position(
                ward=ward,
                title=title,
                office=office,
                quota=quota,
                valid_from=base,
                sort_order=order * 10,
            )
        positions[title] = position

    officials: dict[str, Official] = {}
    for demo in OFFICIALS:
        user = officials_by_key.get(demo.key)
        official = Official.objects.filter(ward=ward, code=demo.key).first()
        if official is None:
            official = services.create_official(
                ward=ward,
                code=demo.key,
                full_name=(_vietnamese_name(user) if user else "") or demo.full_name,
                start=base,
                end=left_on if demo.left else None,
                user=user if user and not Official.objects.filter(user=user).exists() else None,
            )
        elif user is not None and official.user_id is None:
            services.update_official(
                official=official,
                full_name=_vietnamese_name(user) or official.full_name,
                start=official.start,
                end=official.end,
                user=user,
                note=official.note,
            )
        officials[demo.key] = official

        position = positions[demo.post]
        if not Holding.objects.filter(official=official, position=position, start=base).exists():
            services.appoint(
                official=official,
                position=position,
                start=base,
                end=left_on if demo.left else None,
                note="Quyết định phân công của Chủ tịch UBND phường.",
            )

    for key, title, note in COVERS:
        official, position = officials[key], positions[title]
        if not Cover.objects.filter(official=official, position=position, start=covers_from).exists():
            services.start_cover(official=official, position=position, start=covers_from, note=note)

    exam_opened = min(date(as_of.year, 3, 1), as_of)
    for title, posts in ((VP_TK, 2), (VH_XH, 1)):
        position = positions[title]
        if not Recruitment.objects.filter(position=position, opened_on=exam_opened).exists():
            services.update_recruitment(
                position=position,
                status=RecruitmentStatus.EXAM,
                posts=posts,
                organiser=CITY_EXAM,
                opened_on=exam_opened,
                expected_date=as_of + timedelta(days=92),
                note="Thành phố đang tổ chức thi tuyển công chức.",
            )
    return officials
