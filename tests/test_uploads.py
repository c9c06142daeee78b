"""Every upload passes one gate before anything parses it: the size limit, the type, and for
Office files the zip directory (a zip bomb never reaches openpyxl). Staged import previews are
deleted on confirmation, on cancellation and after the time limit. The dossier import checks ID
numbers and phones with the entry form's own validators."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from dossiers.catalogue_xlsx import COLUMNS as CATALOGUE_COLUMNS
from dossiers.models import Dossier, Procedure
from parindex.analytics.reports import imports
from parindex.base import uploads
from tasks import plans
from tasks.models import Component, Criterion, Evidence, Task, TaskStatus
from tests.dossiers_fixtures import *  # noqa: F403
from tests.form_tokens import form_token

MB = 1024 * 1024


# --- files -----------------------------------------------------------------------------------------


def _workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_member(valid: bytes, name: str, writer, *, replace: bool = True) -> bytes:
    """``valid`` with member ``name`` (re)written by ``writer(stream)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            if not (replace and info.filename == name):
                zf.writestr(info, source.read(info))
        with zf.open(name, "w", force_zip64=True) as stream:
            writer(stream)
    return out.getvalue()


def _zeros(total: int):
    def write(stream) -> None:
        chunk = b"\0" * MB
        for _ in range(total // MB):
            stream.write(chunk)

    return write


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real bomb: a workbook whose first sheet unpacks to 1 GB, about 5 MB on the wire (under
    the 10 MB upload limit, as in the report)."""
    valid = _workbook([["Mã hồ sơ"], ["X-1"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(valid)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info, source.read(info))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            _zeros(1024 * MB)(stream)
    return out.getvalue()


def _many_members(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for i in range(count):
            zf.writestr("xl/media/image{}.png".format(i), b"x")
    return out.getvalue()


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Records every call that would hand a file to openpyxl, in each importer."""
    calls: list = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("openpyxl reached")

    for module in ("parindex.analytics.reports.imports", "tasks.excel", "dossiers.catalogue_xlsx"):
        monkeypatch.setattr(module + ".load_workbook", refuse)
    return calls


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_MAX_BYTES = 10 * MB


def _staged() -> list[str]:
    # Through the storage API, as the portal sees them (a local folder in tests, S3 in production).
    try:
        return sorted(uploads.staging_storage().listdir(uploads.STAGING)[1])
    except FileNotFoundError:
        return []


# --- the gate itself ---------------------------------------------------------------------------


def test_a_one_gigabyte_bomb_is_refused_from_its_directory(bomb):
    assert len(bomb) < 10 * MB
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.check_upload(io.BytesIO(bomb), name="hoso.xlsx")
    assert "bom nén" in exc.value.message and "hoso.xlsx" in exc.value.message


def test_a_member_that_compresses_too_well_is_refused_even_when_the_total_is_small():
    data = _with_member(_workbook([["a"]]), "xl/worksheets/sheet1.xml", _zeros(50 * MB))
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.check_upload(io.BytesIO(data), name="a.xlsx")
    assert "xl/worksheets/sheet1.xml" in exc.value.message and "nén" in exc.value.message


def test_the_total_unpacked_size_is_limited(settings):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1 * MB
    # Random bytes do not compress: no ratio alarm, only the total.
    data = _with_member(_workbook([["a"]]), "xl/media/image1.png", lambda s: s.write(os.urandom(2 * MB)))
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.check_upload(io.BytesIO(data), name="a.xlsx")
    assert "giải nén ra 2.0 MB, tối đa 1 MB" in exc.value.message


def test_too_many_members_are_refused():
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.check_upload(io.BytesIO(_many_members(uploads.MAX_MEMBERS + 1)), name="a.xlsx")
    assert "1002 thành phần nén, tối đa 1000" in exc.value.message


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(
    ("member", "problem"),
    [
        ("../../etc/cron.d/x", "trỏ ra ngoài tệp"),
        ("/etc/passwd", "tên không hợp lệ"),
        ("xl\\..\\evil.xml", "tên không hợp lệ"),
        ("xl/worksheets/sheet\x01.xml", "tên không hợp lệ"),
        ("xl/workbook.xml", "bị lặp lại"),
        ("xl/inner.zip", "tệp nén lồng bên trong"),
        ("xl/worksheets/more.xlsx", "tệp nén lồng bên trong"),
    ],
)
def test_odd_member_names_are_refused(member, problem):
    data = _with_member(_workbook([["a"]]), member, lambda s: s.write(b"PK"), replace=False)
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.check_upload(io.BytesIO(data), name="a.xlsx")
    assert problem in exc.value.message


def test_office_embeddings_are_not_nested_archives():
    # A Word file with a chart carries its data as word/embeddings/*.xlsx.
    data = _with_member(
        _workbook([["a"]]), "word/embeddings/Microsoft_Excel_Worksheet.xlsx", lambda s: s.write(b"PK")
    )
    assert uploads.check_upload(SimpleUploadedFile("bao-cao.docx", data), allowed=uploads.EVIDENCE) == ".docx"


def test_a_valid_workbook_passes_and_is_left_at_the_start():
    upload = SimpleUploadedFile("hoso.xlsx", _workbook([["Mã hồ sơ"], ["X-1"]]))
    upload.read(10)
    assert uploads.check_upload(upload) == ".xlsx"
    assert upload.tell() == 0


# --- every endpoint that takes a file ------------------------------------------------------------


@pytest.fixture
def task(ward, chairperson):
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    return plans.save_task(
        plan=plan,
        by=chairperson,
        code="01",
        title="Niêm yết công khai TTHC",
        component=Component.PROCEDURES,
        due_date=date(2023, 3, 31),
    )


@pytest.fixture
def criterion(ward):
    return Criterion.objects.create(
        ward=ward, year=2023, component=Component.PROCEDURES, code="3.1", title="Công khai TTHC", max_score=2
    )


@pytest.fixture
def endpoints(client, ward, chairperson, administrator, task, criterion, catalogue):
    """name -> post(file) for every screen that accepts a file, logged in as who may use it."""

    def as_user(user, url, data):
        client.force_login(user)
        return client.post(url, data)

    evidence = {"status": "in_progress", "completed_on": "", "cancel_reason": "", "url": "", "note": ""}
    return {
        "dossier import": lambda f: as_user(
            chairperson, reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": f}
        ),
        "plan import": lambda f: as_user(
            chairperson, reverse("tasks:plan_import") + "?year=2024", {"file": f}
        ),
        "criteria import": lambda f: as_user(
            chairperson, reverse("tasks:criteria_import") + "?year=2024", {"file": f}
        ),
        "catalogue import": lambda f: as_user(
            administrator, reverse("dossiers:catalogue_import"), {"file": f}
        ),
        "task evidence": lambda f: as_user(
            chairperson, reverse("tasks:task_update", args=[task.pk]), {**evidence, "file": f}
        ),
        "criterion evidence": lambda f: as_user(
            chairperson, reverse("tasks:criterion_detail", args=[criterion.pk]), {"comment": "", "file": f}
        ),
    }


def _state(task) -> tuple:
    task.refresh_from_db()
    return (
        Dossier.objects.count(),
        Task.objects.count(),
        Criterion.objects.count(),
        Procedure.objects.count(),
        Evidence.objects.count(),
        task.status,
        _staged(),
    )


ENDPOINTS = [
    "dossier import",
    "plan import",
    "criteria import",
    "catalogue import",
    "task evidence",
    "criterion evidence",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_zip_bomb_is_refused_at_every_endpoint_before_openpyxl(
    endpoints, task, no_openpyxl, bomb, endpoint
):
    before = _state(task)
    response = endpoints[endpoint](SimpleUploadedFile("bom.xlsx", bomb))
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "bom nén" in html and "1024.0 MB" in html
    assert no_openpyxl == []
    assert _state(task) == before
    assert task.status == TaskStatus.NOT_STARTED


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_13_mb_file_is_refused_at_every_endpoint_when_the_limit_is_10(
    endpoints, task, no_openpyxl, endpoint
):
    before = _state(task)
    big = SimpleUploadedFile("lon.xlsx", b"PK\x03\x04" + b"\0" * (13 * MB))
    response = endpoints[endpoint](big)
    assert response.status_code in (200, 400)
    assert "Tệp lon.xlsx quá lớn (13.0 MB); tối đa 10 MB." in response.content.decode()
    assert no_openpyxl == []
    assert _state(task) == before


PLAN_HEADER = ["Mã", "Nhiệm vụ", "Mô tả", "Lĩnh vực CCHC", "Mã tiêu chí", "Người chủ trì", "Người phối hợp",
               "Hạn hoàn thành"]  # fmt: skip
CRITERIA_HEADER = ["Lĩnh vực CCHC", "Mã", "Tiêu chí", "Điểm tối đa", "Mã tiêu chí cha", "Người phụ trách"]
CATALOGUE_ROW = ["HKD", "2.000999", "Đăng ký thay đổi nội dung hộ kinh doanh", "01/07/2025", None, "không", 3, 0,
                 50000, "toàn trình", "UBND phường", ""]  # fmt: skip


def _valid_file(endpoint: str) -> bytes:
    if endpoint == "plan import":
        return _workbook([PLAN_HEADER, ["02", "Số hóa hồ sơ", "", "3", "", "", "", "15/06/2024"]])
    if endpoint == "criteria import":
        return _workbook([CRITERIA_HEADER, ["3", "3.2", "Số hóa kết quả", "2", "", ""]])
    if endpoint == "catalogue import":
        return _workbook([[str(c[1]) for c in CATALOGUE_COLUMNS], CATALOGUE_ROW])
    return _workbook([["Biên bản kiểm tra"], ["đạt"]])


@pytest.mark.parametrize("endpoint", ["plan import", "criteria import", "catalogue import", "task evidence"])
def test_a_valid_file_still_goes_through(endpoints, task, endpoint):
    response = endpoints[endpoint](SimpleUploadedFile("tep.xlsx", _valid_file(endpoint)))
    assert response.status_code == 302
    created = {
        "plan import": lambda: Task.objects.filter(code="02", plan__year=2024).exists(),
        "criteria import": lambda: Criterion.objects.filter(code="3.2", year=2024).exists(),
        "catalogue import": lambda: Procedure.objects.filter(code="2.000999").exists(),
        "task evidence": lambda: Evidence.objects.get(task=task).original_name == "tep.xlsx",
    }
    assert created[endpoint]()


def test_the_admin_form_checks_a_new_evidence_file_too(task, chairperson, bomb):
    evidence = Evidence(ward=task.plan.ward, task=task, kind="file", added_by=chairperson)
    evidence.file = SimpleUploadedFile("bom.xlsx", bomb)
    with pytest.raises(ValidationError) as exc:
        evidence.full_clean()
    assert "bom nén" in exc.value.message_dict["file"][0]


def test_the_import_commands_use_the_same_gate(tmp_path, ward, chairperson, no_openpyxl, bomb):
    path = tmp_path / "bom.xlsx"
    path.write_bytes(bomb)
    for command, args in (
        ("import_dossiers", ["--ward", ward.code]),
        ("import_plan", ["--ward", ward.code, "--year", "2024"]),
        ("import_procedures", []),
    ):
        out = io.StringIO()
        with pytest.raises(CommandError) as exc:
            call_command(command, str(path), *args, stdout=out)
        # import_procedures lists the problems on stdout, the others in the error itself.
        assert "bom nén" in str(exc.value) + out.getvalue()
    assert no_openpyxl == []


# --- staged dossier imports ----------------------------------------------------------------------

PROVINCIAL_HEADER = ["Mã hồ sơ", "Mã thủ tục", "Chủ hồ sơ", "Số giấy tờ tùy thân", "Số điện thoại", "Kênh nộp",
                     "Ngày tiếp nhận", "Trạng thái"]  # fmt: skip


def _provincial(*rows: list) -> bytes:
    return _workbook([PROVINCIAL_HEADER, *rows])


def _row(code: str = "H-1", id_number="079203001234", phone="0912345678") -> list:
    return [
        code,
        "1.001193",
        "Nguyễn Thị Mai",
        id_number,
        phone,
        "Trực tiếp",
        "01/03/2023 08:15",
        "Đang xử lý",
    ]


def _preview(client, ward, content: bytes, name: str = "hoso.xlsx"):
    return client.post(
        reverse("reports:import"),
        {"ward": ward.code, "action": "preview", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_confirming_imports_and_deletes_the_staged_file(client, ward, chairperson, catalogue):
    client.force_login(chairperson)
    response = _preview(client, ward, _provincial(_row()))
    token = response.context["token"]
    assert _staged() == [token + ".xlsx"]
    response = client.post(
        reverse("reports:import"),
        {"ward": ward.code, "action": "confirm", "token": token, **form_token(response)},
    )
    assert response.status_code == 302
    assert Dossier.objects.get().applicant_id_number == "079203001234"
    assert _staged() == []


def test_cancelling_deletes_the_staged_file_and_imports_nothing(client, ward, chairperson, catalogue):
    client.force_login(chairperson)
    token = _preview(client, ward, _provincial(_row())).context["token"]
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "cancel", "token": token}, follow=True
    )
    assert "Đã hủy nhập tệp hoso.xlsx; chưa nhập hồ sơ nào." in response.content.decode()
    assert _staged() == [] and not Dossier.objects.exists()
    # The cancelled token is spent.
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "confirm", "token": token}, follow=True
    )
    assert "Phiên nhập tệp đã hết hạn" in response.content.decode()
    assert not Dossier.objects.exists()


