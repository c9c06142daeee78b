"""Every Excel download goes through one exporter shape (parindex/base/exporting.py): real xlsx files
whose headers are the column definitions', whose rows are the records', with user text kept as
text and the list's table reading the same headings."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from urllib.parse import quote

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from dossiers import deadlines, privacy
from dossiers import exports as register_exports
from dossiers.catalogue_xlsx import COLUMNS as CATALOGUE_COLUMNS
from dossiers.models import Dossier
from parindex.base.exporting import (
    XLSX_CONTENT_TYPE,
    Column,
    ListExporter,
    TableExporter,
    export_response,
    file_response,
    headers,
    screen_columns,
)
from tasks import exports as plan_exports
from tasks import plans
from tasks.models import Component
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"


def _rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


def _headings(html: str, testid: str) -> list[str]:
    table = html.split('data-testid="{}"'.format(testid), 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col">(.*?)</th>', table)


def _body_cells(html: str, testid: str) -> list[list[str]]:
    """The text of each body row's cells (tags dropped, entities decoded, badges left out)."""
    from html import unescape

    body = html.split('data-testid="{}"'.format(testid), 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        texts = [re.sub(r"<small.*?</small>|<[^>]+>", "", c) for c in cells]
        rows.append([unescape(t).strip() for t in texts])
    return rows


def _printable(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


def _as_shown(value) -> str:
    """An exported cell as the register's table shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value)


def _is_xlsx_attachment(response, filename: str) -> bool:
    return response["Content-Type"] == XLSX_CONTENT_TYPE and response[
        "Content-Disposition"
    ] == 'attachment; filename="{}"'.format(filename)


# -- the shape itself ----------------------------------------------------------------------------


class _Letters(ListExporter):
    identifier = "thu"
    sheet_title = "Thư"
    columns = (
        Column("Tiêu đề", lambda r: r["title"], 30),
        Column("Ngày", lambda r: r["day"], 12, "dd/mm/yyyy"),
        Column("Số", lambda r: r["n"], 8, "#,##0"),
    )

    def __init__(self, records):
        self._records = records

    def records(self):
        return self._records


def test_an_exporter_writes_its_columns_and_rows_as_safe_cells():
    exporter = _Letters(
        [
            {"title": '=HYPERLINK("http://x")', "day": date(2024, 3, 4), "n": 1200},
            {"title": "giấy\x0bmời", "day": date(2024, 3, 5), "n": 3},
        ]
    )
    assert list(exporter.rows())[0] == ["Tiêu đề", "Ngày", "Số"]
    sheet = load_workbook(exporter.render_xlsx()).active
    assert [c.value for c in sheet[1]] == ["Tiêu đề", "Ngày", "Số"]
    assert sheet["A2"].value == '=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "giấymời"  # the vertical tab (illegal in XML) is gone
    assert sheet["B2"].value.date() == date(2024, 3, 4) and sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["C2"].value == 1200 and sheet["C2"].number_format == "#,##0"
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 30


def test_the_response_names_the_file_as_rfc_6266_asks_and_can_be_read_twice():
    response = export_response(
        TableExporter(filename="báo-cáo.xlsx", sheet_title="x", rows=[["A"], [1]], widths=[8])
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''{}".format(quote("báo-cáo.xlsx"))
    data = response.content
    assert data == b"".join(response.streaming_content)  # ``content`` leaves the stream whole
    assert [c.value for c in load_workbook(io.BytesIO(data)).active[1]] == ["A"]
    other = file_response(io.BytesIO(b"%PDF-1.4"), "minh-chung.pdf")
    assert other["Content-Type"] == "application/pdf"


def test_a_column_left_off_the_screen_stays_in_the_export():
    assert headers(screen_columns(plan_exports.COLUMNS)) == [
        "Mã", "Nhiệm vụ", "Lĩnh vực CCHC", "Người chủ trì", "Người phối hợp", "Hạn hoàn thành",
        "Trạng thái", "Ngày hoàn thành",
    ]  # fmt: skip
    assert len(plan_exports.COLUMNS) == 11


# -- the register --------------------------------------------------------------------------------


def test_register_export_is_its_column_definition_and_its_table(
    client, officer_datdai, make_dossier, business
):
    make_dossier(business, at(2024, 3, 4, 9), name="Trần Thị Bình")
    late = make_dossier(business, at(2024, 3, 5, 9), name='=HYPERLINK("x")\x07', applicant_phone="0912345678")
    client.force_login(officer_datdai)
    response = client.get(INDEX, {"export": "xlsx"})
    assert _is_xlsx_attachment(response, "ho-so.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["D2"].data_type == "s"  # the applicant's "=HYPERLINK" stays text
    rows = _rows(response)
    assert list(rows[0]) == headers(register_exports.COLUMNS)
    late.refresh_from_db()
    personal = privacy.personal_data(late, full=False)
    kind = deadlines.classify(late)
    assert rows[1][:7] == (
        late.code, business.code, business.name, '=HYPERLINK("x")', personal.id_number or None, personal.phone,
        late.get_channel_display(),
    )  # fmt: skip
    assert rows[1][10:] == (late.get_status_display(), str(deadlines.LABELS[kind]) if kind else None)
    assert "0912345678" not in rows[1]  # masked in lists and exports alike

    page = client.get(INDEX)
    assert _headings(page.content.decode(), "dossier-table") == list(rows[0])
    # The table's cells are the export's values, written for the screen (dates as dd/mm/yyyy hh:mm).
    cells = _body_cells(page.content.decode(), "dossier-table")
    by_code = {row[0]: row for row in rows[1:]}
    assert len(cells) == 2
    for screen in cells:
        exported = by_code[screen[0]]
        # (the sheet drops the control characters a cell may not hold; the page escapes them)
        assert [_printable(c) for c in screen[1:]] == [_as_shown(v) for v in exported[1:]], screen


def test_register_export_queries_do_not_grow_with_rows(client, officer_datdai, make_dossier, business):
    client.force_login(officer_datdai)
    make_dossier(business, at(2024, 3, 4, 9))
    with CaptureQueriesContext(connection) as one:
        assert len(_rows(client.get(INDEX, {"export": "xlsx"}))) == 2
    for day in (5, 6, 7):
        make_dossier(business, at(2024, 3, day, 9))
    with CaptureQueriesContext(connection) as four:
        assert len(_rows(client.get(INDEX, {"export": "xlsx"}))) == 5
    # session, user, membership, the count, the rows (one chunk), the access-log lines
    assert len(four) == len(one) <= 16


# -- the reform plan -----------------------------------------------------------------------------


@freeze_time("2023-06-01 09:00:00+07:00")
def test_plan_export_and_table_read_one_definition(client, ward, chairperson, django_assert_max_num_queries):
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    for code in ("01", "02"):
        plans.save_task(plan=plan, by=chairperson, code=code, title="=SUM(A1)" if code == "01" else "Việc " + code,
                        component=Component.PROCEDURES, due_date=date(2023, 3, 1), lead=chairperson)  # fmt: skip
    client.force_login(chairperson)
    # session, user, membership, ward, plan, years, tasks, co-officials (one prefetch), ...
    with django_assert_max_num_queries(14):
        response = client.get(reverse("tasks:index"), {"year": 2023, "export": "xlsx"})
    assert _is_xlsx_attachment(response, "ke-hoach-cchc-{}-2023.xlsx".format(ward.code))
    rows = _rows(response)
    assert list(rows[0]) == headers(plan_exports.COLUMNS)
    task = plan.tasks.get(code="01")
    assert rows[1][:4] == ("01", "=SUM(A1)", task.get_component_display(), plans.display_name(chairperson))
    assert rows[1][5].date() == date(2023, 3, 1) and rows[1][6] == task.get_status_display()
    assert rows[1][9] == "Có"  # overdue on 1 June
    page = client.get(reverse("tasks:index"), {"year": 2023})
    assert _headings(page.content.decode(), "task-table") == headers(screen_columns(plan_exports.COLUMNS))


def test_plan_and_criteria_templates_are_the_import_headings(client, chairperson):
    client.force_login(chairperson)
    template = client.get(reverse("tasks:plan_template"))
    assert _is_xlsx_attachment(template, "mau-ke-hoach-cchc.xlsx")
    assert _rows(template)[0][:2] == ("Mã", "Nhiệm vụ")
    criteria = client.get(reverse("tasks:criteria_template"))
    assert _is_xlsx_attachment(criteria, "mau-tieu-chi-cchc.xlsx")
    assert _rows(criteria)[0][:3] == ("Lĩnh vực CCHC", "Mã", "Tiêu chí")


# -- the catalogue -------------------------------------------------------------------------------


def test_catalogue_export_and_template(client, administrator, business):
    client.force_login(administrator)
    export = client.get(reverse("dossiers:catalogue_export"))
    assert _is_xlsx_attachment(export, "danh-muc-tthc.xlsx")
    rows = _rows(export)
    assert list(rows[0]) == [str(c[1]) for c in CATALOGUE_COLUMNS]
    assert business.code in {r[1] for r in rows[1:]}
    template = client.get(reverse("dossiers:catalogue_export"), {"template": "1"})
    assert _is_xlsx_attachment(template, "mau-danh-muc-tthc.xlsx")
    assert len(_rows(template)) == 1


# -- the reports ---------------------------------------------------------------------------------


def test_report_download_is_streamed_with_its_name(client, chairperson, ward, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9), name="=1+1")
    client.force_login(chairperson)
    response = client.get(
        reverse("reports:download"), {"ward": ward.code, "from": "2024-03-01", "to": "2024-03-31"}
    )
    assert _is_xlsx_attachment(response, "bao-cao-{}-20240301-20240331.xlsx".format(ward.code))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    log = book["Sổ theo dõi"]
    assert log.page_setup.orientation == "landscape" and log.page_setup.paperSize == 9
    assert log.print_title_rows == "$3:$3" and log.page_margins.left == 0.25
    row = next(r for r in log.iter_rows(min_row=4) if r[2].value == d.code)
    assert next(c for c in row if c.value == "=1+1").data_type == "s"


def test_a_stored_job_file_is_served_by_the_same_response(client, officer_datdai, make_dossier, business, settings,
                                                        tmp_path):  # fmt: skip
    from parindex.base.jobs.models import Job, JobKind

    settings.MEDIA_ROOT, settings.EXPORT_INLINE_ROWS = tmp_path, 1
    first = make_dossier(business, at(2024, 3, 4, 9))
    make_dossier(business, at(2024, 3, 5, 9))
    client.force_login(officer_datdai)
    started = client.get(INDEX, {"export": "xlsx"})
    job = Job.objects.get(kind=JobKind.DOSSIER_EXPORT)
    assert started.status_code == 302
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert _is_xlsx_attachment(download, "ho-so.xlsx")
    rows = _rows(download)
    assert list(rows[0]) == headers(register_exports.COLUMNS)  # the worker ran the same exporter
    assert rows[-1][0] == Dossier.objects.get(pk=first.pk).code
