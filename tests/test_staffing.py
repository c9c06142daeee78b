"""Staffing: posts, vacancies on dates, concurrent duties, workload, permissions, history."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from parindex.staffing import queries, services
from parindex.staffing.demo import load_demo_staffing
from parindex.staffing.models import Cover, Holding, Official, Position, Recruitment
from parindex.staffing.queries import VacancyCounts

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
JAN_1 = date(2023, 1, 1)


@pytest.fixture
def culture(ward) -> Position:
    return services.create_position(
        ward=ward,
        title="Văn hóa - Xã hội",
        office="Phòng Văn hóa - Xã hội",
        quota=2,
        valid_from=JAN_1,
    )


@pytest.fixture
def people(ward):
    def make(*names: str) -> list[Official]:
        return [services.create_official(ward=ward, full_name=name, start=date(2020, 1, 1)) for name in names]

    return make


# Vacancy arithmetic ------------------------------------------------------------------------


def test_post_vacant_in_march_is_filled_in_june(ward, culture, people):
    phuc, ngoc = people("Trương Văn Phúc", "Lý Thị Ngọc")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.appoint(official=ngoc, position=culture, start=date(2023, 6, 1))

    march = queries.vacancy_counts([ward.id], date(2023, 3, 15))
    june = queries.vacancy_counts([ward.id], date(2023, 6, 1))

    assert march == {ward.id: VacancyCounts(quota=2, filled=1, vacant=1, covered=0)}
    assert june == {ward.id: VacancyCounts(quota=2, filled=2, vacant=0, covered=0)}


def test_holding_that_ended_leaves_a_vacancy_the_next_day(ward, culture, people):
    phuc, ngoc = people("Trương Văn Phúc", "Lý Thị Ngọc")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    holding = services.appoint(official=ngoc, position=culture, start=JAN_1)
    services.end_holding(holding=holding, end=date(2023, 2, 28))

    assert queries.vacancy_counts([ward.id], date(2023, 2, 28))[ward.id].vacant == 0
    assert queries.vacancy_counts([ward.id], date(2023, 3, 1))[ward.id].vacant == 1


def test_vacancies_are_summed_per_post_and_per_ward(ward, other_ward, culture, people):
    office = services.create_position(ward=ward, title="Văn phòng - Thống kê", quota=2, valid_from=JAN_1)
    # An over-filled post (quota lowered later by an administrator is refused, so use quota 1 and
    # one holder) does not offset another post's vacancy.
    finance = services.create_position(ward=ward, title="Tài chính - Kế toán", quota=1, valid_from=JAN_1)
    (hanh,) = people("Ngô Thị Hạnh")
    services.appoint(official=hanh, position=finance, start=JAN_1)
    services.create_position(ward=other_ward, title="Văn phòng - Thống kê", quota=3, valid_from=JAN_1)
    # A post not yet in force on the day does not count.
    services.create_position(ward=ward, title="Phó Chủ tịch", quota=1, valid_from=date(2024, 1, 1))

    counts = queries.vacancy_counts([ward.id, other_ward.id], date(2023, 5, 31))

    assert counts[ward.id] == VacancyCounts(quota=5, filled=1, vacant=4, covered=0)
    assert counts[other_ward.id] == VacancyCounts(quota=3, filled=0, vacant=3, covered=0)
    assert office.quota == 2


def test_position_table_lists_holders_covers_and_recruitment(ward, culture, people):
    phuc, khoa = people("Trương Văn Phúc", "Phan Minh Khoa")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.start_cover(official=khoa, position=culture, start=date(2023, 2, 1), note="Phân công")
    services.update_recruitment(
        position=culture, status="exam", opened_on=date(2023, 3, 1), organiser="UBND thành phố"
    )

    (row,) = queries.position_table(ward.id, date(2023, 5, 31))

    assert (row.quota, row.filled, row.vacant, row.covered) == (2, 1, 1, 1)
    assert [o.full_name for o in row.holders] == ["Trương Văn Phúc"]
    assert [(c.official.full_name, c.start) for c in row.covers] == [("Phan Minh Khoa", date(2023, 2, 1))]
    assert row.recruitment.get_status_display() == "Đang tổ chức thi tuyển"


# Demo data -----------------------------------------------------------------------------------


def test_demo_reproduces_the_article_and_is_idempotent(ward, chairperson, officer_tuphap, officer_datdai):
    users = {"chairperson": chairperson, "tuphap": officer_tuphap, "datdai": officer_datdai}
    load_demo_staffing(ward=ward, officials_by_key=users, as_of=date(2023, 5, 31))
    load_demo_staffing(ward=ward, officials_by_key=users, as_of=date(2023, 5, 31))

    assert queries.vacancy_counts([ward.id], date(2023, 5, 31)) == {
        ward.id: VacancyCounts(quota=15, filled=12, vacant=3, covered=3)
    }
    rows = {r.position.title: r for r in queries.position_table(ward.id, date(2023, 5, 31))}
    assert rows["Văn phòng - Thống kê"].vacant == 2
    assert rows["Văn hóa - Xã hội"].vacant == 1
    assert sorted(c.official.full_name for c in rows["Văn phòng - Thống kê"].covers) == [
        "Nguyễn Thị Lan",
        "Võ Thị Bích",
    ]
    assert [c.official.full_name for c in rows["Văn hóa - Xã hội"].covers] == ["Phan Minh Khoa"]
    assert rows["Văn phòng - Thống kê"].recruitment.status == "exam"
    assert Official.objects.get(user=officer_tuphap).full_name == "Nguyễn Thị Lan"
    assert Official.objects.filter(ward=ward).count() == 13
    assert Holding.objects.count() == 13
    assert Cover.objects.count() == 3
    assert Recruitment.objects.count() == 2