def test_a_file_with_errors_or_refused_is_not_kept(client, ward, chairperson, catalogue):
    client.force_login(chairperson)
    response = _preview(client, ward, _provincial(_row(phone="gọi-tôi-đi")))
    assert response.status_code == 200 and response.context["plan"].errors
    assert response.context["plan"].n_errors == 1
    assert "token" not in response.context
    assert _staged() == []
    refused = _preview(client, ward, b"PK\x03\x04 broken")
    assert refused.status_code == 400 and not refused.redirect_chain
    assert _staged() == []


def test_a_new_preview_replaces_the_previous_one(client, ward, chairperson, catalogue):
    client.force_login(chairperson)
    first = _preview(client, ward, _provincial(_row())).context["token"]
    second = _preview(client, ward, _provincial(_row("H-2"))).context["token"]
    assert _staged() == [second + ".xlsx"] and first != second


def _age(token: str, seconds: int) -> None:
    path = Path(uploads.staging_storage().path(uploads.staged_name(token)))
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_expired_staged_files_are_purged_by_the_command(
    client, ward, chairperson, catalogue, settings, tmp_path
):
    settings.UPLOAD_STAGING_MAX_AGE = 3600
    client.force_login(chairperson)
    old = _preview(client, ward, _provincial(_row())).context["token"]
    # A preview left by another session is still fresh.
    fresh = uploads.stage(SimpleUploadedFile("khac.xlsx", _provincial(_row("H-2"))))
    _age(old, 3601)
    # Files staged before this module lived under reports/imports; they are swept too.
    legacy = settings.MEDIA_ROOT / "reports" / "imports"
    legacy.mkdir(parents=True)
    (legacy / "abandoned.xlsx").write_bytes(b"PK")
    os.utime(legacy / "abandoned.xlsx", (0, 0))
    out = io.StringIO()
    call_command("purge_staging", stdout=out)
    assert "Đã xóa 2 tệp" in out.getvalue()
    assert _staged() == [fresh + ".xlsx"] and not list(legacy.iterdir())
    # Confirming the purged preview: a clear message, nothing imported.
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "confirm", "token": old}, follow=True
    )
    assert "Phiên nhập tệp đã hết hạn" in response.content.decode()
    assert not Dossier.objects.exists()


