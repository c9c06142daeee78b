"""Importing a plan (and a criteria tree) from Excel: all rows valid or nothing imported, each
problem named by row and column; the same through manage.py import_plan."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tasks import excel, importing
from tasks.models import Criterion, Plan, Task

HEADER = ["Mã", "Nhiệm vụ", "Mô tả", "Lĩnh vực CCHC", "Mã tiêu chí", "Người chủ trì", "Người phối hợp",
          "Hạn hoàn thành"]  # fmt: skip


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    ["01", "Ban hành Kế hoạch CCHC năm 2024", "", "1", "", "tuphap", "", "15/01/2024"],
    ["02", "Niêm yết công khai TTHC", "Tại Bộ phận Một cửa", "Cải cách thủ tục hành chính", "", "Lê Văn Minh",
     "tuphap", datetime(2024, 3, 31)],
]  # fmt: skip


def test_valid_file_imports_every_task(ward, chairperson, officer_tuphap, officer_datdai):
    plan = importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(xlsx(GOOD)), by=chairperson)
    tasks = list(plan.tasks.order_by("code"))
    assert [(t.code, t.component, t.lead, t.due_date) for t in tasks] == [
        ("01", "direction", officer_tuphap, date(2024, 1, 15)),
        ("02", "procedures", officer_datdai, date(2024, 3, 31)),
    ]
    assert list(tasks[1].co_officials.all()) == [officer_tuphap]
    assert tasks[0].history.latest().history_user == chairperson


def test_one_bad_row_imports_nothing_and_names_row_and_column(
    ward, chairperson, officer_tuphap, officer_datdai
):
    rows = [
        *GOOD,
        ["03", "Số hóa hồ sơ", "", "7", "", "nguoila", "", "31/02/2024"],
        ["04", "Báo cáo CCHC năm", "", "9", "", "", "", "15/12/2025"],
    ]
    with pytest.raises(excel.ImportFailed) as exc:
        importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(xlsx(rows)), by=chairperson)
    errors = exc.value.errors
    assert 'Dòng 4, cột F (Người chủ trì): không có cán bộ "nguoila" trong phường.' in errors
    assert 'Dòng 4, cột H (Hạn hoàn thành): "31/02/2024" không phải ngày hợp lệ (dd/mm/yyyy).' in errors
    assert any(e.startswith("Dòng 5, cột D (Lĩnh vực CCHC)") for e in errors)
    assert "Dòng 5, cột H (Hạn hoàn thành): hạn 15/12/2025 nằm ngoài năm kế hoạch 2024." in errors
    assert not Plan.objects.exists() and not Task.objects.exists()


def test_missing_columns_are_named(ward, chairperson):
    data = xlsx([["01", "Việc"]], header=["Mã", "Nhiệm vụ"])
    with pytest.raises(excel.ImportFailed) as exc:
        importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(data), by=chairperson)
    assert exc.value.errors == ["Thiếu cột bắt buộc ở dòng tiêu đề (dòng 1): Lĩnh vực CCHC, Hạn hoàn thành."]


def test_not_an_excel_file(ward, chairperson):
    with pytest.raises(excel.ImportFailed) as exc:
        importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(b"%PDF-1.4"), by=chairperson)
    assert "xlsx" in exc.value.errors[0]


def test_duplicate_code_against_existing_plan(ward, chairperson, officer_tuphap, officer_datdai):
    importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(xlsx(GOOD[:1])), by=chairperson)
    with pytest.raises(excel.ImportFailed) as exc:
        importing.import_plan(ward=ward, year=2024, upload=io.BytesIO(xlsx(GOOD)), by=chairperson)
    assert exc.value.errors == ["Dòng 2, cột A (Mã): mã 01 đã có trong kế hoạch hoặc lặp lại trong tệp."]
    assert Task.objects.count() == 1


def test_import_page_shows_errors_and_template_downloads(client, ward, chairperson, officer_tuphap):
    client.force_login(chairperson)
    bad = SimpleUploadedFile("kh.xlsx", xlsx([["01", "Việc", "", "1", "", "", "", "hôm qua"]]))
    response = client.post(reverse("tasks:plan_import") + "?year=2024", {"file": bad}, follow=True)
    # Read and checked on the worker: the job page lists the problems, nothing was written.
    assert response.redirect_chain[0][0].startswith("/jobs/") and response.status_code == 200
    html = response.content.decode()
    assert 'data-status="failed"' in html and "Không nhập gì: tệp có 1 lỗi." in html
    assert "Dòng 2, cột H (Hạn hoàn thành)" in html
    assert not Task.objects.exists()
    good = SimpleUploadedFile("kh.xlsx", xlsx(GOOD[:1]))
    response = client.post(reverse("tasks:plan_import") + "?year=2024", {"file": good}, follow=True)
    assert "Đã nhập kế hoạch năm 2024: 1 nhiệm vụ." in response.content.decode()
    assert Task.objects.count() == 1
    template = client.get(reverse("tasks:plan_template"))
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert header == HEADER


def test_import_plan_command(tmp_path, ward, chairperson, officer_tuphap, officer_datdai):
    path = tmp_path / "kh.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    call_command("import_plan", str(path), "--ward", "BH", "--year", "2024", "--by", "chutich", stdout=out)
    assert "Imported 2 tasks" in out.getvalue()
    path.write_bytes(xlsx([["09", "Việc", "", "1", "", "", "", "01/01/2023"]]))
    with pytest.raises(CommandError) as exc:
        call_command("import_plan", str(path), "--ward", "BH", "--year", "2024")
    assert "Dòng 2, cột H" in str(exc.value)
    assert Task.objects.count() == 2


def test_criteria_import_builds_the_province_tree(ward, chairperson, officer_tuphap):
    header = ["Lĩnh vực CCHC", "Mã", "Tiêu chí", "Điểm tối đa", "Mã tiêu chí cha", "Người phụ trách"]
    rows = [
        ["1", "1.1", "Kế hoạch CCHC", "3", "", "tuphap"],
        ["1", "1.1.1", "Ban hành đúng hạn", "1,5", "1.1", ""],
    ]
    created = importing.import_criteria(
        ward=ward, year=2024, upload=io.BytesIO(xlsx(rows, header)), by=chairperson
    )
    assert [(c.code, c.max_score, c.parent and c.parent.code) for c in created] == [
        ("1.1", 3, None), ("1.1.1", pytest.approx(1.5), "1.1")
    ]  # fmt: skip
    bad = [["1", "1.1", "Kế hoạch", "-2", "", ""], ["1", "1.2.1", "X", "1", "1.2", ""]]
    with pytest.raises(excel.ImportFailed) as exc:
        importing.import_criteria(ward=ward, year=2024, upload=io.BytesIO(xlsx(bad, header)), by=chairperson)
    assert "Dòng 2, cột D (Điểm tối đa): điểm tối đa không được âm." in exc.value.errors
    assert any(e.startswith("Dòng 3, cột E (Mã tiêu chí cha)") for e in exc.value.errors)
    assert Criterion.objects.filter(ward=ward, year=2024).count() == 2  # the earlier tree is untouched
