"""Each input issue 11 found ending in a 500, answered at its root: a message, a 404 or a form
error, and nothing written. (``test_fuzz.py`` walks every screen; these name the causes.)"""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.urls import reverse
from openpyxl import Workbook

from dossiers import workflow
from dossiers.models import Procedure, Status
from parindex.analytics.reports.models import SentReport
from parindex.analytics.targets import YearTarget
from parindex.base import access, periods
from tasks import criteria, importing
from tasks.models import Criterion, Plan, Task
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

# --- NUL bytes ----------------------------------------------------------------------------------


def test_ward_code_with_a_nul_byte_never_reaches_the_database(chairperson, django_assert_num_queries):
    assert access.ward_code_from("BH\x00") is None
    assert access.ward_code_from("x" * 21) is None
    assert access.ward_code_from(" BH ") == "BH"
    with django_assert_num_queries(0), pytest.raises(Http404):
        access.get_visible_ward(chairperson, "BH\x00")


def test_nul_byte_in_any_query_value_is_a_400_page_in_vietnamese(client, city_viewer, ward):
    client.force_login(city_viewer)
    for url in (
        reverse("dossiers:index"),
        reverse("dashboard"),
        reverse("reports:index"),
        reverse("tasks:index"),
    ):
        response = client.get(url, {"ward": "BH\x00"})
        assert response.status_code == 400
        assert "Dữ liệu gửi lên chứa ký tự không hợp lệ." in response.content.decode()