def test_staging_a_new_preview_prunes_expired_files(client, ward, chairperson, catalogue, settings):
    settings.UPLOAD_STAGING_MAX_AGE = 3600
    abandoned = uploads.stage(SimpleUploadedFile("cu.xlsx", _provincial(_row())))
    _age(abandoned, 7200)
    client.force_login(chairperson)
    token = _preview(client, ward, _provincial(_row())).context["token"]
    assert _staged() == [token + ".xlsx"]


def test_staged_tokens_cannot_name_other_files(client, ward, chairperson):
    assert uploads.staged_name("../../settings") is None and uploads.open_staged("../x") is None
    client.force_login(chairperson)
    response = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "confirm", "token": "../x"}, follow=True
    )
    assert "Phiên nhập tệp đã hết hạn" in response.content.decode()


# --- ID numbers and phones, as the entry form checks them ----------------------------------------


def test_the_dossier_import_refuses_ids_and_phones_the_entry_form_refuses(ward, chairperson, catalogue):
    content = _provincial(_row("H-1", id_number="ABC"), _row("H-2", phone="gọi-tôi-đi"), _row("H-3"))
    plan, result = imports.import_file(io.BytesIO(content), ward=ward, by=chairperson)
    assert result is None and not Dossier.objects.exists()
    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (2, "Số giấy tờ tùy thân", "“ABC”: Số CCCD phải gồm 12 chữ số; mã số thuế gồm 10 hoặc 13 chữ số."),
        (3, "Số điện thoại", "“gọi-tôi-đi”: Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc 02523812345)."),
    ]


