"""Staffing: posts, vacancies on dates, concurrent duties, workload, permissions, history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parindex.analytics import workload
from parindex.base.names import full_name
from parindex.base.periods import custom
from parindex.staffing import queries, services
from parindex.staffing.demo import load_demo_staffing
from parindex.staffing.models import Cover, Holding, Official, Position, Recruitment
from parindex.staffing.queries import VacancyCounts
from tests.form_tokens import form_token

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
    # The ward dashboard's vacancies card is the table's totals (no second query): the same.
    assert sum((r.counts for r in rows.values()), VacancyCounts()) == VacancyCounts(15, 12, 3, 3)
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


# Concurrent duties ---------------------------------------------------------------------------


def test_cover_only_on_a_vacant_post_and_only_while_it_is_vacant(ward, culture, people):
    phuc, ngoc, khoa = people("Trương Văn Phúc", "Lý Thị Ngọc", "Phan Minh Khoa")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.appoint(official=ngoc, position=culture, start=date(2023, 6, 1))

    # Vacant from January to May: a cover that ends before June fits.
    cover = services.start_cover(
        official=khoa, position=culture, start=date(2023, 3, 1), end=date(2023, 5, 31)
    )
    assert queries.vacancy_counts([ward.id], date(2023, 3, 15))[ward.id].covered == 1
    assert queries.vacancy_counts([ward.id], date(2023, 6, 15))[ward.id].covered == 0

    # Open-ended, it would run into June when the post is full: refused with the day.
    with pytest.raises(ValidationError) as refused:
        services.start_cover(official=khoa, position=culture, start=date(2023, 7, 1))
    assert refused.value.message_dict["position"] == [
        "Vị trí “Văn hóa - Xã hội” không còn trống vào ngày 01/07/2023: đã đủ 2 người đảm nhiệm. "
        "Chỉ được kiêm nhiệm vị trí còn trống."
    ]
    assert list(Cover.objects.values_list("pk", flat=True)) == [cover.pk]


def test_one_vacancy_is_covered_once(ward, culture, people):
    phuc, khoa, bich = people("Trương Văn Phúc", "Phan Minh Khoa", "Võ Thị Bích")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.start_cover(official=khoa, position=culture, start=JAN_1)

    with pytest.raises(ValidationError) as refused:
        services.start_cover(official=bich, position=culture, start=date(2023, 2, 1))

    assert "đã có người kiêm nhiệm" in refused.value.message_dict["position"][0]
    assert Cover.objects.count() == 1


def test_cover_ends_and_the_vacancy_is_uncovered_again(ward, culture, people):
    phuc, khoa = people("Trương Văn Phúc", "Phan Minh Khoa")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    cover = services.start_cover(official=khoa, position=culture, start=JAN_1)

    services.end_cover(cover=cover, end=date(2023, 4, 30))

    assert queries.vacancy_counts([ward.id], date(2023, 4, 30))[ward.id].covered == 1
    may = queries.vacancy_counts([ward.id], date(2023, 5, 1))[ward.id]
    assert (may.vacant, may.covered, may.uncovered) == (1, 0, 1)


def test_appointment_ends_the_cover_of_the_filled_place_and_fills_recruitment(ward, culture, people):
    phuc, khoa, ngoc = people("Trương Văn Phúc", "Phan Minh Khoa", "Lý Thị Ngọc")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    cover = services.start_cover(official=khoa, position=culture, start=date(2023, 2, 1))
    recruitment = services.update_recruitment(position=culture, status="exam", opened_on=date(2023, 3, 1))

    services.appoint(official=ngoc, position=culture, start=date(2023, 6, 1))

    cover.refresh_from_db()
    recruitment.refresh_from_db()
    assert cover.end == date(2023, 5, 31)
    assert recruitment.status == "filled"


# Bad input: clear messages, nothing saved ---------------------------------------------------


def test_end_before_start_is_refused_everywhere(ward, culture, people):
    (phuc,) = people("Trương Văn Phúc")
    with pytest.raises(ValidationError) as refused:
        services.appoint(official=phuc, position=culture, start=date(2023, 6, 1), end=date(2023, 5, 1))
    assert refused.value.message_dict["end"] == [
        "Ngày kết thúc (01/05/2023) không được trước ngày bắt đầu (01/06/2023)."
    ]
    holding = services.appoint(official=phuc, position=culture, start=date(2023, 6, 1))
    with pytest.raises(ValidationError):
        services.end_holding(holding=holding, end=date(2023, 5, 31))
    with pytest.raises(ValidationError):
        services.create_official(ward=ward, full_name="A", start=date(2023, 2, 1), end=date(2023, 1, 1))

    holding.refresh_from_db()
    assert holding.end is None
    assert Holding.objects.count() == 1
    assert Official.objects.count() == 1


def test_quota_below_the_current_holders_is_refused(ward, culture, people):
    phuc, ngoc = people("Trương Văn Phúc", "Lý Thị Ngọc")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.appoint(official=ngoc, position=culture, start=JAN_1)

    with pytest.raises(ValidationError) as refused:
        services.update_position(
            position=culture,
            title="Văn hóa - Xã hội (mới)",
            quota=1,
            valid_from=JAN_1,
            as_of=date(2023, 5, 31),
        )

    assert refused.value.message_dict["quota"] == [
        "Số lượng được giao (1) thấp hơn số người đang đảm nhiệm vị trí vào ngày 31/05/2023 (2 người). "
        "Hãy kết thúc việc đảm nhiệm trước khi giảm số lượng."
    ]
    culture.refresh_from_db()
    assert (culture.title, culture.quota) == ("Văn hóa - Xã hội", 2)


def test_holdings_beyond_quota_are_refused(ward, people):
    finance = services.create_position(ward=ward, title="Tài chính - Kế toán", quota=1, valid_from=JAN_1)
    hanh, son = people("Ngô Thị Hạnh", "Hồ Văn Sơn")
    services.appoint(official=hanh, position=finance, start=JAN_1, end=date(2023, 6, 30))

    with pytest.raises(ValidationError) as refused:
        services.appoint(official=son, position=finance, start=date(2023, 6, 1))
    assert refused.value.message_dict["position"] == [
        "Vị trí “Tài chính - Kế toán” chỉ được giao 1 người; ngày 01/06/2023 đã có 1 người đảm nhiệm."
    ]
    # The day after the holding ends, the place is free.
    services.appoint(official=son, position=finance, start=date(2023, 7, 1))
    assert Holding.objects.count() == 2


def test_database_refuses_a_row_with_end_before_start(ward, culture, people):
    from django.db import IntegrityError, transaction

    (phuc,) = people("Trương Văn Phúc")
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(official=phuc, position=culture, start=date(2023, 6, 1), end=date(2023, 5, 1))


# Workload: overload figures with pinned query counts ---------------------------------------


def _at(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2023, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def procedure(db):
    from dossiers.models import Field, Procedure

    field = Field.objects.create(code="TP-HT", name="Tư pháp - Hộ tịch")
    return Procedure.objects.create(
        field=field,
        code="1.001193",
        name="Đăng ký khai sinh",
        valid_from=date(2020, 1, 1),
        same_day=True,
    )


@pytest.fixture
def dossier(ward, procedure):
    from dossiers.models import Dossier

    counter = iter(range(1, 10_000))

    def make(*, by, received_at, assignee=None, resolved_at=None, status="received"):
        return Dossier.objects.create(
            ward=ward,
            code="BH-{}".format(next(counter)),
            procedure=procedure,
            field=procedure.field,
            channel="in_person",
            status=status,
            received_at=received_at,
            resolved_at=resolved_at,
            resolved_on=resolved_at.date() if resolved_at else None,
            applicant_name="Nguyễn Văn An",
            created_by=by,
            assignee=assignee,
        )

    return make


def _tasks(ward, *, lead, co=None, statuses=("in_progress",)):
    from tasks.models import Plan
    from tasks.models import Task as task_model

    plan, _created = Plan.objects.get_or_create(
        ward=ward, year=2023, defaults={"title": "Kế hoạch CCHC 2023"}
    )
    start = task_model.objects.filter(plan=plan).count()
    for n, status in enumerate(statuses, start=start + 1):
        task = task_model.objects.create(
            plan=plan,
            code="NV{}".format(n),
            title="Nhiệm vụ {}".format(n),
            component="procedures",
            due_date=date(2023, 6, 30),
            lead=lead,
            status=status,
            completed_on=date(2023, 4, 1) if status == "done" else None,
            cancel_reason="Không còn phù hợp" if status == "cancelled" else "",
        )
        if co is not None:
            task.co_officials.add(co)


def test_workload_counts_received_handled_and_tasks(
    ward, other_ward, officer_tuphap, officer_datdai, officer_other_ward, dossier
):
    from dossiers.models import DossierEvent

    lan = services.create_official(ward=ward, full_name="Nguyễn Thị Lan", start=JAN_1, user=officer_tuphap)
    minh = services.create_official(ward=ward, full_name="Lê Văn Minh", start=JAN_1, user=officer_datdai)
    services.create_official(ward=ward, full_name="Võ Thị Bích", start=JAN_1)  # no account
    march = custom(date(2023, 3, 1), date(2023, 3, 31))

    # Lan received 3 in March, one of them handed to Minh; one received in February (outside).
    dossier(by=officer_tuphap, received_at=_at(1), assignee=officer_tuphap)
    dossier(
        by=officer_tuphap, received_at=_at(2), assignee=officer_tuphap, resolved_at=_at(3), status="resolved"
    )
    handed = dossier(by=officer_tuphap, received_at=_at(31, hour=23), assignee=officer_datdai)
    dossier(
        by=officer_tuphap,
        received_at=_at(20, month=2),
        assignee=officer_tuphap,
        resolved_at=_at(25, month=2),
        status="resolved",
    )
    # Minh acted on a dossier assigned to Lan: handled by both, counted once each.
    shared = dossier(by=officer_tuphap, received_at=_at(28, month=2), assignee=officer_tuphap)
    DossierEvent.objects.create(
        dossier=shared, kind="note", to_status="in_progress", at=_at(5), by=officer_datdai
    )
    DossierEvent.objects.create(
        dossier=shared, kind="note", to_status="in_progress", at=_at(6), by=officer_datdai
    )
    assert handed.assignee == officer_datdai
    _tasks(
        ward,
        lead=officer_tuphap,
        co=officer_datdai,
        statuses=("in_progress", "not_started", "done", "cancelled"),
    )

    rows = {r.official.full_name: r for r in workload.workload(ward.id, march)}

    assert (rows["Nguyễn Thị Lan"].dossiers_received, rows["Nguyễn Thị Lan"].dossiers_handled) == (3, 3)
    assert (rows["Lê Văn Minh"].dossiers_received, rows["Lê Văn Minh"].dossiers_handled) == (0, 2)
    assert (rows["Võ Thị Bích"].dossiers_received, rows["Võ Thị Bích"].dossiers_handled) == (0, 0)
    # Done on 01/04 still counts as open at the end of March; cancelled never does.
    assert rows["Nguyễn Thị Lan"].tasks_open == 3
    assert rows["Lê Văn Minh"].tasks_open == 3
    assert rows["Nguyễn Thị Lan"].overloaded is False
    assert minh.pk != lan.pk


def test_covering_official_with_double_load_is_flagged(ward, make_user, dossier, people):
    culture = services.create_position(ward=ward, title="Văn hóa - Xã hội", quota=1, valid_from=JAN_1)
    users = [make_user("cb{}".format(n), role="officer", ward=ward) for n in range(4)]
    officials = [
        services.create_official(ward=ward, full_name="Cán bộ {}".format(n), start=JAN_1, user=u)
        for n, u in enumerate(users)
    ]
    services.start_cover(official=officials[0], position=culture, start=JAN_1)
    for n, user in enumerate(users):
        for day in range(1, 3 + (4 if n == 0 else 0)):
            dossier(by=user, received_at=_at(day), assignee=user)

    rows = workload.workload(ward.id, custom(date(2023, 3, 1), date(2023, 3, 31)))

    assert [(r.official.full_name, r.dossiers_handled, r.overloaded) for r in rows] == [
        ("Cán bộ 0", 6, True),
        ("Cán bộ 1", 2, False),
        ("Cán bộ 2", 2, False),
        ("Cán bộ 3", 2, False),
    ]
    assert [p.title for p in rows[0].covering] == ["Văn hóa - Xã hội"]


@pytest.mark.parametrize("size", [3, 30])
def test_staffing_queries_do_not_grow_with_the_data(
    size, ward, make_user, dossier, django_assert_num_queries
):
    office = services.create_position(
        ward=ward, title="Văn phòng - Thống kê", quota=size + 2, valid_from=JAN_1
    )
    culture = services.create_position(ward=ward, title="Văn hóa - Xã hội", quota=size, valid_from=JAN_1)
    officials = []
    for n in range(size):
        user = make_user("cb{}".format(n), role="officer", ward=ward)
        official = services.create_official(
            ward=ward, full_name="Cán bộ {}".format(n), start=JAN_1, user=user
        )
        services.appoint(official=official, position=office, start=JAN_1)
        dossier(by=user, received_at=_at(1 + n % 28), assignee=user)
        officials.append(official)
    services.start_cover(official=officials[0], position=culture, start=JAN_1)
    services.start_cover(official=officials[1], position=culture, start=JAN_1)
    services.update_recruitment(position=culture, status="exam", opened_on=JAN_1)
    _tasks(ward, lead=officials[0].user, co=officials[1].user)
    period = custom(date(2023, 3, 1), date(2023, 3, 31))

    # 1: posts with holder and cover counts as subqueries.
    with django_assert_num_queries(1):
        counts = queries.vacancy_counts([ward.id], date(2023, 3, 31))
    # 4: posts; then current holders, current covers, open recruitments (prefetches), which give
    # each post's counts.
    with django_assert_num_queries(4):
        table = queries.position_table(ward.id, date(2023, 3, 31))
    # 4: officials with their open tasks; posts held and covered (prefetches); one statement for
    # the dossiers received and handled per user.
    with django_assert_num_queries(4):
        rows = workload.workload(ward.id, period)

    assert counts[ward.id] == VacancyCounts(quota=2 * size + 2, filled=size, vacant=size + 2, covered=2)
    assert len(table) == 2
    assert sum((r.counts for r in table), VacancyCounts()) == counts[ward.id]
    assert len(rows) == size
    assert sum(r.dossiers_received for r in rows) == size


# Pages and permissions -----------------------------------------------------------------------


@pytest.fixture
def demo(ward, chairperson, officer_tuphap, officer_datdai):
    return load_demo_staffing(
        ward=ward,
        officials_by_key={"chairperson": chairperson, "tuphap": officer_tuphap, "datdai": officer_datdai},
        as_of=date(2023, 5, 31),
    )


ARTICLE_QUERY = {"from": "2023-01-01", "to": "2023-05-31"}


def test_officer_reads_the_staffing_page_of_their_ward(client, officer_tuphap, demo):
    client.force_login(officer_tuphap)
    response = client.get(reverse("staffing:index"), ARTICLE_QUERY)

    assert response.status_code == 200
    assert response.context["staffing_totals"] == VacancyCounts(quota=15, filled=12, vacant=3, covered=3)
    assert response.context["can_edit"] is False
    page = response.content.decode()
    assert "Văn phòng - Thống kê" in page
    assert "Võ Thị Bích" in page
    assert "từ 01/01/2023" in page
    assert "Đang tổ chức thi tuyển" in page
    assert reverse("staffing:position_create") not in page


def test_period_picker_answers_htmx_with_the_tables_only(client, chairperson, demo):
    client.force_login(chairperson)
    response = client.get(
        reverse("staffing:index"),
        {"period": "official_half", "year": "2023"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "staffing/staffing_tables.html"
    assert response.context["staffing_period"].label == "15/12/2022 - 14/06/2023"
    assert response.context["staffing_on"] == date(2023, 6, 14)
    assert "<html" not in response.content.decode()


def test_staffing_page_query_count_is_fixed(client, chairperson, demo, django_assert_max_num_queries):
    client.force_login(chairperson)
    client.get(reverse("staffing:index"), ARTICLE_QUERY)  # warm the session and membership caches
    # 14: session, user, membership; position table 4 (posts with counts, holders, covers,
    # recruitments); workload 4 (officials with open tasks, posts held, posts covered, one
    # statement for the dossiers received and handled); session save and its savepoint pair (test
    # transaction). None of them depends on the number of rows.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("staffing:index"), ARTICLE_QUERY)
    assert response.status_code == 200


def test_export_xlsx_is_the_table_on_screen(client, city_viewer, ward, demo):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(city_viewer)
    response = client.get(reverse("staffing:index"), {**ARTICLE_QUERY, "ward": "BH", "export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="nhan-su-BH-20230531.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    by_title = {r[1]: r for r in rows[3:]}
    assert by_title["Văn phòng - Thống kê"][3:6] == (2, 0, 2)
    assert "Nguyễn Thị Lan (01/01/2023)" in by_title["Văn phòng - Thống kê"][7]


def test_staffing_export_beyond_a_screenful_is_a_job_scoped_to_its_ward(
    client, city_viewer, ward, demo, officer_other_ward, officer_tuphap, settings, tmp_path
):
    from io import BytesIO

    from openpyxl import load_workbook

    from parindex.base.jobs.models import Job, JobKind, JobStatus

    settings.MEDIA_ROOT, settings.EXPORT_INLINE_ROWS = tmp_path, 1
    client.force_login(city_viewer)
    response = client.get(reverse("staffing:index"), {**ARTICLE_QUERY, "ward": "BH", "export": "xlsx"})
    job = Job.objects.get(kind=JobKind.STAFFING_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.ward, job.rows_total) == (
        JobStatus.DONE,
        ward,
        Position.objects.filter(ward=ward).count(),
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="job-download"' in page and "100%" in page
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="nhan-su-BH-20230531.xlsx"'
    rows = list(
        load_workbook(BytesIO(b"".join(download.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    by_title = {r[1]: r for r in rows[3:]}
    assert by_title["Văn phòng - Thống kê"][3:6] == (2, 0, 2)  # the same table as the direct download
    # Another ward's officer, and another person of the same ward, find no such job.
    for stranger in (officer_other_ward, officer_tuphap):
        client.force_login(stranger)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_only_leaders_and_administrators_edit(
    client, ward, chairperson, officer_tuphap, city_viewer, administrator, demo
):
    position = Position.objects.get(ward=ward, title="Văn phòng - Thống kê")
    url = reverse("staffing:recruitment_create", args=[position.pk])
    data = {"recruitment-status": "planned", "recruitment-posts": "1", "recruitment-opened_on": "2023-05-01"}

    for reader in (officer_tuphap, city_viewer):
        client.force_login(reader)
        assert client.get(reverse("staffing:position", args=[position.pk])).status_code == 200
        assert client.post(url, data).status_code == 403
        assert client.get(reverse("staffing:position_create")).status_code == 403
    assert Recruitment.objects.filter(position=position).count() == 1

    for editor in (chairperson, administrator):
        client.force_login(editor)
        page = client.get(reverse("staffing:position", args=[position.pk]), {"ward": "BH"})
        assert page.context["can_edit"] is True
        assert client.post(url, data).status_code == 302
    assert Recruitment.objects.filter(position=position).count() == 3


def test_other_wards_objects_are_not_found(client, ward, other_ward, officer_other_ward, make_user, demo):
    position = Position.objects.get(ward=ward, title="Văn phòng - Thống kê")
    official = Official.objects.get(ward=ward, code="tuphap")
    cover = Cover.objects.filter(position=position).first()
    leader_elsewhere = make_user("chutich_pth", role="leader", ward=other_ward)

    for user in (officer_other_ward, leader_elsewhere):
        client.force_login(user)
        assert client.get(reverse("staffing:position", args=[position.pk])).status_code == 404
        assert client.get(reverse("staffing:official", args=[official.pk])).status_code == 404
        assert client.get(reverse("staffing:history", args=["cover", cover.pk])).status_code == 404
        assert (
            client.post(reverse("staffing:cover_end", args=[cover.pk]), {"end-end": "2023-06-01"}).status_code
            == 404
        )
        page = client.get(reverse("staffing:index"), ARTICLE_QUERY)
        assert page.context["staffing_rows"] == []
    cover.refresh_from_db()
    assert cover.end is None


def test_refused_form_shows_the_message_and_saves_nothing(client, ward, chairperson, demo):
    position = Position.objects.get(ward=ward, title="Tư pháp - Hộ tịch")
    khoa = Official.objects.get(ward=ward, code="doan")
    client.force_login(chairperson)

    response = client.post(
        reverse("staffing:cover_start", args=[position.pk]),
        {"cover-official": khoa.pk, "cover-start": "2023-05-01"},
    )

    assert response.status_code == 200
    assert "Vị trí “Tư pháp - Hộ tịch” không còn trống vào ngày 01/05/2023" in response.content.decode()
    assert not Cover.objects.filter(position=position).exists()

    response = client.post(
        reverse("staffing:position_edit", args=[position.pk]),
        {"title": "Tư pháp - Hộ tịch", "quota": "1", "valid_from": "2022-07-01", "sort_order": "40"},
    )
    assert "thấp hơn số người đang đảm nhiệm" in response.content.decode()
    position.refresh_from_db()
    assert position.quota == 2


def test_leader_appoints_and_history_is_recorded(client, ward, chairperson, demo):
    position = Position.objects.get(ward=ward, title="Văn hóa - Xã hội")
    client.force_login(chairperson)
    official_url = reverse("staffing:official_create")
    token = form_token(client.get(official_url))
    response = client.post(official_url, {**token, "full_name": "Đinh Thị Hoa", "start": "01/06/2023"})
    hoa = Official.objects.get(full_name="Đinh Thị Hoa")
    assert response.status_code == 302

    response = client.post(
        reverse("staffing:appoint", args=[position.pk]),
        {
            "appoint-official": hoa.pk,
            "appoint-start": "2023-06-01",
            "appoint-note": "Trúng tuyển kỳ thi 2023",
        },
    )
    assert response.status_code == 302
    holding = Holding.objects.get(official=hoa)
    cover = Cover.objects.get(position=position)
    assert cover.end == date(2023, 5, 31)

    page = client.get(reverse("staffing:history", args=["cover", cover.pk]))
    entries = page.context["audit_entries"]
    assert entries[0].user == full_name(chairperson)  # names, not logins (issue 14)
    assert [(c.label, c.old, c.new) for c in entries[0].changes] == [("đến ngày", "—", "31/05/2023")]
    assert holding.history.first().history_user == chairperson
    position_page = client.get(reverse("staffing:position", args=[position.pk]))
    assert position_page.context["audit_entries"][0].kind == "+"
    assert "Lịch sử thay đổi" in position_page.content.decode()


def test_dashboard_block_shows_vacancies_covers_and_busiest(ward, demo):
    from django.template.loader import render_to_string

    context = workload.staffing_block_context(ward.id, custom(JAN_1, date(2023, 5, 31)), date(2023, 5, 31))
    html = render_to_string("staffing/staffing_block.html", context)

    assert "Ngày 31/05/2023: 12/15 vị trí có người, 3 vị trí trống (3 có người kiêm nhiệm)." in html
    assert "Phan Minh Khoa (từ 01/01/2023)" in html
    assert "Đang tổ chức thi tuyển" in html
    assert "?from=2023-01-01&amp;to=2023-05-31" in html


def test_vacancy_counts_sum_covers_per_ward_in_one_query(
    ward, other_ward, culture, people, django_assert_num_queries
):
    # culture: quota 2, one holder, one cover -> vacant 1, covered 1; finance: quota 1, vacant
    phuc, khoa = people("Trương Văn Phúc", "Phan Minh Khoa")
    services.appoint(official=phuc, position=culture, start=JAN_1)
    services.start_cover(official=khoa, position=culture, start=date(2023, 2, 1), note="Phân công")
    services.create_position(ward=ward, title="Tài chính - Kế toán", quota=1, valid_from=JAN_1)
    services.create_position(ward=other_ward, title="Văn phòng - Thống kê", quota=3, valid_from=JAN_1)

    with django_assert_num_queries(1):
        counts = queries.vacancy_counts([ward.id, other_ward.id], date(2023, 5, 31))

    assert counts == {
        ward.id: VacancyCounts(quota=3, filled=1, vacant=2, covered=1),
        other_ward.id: VacancyCounts(quota=3, filled=0, vacant=3, covered=0),
    }
    assert counts[ward.id].uncovered == 1