def test_nul_byte_in_a_form_post_is_a_400(client, chairperson, ward):
    client.force_login(chairperson)
    response = client.post(
        reverse("switch_ward"), "ward=BH%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_report_number_with_a_nul_byte_is_refused_and_nothing_is_sent(
    client, chairperson, ward, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    # multipart: the middleware leaves those bodies to the view, whose own check answers
    response = client.post(
        reverse("reports:mark_sent"),
        {"ward": "BH", "from": "2023-03-01", "to": "2023-03-31", "number": "15/BC\x00"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Số báo cáo dài tối đa 50 ký tự và không chứa ký tự điều khiển." in response.content.decode()
    assert not SentReport.objects.exists()


# --- Dates far in the future ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["31/12/9999", "9999-12-31", "1999-12-31", "01/01/2101"])
def test_the_one_date_parser_refuses_years_outside_2000_to_2100(raw):
    with pytest.raises(periods.PeriodError, match="năm 2000 đến 2100"):
        periods.parse_day(raw, "Ngày bắt đầu")
    assert periods.parse_day("31/12/2100", "Ngày kết thúc") == date(2100, 12, 31)


def test_period_picker_and_report_period_refuse_year_9999(client, chairperson, ward):
    client.force_login(chairperson)
    response = client.get(reverse("dashboard"), {"from": "31/12/9999", "to": "31/12/9999"})
    assert response.status_code == 200
    assert "nằm ngoài khoảng cho phép (năm 2000 đến 2100)" in response.content.decode()
    response = client.get(reverse("reports:download"), {"from": "9999-12-31", "to": "9999-12-31"})
    assert response.status_code == 400
    assert "nằm ngoài khoảng cho phép" in response.content.decode()


def test_register_filter_and_drill_down_refuse_year_9999(client, chairperson, ward, make_dossier, land):
    make_dossier(land, at(2023, 3, 1))
    client.force_login(chairperson)
    response = client.get(
        reverse("dossiers:index"), {"received_from": "9999-12-31", "received_to": "9999-12-31"}
    )
    assert response.status_code == 200
    assert "nằm ngoài khoảng cho phép (năm 2000 đến 2100)" in response.content.decode()
    response = client.get(
        reverse("dossiers:index"), {"bucket": "received", "from": "9999-12-31", "to": "9999-12-31"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kỳ báo cáo không hợp lệ." in html and "năm 2000 đến 2100" in html
    assert list(response.context["page"].object_list) == []


def test_mark_sent_for_year_9999_is_a_message_and_nothing_is_sent(
    client, chairperson, ward, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    response = client.post(
        reverse("reports:mark_sent"),
        {"ward": "BH", "from": "31/12/9999", "to": "31/12/9999", "number": "15/BC-UBND"},
        follow=True,
    )
    assert response.status_code == 200
    assert "nằm ngoài khoảng cho phép" in response.content.decode()
    assert not SentReport.objects.exists()


def test_calendar_of_year_99999_is_not_found(client, chairperson):
    client.force_login(chairperson)
    assert client.get(reverse("dossiers:calendar_year", args=[99999])).status_code == 404
    assert client.get(reverse("dossiers:calendar_year", args=[2100])).status_code == 200


def test_resume_dated_in_9999_is_refused_and_the_dossier_still_waits(
    client, officer_tuphap, birth, make_dossier
):
    dossier = make_dossier(birth, at(2023, 3, 1), by=officer_tuphap)
    workflow.request_supplement(dossier, by=officer_tuphap, at=at(2023, 3, 2), items="Bản sao CCCD")
    client.force_login(officer_tuphap)
    response = client.post(
        reverse("dossiers:move", args=[dossier.pk, "resume"]),
        {"resume-at": "9999-12-31T23:59", "resume-version": dossier.version + 1},
    )
    assert response.status_code == 400
    assert "nằm ngoài khoảng cho phép" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT


# --- Login ----------------------------------------------------------------------------------------


def test_login_with_a_256_character_username_is_a_failed_login(client, chairperson):
    response = client.post(reverse("login"), {"username": "u" * 256, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert [len(a.username) for a in AccessAttempt.objects.all()] == [150]


# --- Year targets ---------------------------------------------------------------------------------


def test_second_target_for_the_same_indicator_is_a_form_error(client, chairperson, ward):
    YearTarget.objects.create(ward=ward, year=2023, indicator="online_rate", threshold=Decimal("30"))
    client.force_login(chairperson)
    response = client.post(
        reverse("target_new") + "?year=2023",
        {"indicator": "online_rate", "threshold": "40", "direction": ">="},
    )
    assert response.status_code == 200
    assert "Phường đã có chỉ tiêu này cho năm này." in response.content.decode()
    assert YearTarget.objects.get(ward=ward, indicator="online_rate").threshold == Decimal("30")


def test_second_city_default_for_the_same_indicator_is_a_form_error(client, administrator, city, ward):
    YearTarget.objects.create(city=city, year=2023, indicator="online_rate", threshold=Decimal("30"))
    client.force_login(administrator)
    response = client.post(
        reverse("target_new") + "?year=2023&scope=city&ward=BH",
        {"indicator": "online_rate", "threshold": "40", "direction": ">="},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert YearTarget.objects.filter(city=city).count() == 1


def test_target_year_beyond_2100_falls_back_to_this_year(client, chairperson, ward):
    client.force_login(chairperson)
    response = client.get(reverse("target_new"), {"year": "9" * 40})
    assert response.status_code == 200
    assert 2000 <= response.context["target"].year <= 2100


# --- Imports: over-long values ------------------------------------------------------------------


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CRITERIA_HEADER = ["Lĩnh vực CCHC", "Mã", "Tiêu chí", "Điểm tối đa", "Mã tiêu chí cha", "Người phụ trách"]


def test_criteria_import_names_over_long_cells_and_writes_nothing(ward, chairperson):
    rows = [["1", "1" * 21, "Kế hoạch", 3, "", ""], ["1", "1.2", "T" * 501, 99999, "", ""]]
    with pytest.raises(importing.excel.ImportFailed) as exc:
        importing.import_criteria(
            ward=ward, year=2024, upload=io.BytesIO(_xlsx(CRITERIA_HEADER, rows)), by=chairperson
        )
    assert "Dòng 2, cột B (Mã): dài 21 ký tự, tối đa 20 ký tự." in exc.value.errors
    assert "Dòng 3, cột C (Tiêu chí): dài 501 ký tự, tối đa 500 ký tự." in exc.value.errors
    assert any(e.startswith("Dòng 3, cột D (Điểm tối đa)") for e in exc.value.errors)
    assert not Criterion.objects.exists()


def test_catalogue_import_names_over_long_cells_and_writes_nothing(client, administrator, catalogue):
    from dossiers.catalogue_xlsx import COLUMNS

    before = Procedure.objects.count()
    row = [
        "HKD",
        "2." + "9" * 40,
        "T" * 401,
        "01/07/2025",
        "31/12/9999",
        "không",
        3,
        0,
        10**15,
        "không",
        "",
        "",
    ]
    client.force_login(administrator)
    upload = SimpleUploadedFile("danh-muc.xlsx", _xlsx([str(c[1]) for c in COLUMNS], [row]))
    response = client.post(reverse("dossiers:catalogue_import"), {"file": upload}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][0].startswith("/jobs/") and 'data-status="failed"' in html
    assert "Dòng 2, cột “Áp dụng đến ngày”" in html and "nằm ngoài khoảng cho phép" in html
    row[4] = None
    upload = SimpleUploadedFile("danh-muc.xlsx", _xlsx([str(c[1]) for c in COLUMNS], [row]))
    html = client.post(reverse("dossiers:catalogue_import"), {"file": upload}, follow=True).content.decode()
    for column in ("Mã TTHC", "Tên thủ tục", "Phí, lệ phí (đồng)"):
        assert "Dòng 2, cột “{}”".format(column) in html
    assert Procedure.objects.count() == before


# --- Printing ---------------------------------------------------------------------------------------


def test_form_02_of_a_dossier_without_supplement_request_is_not_found(
    client, officer_datdai, make_dossier, land
):
    dossier = make_dossier(land, at(2023, 3, 1))
    client.force_login(officer_datdai)
    assert client.get(reverse("dossiers:print", args=[dossier.pk, "02"])).status_code == 404
    workflow.start(dossier, by=officer_datdai, at=at(2023, 3, 1, 10))
    workflow.request_supplement(dossier, by=officer_datdai, at=at(2023, 3, 1, 11), items="Sổ đỏ bản sao")
    assert client.get(reverse("dossiers:print", args=[dossier.pk, "02"])).status_code == 200


# --- Double clicks ----------------------------------------------------------------------------------

PLAN_HEADER = ["Mã", "Nhiệm vụ", "Mô tả", "Lĩnh vực CCHC", "Mã tiêu chí", "Người chủ trì", "Người phối hợp",
               "Hạn hoàn thành"]  # fmt: skip
PLAN_ROWS = [["01", "Ban hành Kế hoạch CCHC", "", "1", "", "", "", "15/01/2024"]]


def test_plan_import_posted_twice_imports_once(client, chairperson, ward):
    client.force_login(chairperson)
    url = reverse("tasks:plan_import") + "?year=2024"
    first = client.post(url, {"file": SimpleUploadedFile("kh.xlsx", _xlsx(PLAN_HEADER, PLAN_ROWS))})
    second = client.post(
        url, {"file": SimpleUploadedFile("kh.xlsx", _xlsx(PLAN_HEADER, PLAN_ROWS))}, follow=True
    )
    assert first.status_code == 302
    assert second.status_code == 200 and 'data-status="failed"' in second.content.decode()
    assert "mã 01 đã có trong kế hoạch" in second.content.decode()
    assert Task.objects.filter(plan__ward=ward, plan__year=2024).count() == 1


def test_default_criteria_posted_twice_creates_one_tree(client, chairperson, ward):
    client.force_login(chairperson)
    url = reverse("tasks:criteria_default") + "?year=2024"
    assert client.post(url, {"year": "2024"}).status_code == 302
    created = Criterion.objects.filter(ward=ward, year=2024).count()
    response = client.post(url, {"year": "2024"}, follow=True)
    assert "Phường đã có bộ tiêu chí năm 2024." in response.content.decode()
    assert created > 0
    assert Criterion.objects.filter(ward=ward, year=2024).count() == created


def _at_once(n: int, work) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        try:
            barrier.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plan_imports_and_default_trees_never_hit_the_unique_index(ward, chairperson):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL: DATABASE_URL=postgres://...")
    data = _xlsx(PLAN_HEADER, PLAN_ROWS)
    errors = _at_once(
        4, lambda: importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(data), by=chairperson)
    )
    assert len(errors) == 3 and all(isinstance(e, importing.excel.ImportFailed) for e in errors)
    assert Plan.objects.filter(ward=ward, year=2024).count() == 1
    assert Task.objects.filter(plan__ward=ward, plan__year=2024).count() == 1
    errors = _at_once(4, lambda: criteria.create_default_tree(ward=ward, year=2024, by=chairperson))
    assert len(errors) == 3 and all("đã có bộ tiêu chí" in str(e) for e in errors)


def test_dossier_import_dates_outside_2000_to_2100_are_a_cell_message():
    from datetime import datetime, time

    from parindex.analytics.reports import imports

    for raw in ("31/12/9999", datetime(9999, 12, 31, 23, 59, 59, 999_999)):
        with pytest.raises(periods.PeriodError, match="năm 2000 đến 2100"):
            imports._parse_moment(raw, time(9, 0))
