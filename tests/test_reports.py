"""The report workbook read back: Biểu 06 equals the engine, identities, second reader, safety."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from dossiers import workflow
from dossiers.models import Channel, Procedure
from parindex.analytics import indicators
from parindex.analytics.indicators import DossierCounts
from parindex.analytics.reports.bieu06 import find_total_row
from parindex.analytics.reports.figures import BIEU06_COLUMNS, Scope
from parindex.analytics.reports.models import ImmutableError, SentReport
from parindex.analytics.reports.sent import live_differences, mark_sent
from parindex.analytics.reports.workbook import build_report
from tests.form_tokens import form_token
from tests.test_reports_scenario import *  # noqa: F403
from tests.test_reports_scenario import HOSTILE_NAMES, MARCH, at


def _engine_total(ward_ids, period) -> DossierCounts:
    total = DossierCounts()
    for counts in indicators.dossier_counts(ward_ids, period).values():
        total = total + counts
    return total


def _build(scope, period=MARCH) -> bytes:
    out = io.BytesIO()
    build_report(scope, period, out)
    return out.getvalue()


def _row_counts(ws, row: int) -> dict[str, int]:
    return {attr: ws.cell(row=row, column=number).value for attr, number, _label in BIEU06_COLUMNS}


def test_total_row_equals_engine_and_identities_hold(march, ward):
    content = _build(Scope.for_ward(ward))
    ws = load_workbook(io.BytesIO(content))["Biểu 06"]
    total_row = find_total_row(ws)
    assert total_row is not None
    engine = _engine_total([ward.id], MARCH)
    assert engine.received > 20 and engine.carried_over == 2 and engine.resolved_late >= 1
    assert _row_counts(ws, total_row) == {attr: getattr(engine, attr) for attr, _n, _l in BIEU06_COLUMNS}
    for row in range(14, total_row + 1):
        values = [ws.cell(row=row, column=c).value for c in range(3, 14)]
        assert all(isinstance(v, int) for v in values), row
        c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = values
        assert c3 == c4 + c5 + c6 and c3 == c7 + c11 and c7 == c8 + c9 + c10 and c11 == c12 + c13
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in [c.value for c in ws[1]]
    assert "Từ ngày 01/03/2023 đến ngày 31/03/2023" in ws.cell(row=7, column=1).value
    assert "C10:F10" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$10:$13"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_second_reader_sees_the_same_total(march, ward):
    content = _build(Scope.for_ward(ward))
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = book.get_sheet_by_name("Biểu 06").to_python()
    total = next(r for r in rows if len(r) > 1 and r[1] == "Tổng cộng")
    engine = _engine_total([ward.id], MARCH)
    assert [int(v) for v in total[2:13]] == [getattr(engine, a) for a, _n, _l in BIEU06_COLUMNS]


def test_log_lists_the_received_dossiers_with_real_dates(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Sổ theo dõi"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == _engine_total([ward.id], MARCH).received
    received = ws.cell(row=4, column=13)
    assert isinstance(received.value, datetime) and received.number_format.startswith("dd/mm/yyyy")
    assert isinstance(ws.cell(row=4, column=14).value, datetime)  # the due date, a real date
    assert ws.freeze_panes == "D4"


def test_log_prints_on_a4_landscape_fit_to_width_with_wrapped_text(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Sổ theo dõi"]
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")  # 9 = A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide, as many tall as needed
    assert ws.print_title_rows == "$3:$3"  # the column headers on every page
    # The scale Excel picks to fit the width: printable width over the columns' width (one
    # character unit is 7 px at 96 dpi). The old widths printed at 45%; legible is 70% or more.
    widths = [ws.column_dimensions[chr(ord("A") + i)].width for i in range(22)]
    printable_px = (11.69 - ws.page_margins.left - ws.page_margins.right) * 96
    assert printable_px / (sum(widths) * 7) >= 0.70
    header = [ws.cell(row=3, column=c) for c in range(1, 23)]
    assert all(c.alignment.wrap_text for c in header)
    assert ws.row_dimensions[3].height >= 45  # the longest header wraps over several lines
    # Text longer than its column wraps (procedure, name, address, agency) and the row grows to
    # fit it on paper; dates stay on one line.
    rows = range(4, ws.max_row + 1)
    long_cells = [
        ws.cell(row=r, column=c)
        for r in rows
        for c in (5, 8, 9, 12)
        if len(str(ws.cell(row=r, column=c).value or "")) > widths[c - 1]
    ]
    assert long_cells and all(c.alignment.wrap_text for c in long_cells)
    assert any((ws.row_dimensions[r].height or 0) > 15 for r in rows)
    resolved = [ws.cell(row=r, column=17) for r in rows if ws.cell(row=r, column=17).value is not None]
    # printed as the date (the form's "Ngày có kết quả"), the time kept in the value
    assert resolved and all(c.number_format == "dd/mm/yyyy" for c in resolved)


def test_formula_injection_text_stays_text_and_illegal_characters_are_stripped(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Sổ theo dõi"]
    names = {ws.cell(row=r, column=8).value: ws.cell(row=r, column=8) for r in range(4, ws.max_row + 1)}
    formula = names[HOSTILE_NAMES[0]]
    assert formula.data_type == "s" and formula.value.startswith("=")
    for hostile in HOSTILE_NAMES[1:4]:
        assert names[hostile].data_type == "s"
    assert "Lê Văn Bell" in names


def test_late_sheet_names_days_late_and_apology(march, ward):
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Hồ sơ trễ hạn"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    engine = _engine_total([ward.id], MARCH)
    assert len(rows) == engine.resolved_late + engine.in_progress_overdue
    with_letter = [r for r in rows if r[12] is not None]
    assert with_letter and with_letter[0][13] == datetime(2023, 3, 20)
    assert all(isinstance(r[10], int) and r[10] > 0 for r in rows)


def test_city_report_has_a_block_per_ward_and_the_city_total(march, ward, other_ward, city):
    ws = load_workbook(io.BytesIO(_build(Scope.for_city(city))))["Biểu 06"]
    labels = [ws.cell(row=r, column=2).value for r in range(14, ws.max_row + 1)]
    assert ward.name in labels and other_ward.name in labels
    engine = _engine_total([ward.id, other_ward.id], MARCH)
    assert ws.cell(row=find_total_row(ws), column=3).value == engine.received


def test_export_query_count_does_not_grow_with_dossiers(
    ward, other_ward, officer_datdai, catalogue, django_assert_max_num_queries
):
    from tests.test_reports_scenario import make_month

    make_month(ward, officer_datdai)
    # signer, fields, engine counts, summary, late ids + late dossiers + apologies + hops, log,
    # tasks, staffing (4 for the ward): about 20, fixed.
    with django_assert_max_num_queries(30) as small:
        _build(Scope.for_ward(ward))
    make_month(ward, officer_datdai, extra=30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        _build(Scope.for_ward(ward))


# --- Screens, download, command -------------------------------------------------------------------


def test_officer_downloads_own_ward_report_and_other_ward_is_404(
    march, client, officer_tuphap, ward, other_ward
):
    client.force_login(officer_tuphap)
    page = client.get(reverse("reports:index"), {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31"})
    assert page.status_code == 200
    assert "Tổng cộng" in page.content.decode()
    response = client.get(
        reverse("reports:download"), {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Biểu 06"]
    assert ws.cell(row=find_total_row(ws), column=3).value == _engine_total([ward.id], MARCH).received
    assert client.get(reverse("reports:download"), {"ward": other_ward.code}).status_code == 404
    assert client.get(reverse("reports:index"), {"ward": other_ward.code}).status_code == 404
    assert client.get(reverse("reports:download"), {"city": ward.city.code}).status_code == 404


def test_city_viewer_downloads_the_city_report(march, client, city_viewer, city, far_ward):
    client.force_login(city_viewer)
    response = client.get(
        reverse("reports:download"), {"city": city.code, "kind": "month", "year": 2023, "n": 3}
    )
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Biểu 06"]
    assert "Phường Phú Thủy" in [c.value for c in ws["B"]]
    assert client.get(reverse("reports:download"), {"ward": far_ward.code}).status_code == 404


def test_bad_period_is_a_message_not_a_500(client, chairperson, ward):
    client.force_login(chairperson)
    response = client.get(
        reverse("reports:download"), {"ward": ward.code, "from": "2023-03-31", "to": "2023-03-01"}
    )
    assert response.status_code == 400
    assert client.get(reverse("reports:index"), {"kind": "nonsense"}).status_code == 200


def test_export_report_command_writes_the_workbook(march, ward, city, tmp_path):
    out = tmp_path / "bc.xlsx"
    call_command(
        "export_report",
        "--ward",
        ward.code,
        "--from",
        "2023-03-01",
        "--to",
        "2023-03-31",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    ws = load_workbook(out)["Biểu 06"]
    assert ws.cell(row=find_total_row(ws), column=7).value == _engine_total([ward.id], MARCH).resolved
    city_out = tmp_path / "city.xlsx"
    call_command(
        "export_report",
        "--city",
        city.code,
        "--from",
        "2023-03-01",
        "--to",
        "2023-03-31",
        "--output",
        str(city_out),
        stdout=io.StringIO(),
    )
    assert set(load_workbook(city_out).sheetnames) == {
        "Biểu 06",
        "Chỉ số",
        "Hồ sơ trễ hạn",
        "Trễ hạn theo cơ quan",
        "Sổ theo dõi",
        "Nhiệm vụ",
        "Nhân sự",
    }


# --- Sent reports -----------------------------------------------------------------------------------


def test_sent_report_stays_unchanged_and_the_page_shows_the_difference(
    march, client, chairperson, officer_datdai, ward, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    query = {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31"}
    token = form_token(client.get(reverse("reports:index"), query))
    response = client.post(reverse("reports:mark_sent"), {**query, **token, "number": "15/BC-UBND"})
    assert response.status_code == 302
    report = SentReport.objects.get()
    stored_bytes = report.file.read()
    assert hashlib.sha256(stored_bytes).hexdigest() == report.sha256
    before = report.figures["total"]["received"]
    assert (
        client.get(reverse("reports:index"), query).content.decode().count('data-testid="no-differences"')
        == 1
    )

    # A paper dossier of 10/03/2023 entered late: the live figures move, the sent report does not.
    workflow.receive(
        ward=ward,
        procedure=Procedure.objects.get(code="1.001193"),
        channel=Channel.IN_PERSON,
        received_at=at(2023, 3, 10),
        applicant_name="Nhập bổ sung",
        by=officer_datdai,
    )
    report = SentReport.objects.get()
    assert report.figures["total"]["received"] == before
    assert hashlib.sha256(report.file.read()).hexdigest() == report.sha256
    diffs = live_differences(report)
    assert any(d.column == 3 and d.live == d.stored + 1 for d in diffs)
    page = client.get(reverse("reports:index"), query).content.decode()
    assert 'data-testid="differences"' in page and "Tổng cộng" in page
    detail = client.get(reverse("reports:sent_detail", args=[report.pk]))
    assert detail.status_code == 200 and 'data-testid="differences"' in detail.content.decode()
    downloaded = client.get(reverse("reports:sent_file", args=[report.pk]))
    assert b"".join(downloaded.streaming_content) == stored_bytes

    report.number = "16/BC-UBND"
    with pytest.raises(ImmutableError):
        report.save()
    with pytest.raises(ImmutableError):
        report.delete()
    with pytest.raises(ImmutableError):
        SentReport.objects.filter(pk=report.pk).update(number="x")


def test_only_leaders_mark_sent_and_other_wards_cannot_see_the_file(
    march, client, chairperson, officer_tuphap, officer_other_ward, ward, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    query = {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31", "number": "1/BC"}
    client.force_login(officer_tuphap)
    assert client.post(reverse("reports:mark_sent"), query).status_code == 403
    report = mark_sent(Scope.for_ward(ward), MARCH, by=chairperson, number="1/BC")
    assert client.get(reverse("reports:sent_file", args=[report.pk])).status_code == 200
    client.force_login(officer_other_ward)
    assert client.get(reverse("reports:sent_file", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:sent_detail", args=[report.pk])).status_code == 404


def test_indicator_sheet_lists_every_indicator_with_target_and_status(march, ward, city):
    from decimal import Decimal

    from parindex.analytics.indicators import INDICATORS
    from parindex.analytics.targets import YearTarget

    YearTarget.objects.create(city=city, year=2023, indicator="on_time_rate", threshold=Decimal("90"))
    ws = load_workbook(io.BytesIO(_build(Scope.for_ward(ward))))["Chỉ số"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    labels = {r[1] for r in rows}
    assert {str(d.label) for d in INDICATORS.values()} <= labels
    on_time = next(r for r in rows if r[1] == str(INDICATORS["on_time_rate"].label) and r[2] == "Chung")
    live = indicators.summary([ward.id], MARCH).total.value_of("on_time_rate")
    assert (on_time[4], on_time[5]) == (live.value.numerator, live.value.denominator)
    assert on_time[6] == float(live.value.value)
    assert on_time[7] == ">=" and on_time[8] == 90 and on_time[9] == live.assessment.label


def _log_contacts(content: bytes) -> list[tuple]:
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(content), read_only=True)["Sổ theo dõi"]
    return [(row[8], row[9]) for row in ws.iter_rows(min_row=4, values_only=True) if row[2]]


def test_applicant_contacts_in_full_only_for_the_wards_own_staff(
    march, client, ward, chairperson, city_viewer
):
    url = reverse("reports:download") + "?ward={}&from=2023-03-01&to=2023-03-31".format(ward.code)
    client.force_login(chairperson)
    full = _log_contacts(b"".join(client.get(url).streaming_content))
    client.force_login(city_viewer)
    masked = _log_contacts(b"".join(client.get(url).streaming_content))
    assert len(full) == len(masked) > 0
    phones = [phone for _address, phone in full if phone]
    assert phones and all("•" not in p for p in phones)
    for (address, phone), (m_address, m_phone) in zip(full, masked, strict=True):
        if phone:
            assert m_phone != phone and m_phone.endswith(phone[-3:]) and "•" in m_phone
        if address:
            assert m_address != address and m_address.startswith("•••")