def test_the_dossier_import_page_lists_them_by_row_and_column(client, ward, chairperson, catalogue):
    client.force_login(chairperson)
    response = _preview(client, ward, _provincial(_row(id_number="ABC", phone="gọi-tôi-đi")))
    html = response.content.decode()
    assert "<td>2</td><td>Số giấy tờ tùy thân</td>" in html and "<td>2</td><td>Số điện thoại</td>" in html
    assert "Xác nhận nhập" not in html


def test_ids_and_phones_are_stored_as_the_form_stores_them(ward, chairperson, catalogue):
    content = _provincial(
        _row("H-1", id_number="0792 0300 1234", phone="+84 912 345 678"),
        # Number cells: Excel dropped the leading zero of the phone and of the CCCD.
        _row("H-2", id_number=79203001235, phone=912345679),
        _row("H-3", id_number="0301234567-001", phone=""),
    )
    plan, result = imports.import_file(io.BytesIO(content), ward=ward, by=chairperson)
    assert plan.ok, plan.problems
    stored = dict(Dossier.objects.values_list("code", "applicant_id_number"))
    phones = dict(Dossier.objects.values_list("code", "applicant_phone"))
    assert stored == {"H-1": "079203001234", "H-2": "079203001235", "H-3": "0301234567-001"}
    assert phones == {"H-1": "0912345678", "H-2": "0912345679", "H-3": ""}
