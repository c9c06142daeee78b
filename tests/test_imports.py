"""Importing dossiers from Excel: round trip with the report's log, provincial mapping, upsert,
preview before writing, all-or-nothing, unreadable files."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dossiers.models import Dossier, DossierEvent, Status
from parindex.analytics.reports import imports
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.workbook import build_report
from parindex.base.xlsx import clean_text
from tests.form_tokens import form_token
from tests.test_reports_scenario import *  # noqa: F403
from tests.test_reports_scenario import MARCH, make_month

LOG_FIELDS = (
    "code",
    "procedure_id",
    "channel",
    "status",
    "outcome",
    "received_at",
    "due_date",
    "resolved_at",
    "returned_at",
    "applicant_name",
    "applicant_address",
    "applicant_phone",
    "sets",
)


def _export(ward) -> bytes:
    out = io.BytesIO()
    build_report(Scope.for_ward(ward), MARCH, out)
    return out.getvalue()


def _log_rows(content: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(content))["Sổ theo dõi"]
    # Without the STT and the ward: the row numbers are positions, not facts.
    return [tuple(r[2:]) for r in ws.iter_rows(min_row=4, values_only=True)]


def _snapshot(ward) -> dict:
    return {d["code"]: d for d in Dossier.objects.filter(ward=ward).values(*LOG_FIELDS)}


def test_round_trip_export_import_export_gives_the_same_dossiers(
    ward, other_ward, officer_datdai, chairperson, catalogue, make_user
):
    from parindex.base.models import Role, Ward

    make_month(ward, officer_datdai)
    first = _export(ward)
    expected = _snapshot(ward)
    # Import the log into an empty ward of the same city; then export that ward.
    twin = Ward.objects.create(city=ward.city, code=ward.code + "2", name=ward.name)
    leader = make_user("lanhdao2", role=Role.LEADER, ward=twin)
    wb = load_workbook(io.BytesIO(first))
    ws = wb["Sổ theo dõi"]
    for row in ws.iter_rows(min_row=4, min_col=2, max_col=2):
        row[0].value = twin.code
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    plan, result = imports.import_file(buffer, ward=twin, by=leader)
    assert plan.ok, plan.problems
    assert result.created == len(expected) - 1  # the dossier resolved in February is not in March's log
    got = _snapshot(twin)
    for code, values in got.items():
        # Control characters are dropped on export (XML forbids them); everything else survives.
        original = {**expected[code], "applicant_name": clean_text(expected[code]["applicant_name"])}
        assert values == original
    # The history is real: each dossier has its workflow events.
    assert DossierEvent.objects.filter(dossier__ward=twin, kind="receive").count() == len(got)
    second = _export(twin)
    assert [r[1:] for r in _log_rows(second)] == [r[1:] for r in _log_rows(first)]


def test_importing_the_same_file_twice_changes_nothing(march, ward, chairperson):
    content = _export(ward)
    events = DossierEvent.objects.count()
    plan, result = imports.import_file(io.BytesIO(content), ward=ward, by=chairperson)
    assert plan.ok and result.created == 0 and result.updated == 0
    assert result.unchanged == len(_log_rows(content))
    assert DossierEvent.objects.count() == events


def _provincial(rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "DanhSachHoSo"
    ws.append(["DANH SÁCH HỒ SƠ TIẾP NHẬN"])
    ws.append([])
    ws.append(
        [
            "STT",
            "Mã hồ sơ",
            "Mã thủ tục",
            "Tên thủ tục",
            "Lĩnh vực",
            "Chủ hồ sơ",
            "Địa chỉ chủ hồ sơ",
            "Số điện thoại",
            "Kênh nộp",
            "Ngày tiếp nhận",
            "Hạn xử lý",
            "Ngày có kết quả",
            "Ngày trả kết quả",
            "Trạng thái",
            "Kết quả xử lý",
            "Đơn vị tiếp nhận",
        ]
    )
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row, "UBND phường Bình Hưng"])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # the province's text, not a formula
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


PROVINCIAL_ROWS = [
    [
        "000.00.20.H12-230301-0001",
        "1.001193",
        "Đăng ký khai sinh",
        "Tư pháp - Hộ tịch",
        "Nguyễn Thị Mai",
        "5 Lê Lợi",
        "0901000001",
        "Trực tuyến",
        "01/03/2023 08:15",
        "01/03/2023",
        "01/03/2023 10:00",
        "01/03/2023 10:30",
        "Đã trả kết quả",
        "Đủ điều kiện",
    ],
    [
        "000.00.20.H12-230302-0002",
        "1.004227",
        "",
        "Đất đai",
        "Trần Văn Bình",
        "9 Hai Bà Trưng",
        "0901000002",
        "Trực tiếp",
        datetime(2023, 3, 2, 9, 0),
        date(2023, 3, 16),
        None,
        None,
        "Đang xử lý",
        "",
    ],
    [
        "000.00.20.H12-230303-0003",
        "",
        "Đăng ký thành lập hộ kinh doanh",
        "Hộ kinh doanh",
        "Lê Thị Cúc",
        "",
        "",
        "BCCI",
        "03/03/2023",
        "08/03/2023",
        "06/03/2023",
        None,
        "Đã có kết quả",
        "",
    ],
]


def test_provincial_export_is_mapped_and_upserted(ward, chairperson, catalogue):
    plan, result = imports.import_file(_provincial(PROVINCIAL_ROWS), ward=ward, by=chairperson)
    assert plan.format == imports.PROVINCIAL and plan.ok, plan.problems
    assert result.created == 3
    first = Dossier.objects.get(code="000.00.20.H12-230301-0001")
    assert first.channel == "online" and first.status == Status.RETURNED and first.outcome == "approved"
    assert timezone.localtime(first.resolved_at).hour == 10
    third = Dossier.objects.get(code="000.00.20.H12-230303-0003")
    assert (
        third.channel == "post"
        and third.procedure.code == "2.000720"
        and third.resolved_on == date(2023, 3, 6)
    )
    # The province's later export: the land dossier now has its result; re-import moves it forward only.
    later = [list(r) for r in PROVINCIAL_ROWS]
    later[1][10], later[1][11], later[1][12] = "15/03/2023 16:00", "16/03/2023 09:00", "Đã trả kết quả"
    plan, result = imports.import_file(_provincial(later), ward=ward, by=chairperson)
    assert plan.ok and (result.created, result.updated, result.unchanged) == (0, 1, 2)
    land = Dossier.objects.get(code="000.00.20.H12-230302-0002")
    assert land.status == Status.RETURNED
    assert list(land.events.values_list("kind", flat=True)) == [
        "receive",
        "start",
        "resolve",
        "return_result",
    ]
    # An older file cannot move it back.
    plan, result = imports.import_file(_provincial(PROVINCIAL_ROWS), ward=ward, by=chairperson)
    assert plan.ok and result.updated == 0
    assert Dossier.objects.get(code="000.00.20.H12-230302-0002").status == Status.RETURNED


def test_a_broken_row_stops_the_whole_file_and_every_problem_is_listed(ward, chairperson, catalogue):
    rows = [list(r) for r in PROVINCIAL_ROWS]
    rows[1][8] = "32/13/2023"  # no such day
    rows[2][7] = "Fax"  # no such channel
    rows.append(
        ["X-1", "9.999999", "", "", "", "", "", "Trực tiếp", "01/03/2023", "", "", "", "Đang xử lý", ""]
    )
    plan, result = imports.import_file(_provincial(rows), ward=ward, by=chairperson)
    assert result is None and not plan.ok
    assert not Dossier.objects.exists()
    where = {(p.row, p.column) for p in plan.errors}
    assert (5, "Ngày tiếp nhận") in where
    assert (6, "Kênh nộp") in where
    assert (7, "Mã thủ tục") in where and (7, "Chủ hồ sơ") in where
    assert all(p.message for p in plan.errors)


def test_apply_is_all_or_nothing_when_the_workflow_refuses_a_row(ward, chairperson, catalogue):
    rows = [list(r) for r in PROVINCIAL_ROWS]
    # Returned before resolved: passes the cell checks only if dates are equal... force a workflow error
    # with a result time before the reception time on the same day.
    rows[2][8] = "03/03/2023 10:00"
    rows[2][10] = "03/03/2023 09:00"
    plan = imports.preview(_provincial(rows), ward=ward)
    assert not plan.ok  # caught in the preview already
    assert not Dossier.objects.exists()
    # And a failure inside apply rolls back the rows before it.
    good = imports.preview(_provincial(PROVINCIAL_ROWS), ward=ward)
    good.rows[-1].values["resolved_at"] = good.rows[-1].values["received_at"].replace(year=2022)
    with pytest.raises(imports.ImportFileError):
        imports.apply(good, ward=ward, by=chairperson)
    assert not Dossier.objects.exists()


def test_formula_text_is_imported_as_text(ward, chairperson, catalogue):
    rows = [list(r) for r in PROVINCIAL_ROWS[:1]]
    rows[0][4] = '=HYPERLINK("http://evil","x")'
    imports.import_file(_provincial(rows), ward=ward, by=chairperson)
    assert Dossier.objects.get().applicant_name == '=HYPERLINK("http://evil","x")'


# --- portal page and command ---------------------------------------------------------------------


def test_import_page_previews_then_confirms(client, chairperson, ward, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    upload = _provincial(PROVINCIAL_ROWS)
    upload.name = "hoso.xlsx"
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": upload}, follow=True
    )
    # The preview is built by a job; its page ends on the preview with the confirmation.
    assert response.redirect_chain[0][0].startswith(reverse("reports:import") + "?ward=")
    assert response.status_code == 200
    assert 'data-testid="import-preview"' in response.content.decode()
    assert not Dossier.objects.exists()
    token = response.context["token"]
    response = client.post(
        reverse("reports:import"),
        {"ward": ward.code, "action": "confirm", "token": token, **form_token(response)},
    )
    assert response.status_code == 302
    assert Dossier.objects.count() == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hoso.xls", b"PK\x03\x04whatever", "Chỉ nhận tệp Excel .xlsx"),
        ("hoso.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "mật khẩu"),
        ("hoso.xlsx", b"PK\x03\x04 not really a zip", "Không đọc được tệp Excel"),
        ("hoso.xlsx", b"hello", "không phải là tệp Excel"),
    ],
)
def test_unreadable_uploads_get_a_message_not_a_500(
    client, chairperson, ward, settings, tmp_path, name, content, message
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": upload}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_upload_over_the_size_limit_is_refused(client, chairperson, ward, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(chairperson)
    upload = io.BytesIO(b"PK\x03\x04" + b"0" * 2048)
    upload.name = "big.xlsx"
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": upload}
    )
    assert response.status_code == 400 and "quá lớn" in response.content.decode()


def test_import_needs_a_handler_of_the_ward(client, city_viewer, officer_other_ward, ward):
    client.force_login(city_viewer)
    assert client.get(reverse("reports:import"), {"ward": ward.code}).status_code == 403
    client.force_login(officer_other_ward)
    assert client.get(reverse("reports:import"), {"ward": ward.code}).status_code == 404


def test_import_dossiers_command(ward, chairperson, catalogue, tmp_path):
    path = tmp_path / "tinh.xlsx"
    path.write_bytes(_provincial(PROVINCIAL_ROWS).getvalue())
    out = io.StringIO()
    call_command("import_dossiers", str(path), "--ward", ward.code, "--dry-run", stdout=out)
    assert not Dossier.objects.exists() and "3 mới" in out.getvalue()
    call_command("import_dossiers", str(path), "--ward", ward.code, stdout=out)
    assert Dossier.objects.count() == 3
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(CommandError):
        call_command("import_dossiers", str(bad), "--ward", ward.code, stdout=out)
