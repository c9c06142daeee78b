"""Register screens: list, search, worklists, export, logging, dossier page, moves, prints, rating."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from dossiers import workflow
from dossiers.models import Dossier, Procedure, Rating, Status
from dossiers.views import rating_token
from parindex.base.models import AccessLog
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

INDEX = "/dossiers/"


@pytest.fixture
def many(make_dossier, business, land, officer_datdai):
    def make(n: int, start: int = 0):
        return [
            make_dossier(
                business if i % 2 else land,
                at(2024, 3, 4, 8 + i % 8),
                name="Trần Thị Bình {}".format(start + i),
                applicant_phone="09123456{:02d}".format((start + i) % 100),
                applicant_id_number="0791234567{:02d}".format((start + i) % 100),
            )
            for i in range(n)
        ]

    return make


def test_list_query_count_does_not_grow_with_rows(
    client, officer_datdai, many, django_assert_max_num_queries
):
    client.force_login(officer_datdai)
    many(3)
    # The worklist counts ask the working-day calendar (loaded once per process): warm it first.
    client.get(INDEX)
    # session, user, membership(+ward), worklist counts (one aggregate), count, page rows (with
    # procedure, field, ward joined), context processor queries: the same for 3 and for 60 rows.
    with django_assert_max_num_queries(12) as ctx:
        response = client.get(INDEX)
    few = len(ctx.captured_queries)
    assert response.status_code == 200
    many(57, start=3)
    with django_assert_max_num_queries(12) as ctx:
        response = client.get(INDEX)
    assert len(ctx.captured_queries) == few
    assert response.content.decode().count("/dossiers/") > 50


def test_list_masks_personal_data(client, officer_datdai, make_dossier, business):
    make_dossier(
        business, at(2024, 3, 4, 9), applicant_phone="0912345678", applicant_id_number="079123456789"
    )
    client.force_login(officer_datdai)
    html = client.get(INDEX).content.decode()
    assert "0912345678" not in html and "079123456789" not in html
    assert "091••••678" in html and "•••••••••789" in html


def test_search_is_accent_insensitive_and_by_code_phone_id(client, officer_datdai, make_dossier, business):
    a = make_dossier(business, at(2024, 3, 4, 9), name="Nguyễn Văn A", applicant_phone="0912345678")
    b = make_dossier(business, at(2024, 3, 4, 9), name="Lê Thị Bé", applicant_id_number="079123456789")
    client.force_login(officer_datdai)
    for q, expected in [
        ("nguyen van a", a),
        ("NGUYỄN", a),
        ("0912345678", a),
        ("079123456789", b),
        (b.code.lower(), b),
        ("le thi be", b),
    ]:
        response = client.get(INDEX, {"q": q})
        assert list(response.context["page"].object_list) == [expected], q


def test_htmx_request_renders_only_rows(client, officer_datdai, make_dossier, business):
    make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    response = client.get(INDEX, headers={"HX-Request": "true"})
    assert [t.name for t in response.templates][0] == "dossiers/dossier_rows.html"
    assert "<html" not in response.content.decode()


def test_filters_by_status_channel_field_and_dates(
    client, officer_datdai, make_dossier, business, land, land_field
):
    d1 = make_dossier(land, at(2024, 3, 4, 9))
    d2 = make_dossier(business, at(2024, 3, 6, 9), channel="online")
    workflow.start(d2, by=officer_datdai, at=at(2024, 3, 6, 10))
    client.force_login(officer_datdai)

    def ids(**params):
        return {d.pk for d in client.get(INDEX, params).context["page"].object_list}

    assert ids(field=land_field.pk) == {d1.pk}
    assert ids(status="in_progress") == {d2.pk}
    assert ids(channel="online") == {d2.pk}
    assert ids(received_from="2024-03-05", received_to="2024-03-06") == {d2.pk}


@freeze_time("2024-03-07 09:00:00+07:00")
def test_worklists(client, officer_datdai, make_dossier, business, django_assert_max_num_queries):
    due_today = make_dossier(business, at(2024, 3, 4, 9))
    overdue = make_dossier(business, at(2024, 2, 28, 9))
    client.force_login(officer_datdai)

    def ids(name):
        with django_assert_max_num_queries(12):
            return {d.pk for d in client.get(INDEX, {"list": name}).context["page"].object_list}

    assert ids("due_today") == {due_today.pk}
    assert ids("overdue") == {overdue.pk}
    assert ids("apology") == {due_today.pk, overdue.pk}
    assert ids("mine") == {due_today.pk, overdue.pk}
    assert ids("supplement") == set()


def test_export_xlsx_is_safe_and_readable_by_openpyxl_and_calamine(
    client, officer_datdai, make_dossier, business
):
    make_dossier(business, at(2024, 3, 4, 9), name='=HYPERLINK("x")\x07', applicant_phone="0912345678")
    make_dossier(business, at(2024, 3, 5, 9), name="Nguyễn Văn B")
    client.force_login(officer_datdai)
    response = client.get(INDEX, {"export": "xlsx"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Mã hồ sơ"
    names = {r[3] for r in rows[1:]}
    assert names == {'=HYPERLINK("x")', "Nguyễn Văn B"}
    formula_cell = next(c for c in ws["D"] if c.value == '=HYPERLINK("x")')
    assert formula_cell.data_type == "s"
    assert "0912345678" not in {r[5] for r in rows[1:]}
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(sheet) == 3 and sheet[0][0] == "Mã hồ sơ"


def test_other_ward_officer_gets_404(client, officer_other_ward, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_other_ward)
    assert client.get(reverse("dossiers:detail", args=[d.pk])).status_code == 404
    assert (
        client.post(
            reverse("dossiers:move", args=[d.pk, "start"]), {"start-at": "2024-03-04T10:00"}
        ).status_code
        == 404
    )
    assert client.get(reverse("dossiers:print", args=[d.pk, "01"])).status_code == 404
    assert list(client.get(INDEX).context["page"].object_list) == []


def test_city_viewer_reads_but_cannot_move_or_create(client, city_viewer, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(city_viewer)
    assert client.get(reverse("dossiers:detail", args=[d.pk])).status_code == 200
    response = client.post(reverse("dossiers:move", args=[d.pk, "start"]), {"start-at": "2024-03-04T10:00"})
    assert response.status_code == 403
    assert client.get(reverse("dossiers:create")).status_code == 403
    d.refresh_from_db()
    assert d.status == Status.RECEIVED


@freeze_time("2024-03-06 10:00:00+07:00")
def test_officer_logs_a_dossier(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    page = client.get(reverse("dossiers:create"))
    assert page.status_code == 200
    response = client.post(
        reverse("dossiers:create"),
        {
            **form_token(page),
            "procedure": "1.001193 - Đăng ký khai sinh",
            "channel": "in_person",
            "received_at": "2024-03-06T09:30",
            "applicant_name": "Phạm Thị Hoa",
            "applicant_id_number": "079 123 456 789",
            "applicant_phone": "+84 912 345 678",
            "sets": "1",
        },
    )
    d = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:detail", args=[d.pk])
    assert (d.code, d.due_date, d.applicant_phone, d.applicant_id_number) == (
        "BH-2024-000001",
        date(2024, 3, 6),
        "0912345678",
        "079123456789",
    )


@freeze_time("2024-03-06 10:00:00+07:00")
def test_logging_form_messages_in_vietnamese(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    response = client.post(
        reverse("dossiers:create"),
        {
            "procedure": "9.999999 - Không có",
            "channel": "in_person",
            "received_at": "2024-03-01T09:30",
            "applicant_name": "A",
            "applicant_id_number": "12345",
            "applicant_phone": "12345",
            "sets": "1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Không tìm thấy thủ tục" in errors["procedure"][0]
    assert "12 chữ số" in errors["applicant_id_number"][0]
    assert "Số điện thoại không hợp lệ" in errors["applicant_phone"][0]
    assert "lý do" in errors["backdate_reason"][0]
    assert not Dossier.objects.exists()


def test_moves_through_the_page(client, officer_datdai, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    page = client.get(reverse("dossiers:detail", args=[d.pk]))
    assert 'data-move="start"' in page.content.decode()
    client.post(
        reverse("dossiers:move", args=[d.pk, "start"]), {"start-at": "2024-03-04T10:00", "start-version": "1"}
    )
    r = client.post(
        reverse("dossiers:move", args=[d.pk, "resolve"]),
        {"resolve-at": "2024-03-05T10:00", "resolve-outcome": "approved"},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RESOLVED
    # Illegal now: message, no change.
    r = client.post(
        reverse("dossiers:move", args=[d.pk, "start"]), {"start-at": "2024-03-05T11:00"}, follow=True
    )
    assert "Không thể thực hiện" in r.content.decode()
    # Stale form (version from before the moves) is refused.
    r = client.post(
        reverse("dossiers:move", args=[d.pk, "return_result"]),
        {"return_result-at": "2024-03-05T11:00", "return_result-version": "1"},
        follow=True,
    )
    assert "vừa được người khác cập nhật" in r.content.decode()
    d.refresh_from_db()
    assert d.status == Status.RESOLVED


def test_stale_edit_through_the_form_keeps_the_input(
    client, officer_datdai, officer_tuphap, make_dossier, business
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    # The edit form shows the applicant's data in full: both handle the dossier's field.
    d.field.officers.add(officer_datdai, officer_tuphap)
    client.force_login(officer_tuphap)
    form = {
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0987654321",
        "sets": "1",
        "fee": "100000",
        "version": "1",
    }
    assert client.post(reverse("dossiers:edit", args=[d.pk]), form).status_code == 302
    client.force_login(officer_datdai)
    response = client.post(reverse("dossiers:edit", args=[d.pk]), dict(form, applicant_phone="0911222333"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Hồ sơ đã được" in html and "0911222333" in html
    d.refresh_from_db()
    assert d.applicant_phone == "0987654321"


def test_view_outside_the_field_is_masked_and_unmasked_views_are_logged(
    client, officer_tuphap, officer_datdai, chairperson, make_dossier, business
):
    # Issue 11: one rule (field officer and leader see in full, others masked), every unmasked read logged.
    d = make_dossier(business, at(2024, 3, 4, 9), applicant_phone="0912345678")
    d.field.officers.add(officer_datdai)
    client.force_login(officer_datdai)
    assert "0912345678" in client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    client.force_login(chairperson)
    assert "0912345678" in client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    client.force_login(officer_tuphap)
    html = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    assert "0912345678" not in html and "091••••678" in html
    logs = AccessLog.objects.order_by("id")
    assert [(log.user, log.object_id, log.action) for log in logs] == [
        (officer_datdai, str(d.pk), "view"),
        (chairperson, str(d.pk), "view"),
    ]


def test_detail_query_count_does_not_grow_with_events(
    client, chairperson, make_dossier, business, land_office, django_assert_max_num_queries
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(chairperson)
    with django_assert_max_num_queries(30) as ctx:
        client.get(reverse("dossiers:detail", args=[d.pk]))
    few = len(ctx.captured_queries)
    for i in range(4):
        workflow.send_to_agency(
            d, agency=land_office, by=chairperson, at=at(2024, 3, 4, 10 + i), due_date=date(2024, 3, 6)
        )
        workflow.return_from_agency(d, by=chairperson, at=at(2024, 3, 4, 10 + i, 30))
    with django_assert_max_num_queries(few):
        client.get(reverse("dossiers:detail", args=[d.pk]))


def test_prints(client, officer_datdai, make_dossier, business, land_office):
    d = make_dossier(business, at(2024, 3, 4, 9), documents="Giấy đề nghị\nBản sao CCCD")
    workflow.request_supplement(d, by=officer_datdai, at=at(2024, 3, 4, 10), items="Hợp đồng thuê nhà")
    workflow.resume(d, by=officer_datdai, at=at(2024, 3, 5, 10))
    workflow.issue_apology(
        d,
        by=officer_datdai,
        at=at(2024, 3, 7, 9),
        reason="Chờ Chi cục Thuế",
        new_due_date=date(2024, 3, 12),
        agency_at_fault=land_office,
    )
    client.force_login(officer_datdai)
    receipt = client.get(reverse("dossiers:print", args=[d.pk, "01"])).content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in receipt and "<svg" in receipt
    assert d.code in receipt and "08/03/2024" in receipt and "Bản sao CCCD" in receipt
    assert "Hợp đồng thuê nhà" in client.get(reverse("dossiers:print", args=[d.pk, "02"])).content.decode()
    assert "12/03/2024" in client.get(reverse("dossiers:print", args=[d.pk, "04"])).content.decode()
    assert "Phiếu kiểm soát" in client.get(reverse("dossiers:print", args=[d.pk, "05"])).content.decode()
    workflow.stop(d, by=officer_datdai, at=at(2024, 3, 8, 9), reason="Sai thẩm quyền")
    assert "Sai thẩm quyền" in client.get(reverse("dossiers:print", args=[d.pk, "03"])).content.decode()


def test_public_rating_once_per_dossier_without_login(client, make_dossier, business, officer_datdai):
    d = make_dossier(business, at(2024, 3, 4, 9))
    workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 5, 9))
    old = reverse("dossiers:public_rating", args=[rating_token(d)])
    url = reverse("lookup:status", args=[rating_token(d)])
    # The rating moved to the status lookup; the old links printed on receipts lead there.
    assert client.get(old)["Location"] == url
    assert client.get(url).status_code == 200
    assert client.post(url, {"value": "very", "comment": "Nhanh"}).status_code == 302
    rating = Rating.objects.get()
    assert (rating.value, rating.source, rating.dossier) == ("very", "public", d)
    assert "đã được đánh giá" in client.get(url).content.decode()
    client.post(url, {"value": "no"})
    assert Rating.objects.get().value == "very"
    assert client.get(reverse("lookup:status", args=["giả-mạo"])).status_code == 404


def test_public_rating_is_rate_limited_per_address(client, make_dossier, business, officer_datdai):
    from django.core.cache import cache

    cache.clear()
    dossiers = [make_dossier(business, at(2024, 3, 4, 9)) for _ in range(2)]
    for d in dossiers:
        workflow.resolve(d, by=officer_datdai, at=at(2024, 3, 5, 9))
    url = reverse("lookup:status", args=[rating_token(dossiers[0])])
    for _ in range(20):
        client.post(url, {"value": "bad-value"})
    url2 = reverse("lookup:status", args=[rating_token(dossiers[1])])
    assert client.post(url2, {"value": "yes"}).status_code == 429
    assert not Rating.objects.exists()
    cache.clear()


def test_bucket_drill_down_uses_the_indicator_engine_or_says_why(client, chairperson, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(chairperson)
    response = client.get(INDEX, {"bucket": "received", "from": "2024-03-01", "to": "2024-03-31"})
    assert response.status_code == 200
    assert [x.pk for x in response.context["page"].object_list] == [d.pk]


def _catalogue_file(rows):
    from dossiers.catalogue_xlsx import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([str(c[1]) for c in COLUMNS])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("danh-muc.xlsx", buf.getvalue())


def test_catalogue_import_is_all_or_nothing(client, administrator, catalogue):
    client.force_login(administrator)
    before = Procedure.objects.count()
    good = [
        "HKD",
        "2.000999",
        "Đăng ký thay đổi nội dung hộ kinh doanh",
        "01/07/2025",
        None,
        "không",
        3,
        0,
        50000,
        "toàn trình",
        "UBND phường",
        "",
    ]
    bad = ["XX", "1.000001", "", "31/02/2025", None, "có lẽ", "ba", 0, -5, "cấp 4", "", ""]
    response = client.post(
        reverse("dossiers:catalogue_import"), {"file": _catalogue_file([good, bad])}, follow=True
    )
    html = response.content.decode()
    # Read and checked on the worker: the job page lists every problem; nothing written.
    assert response.redirect_chain[0][0].startswith("/jobs/") and 'data-status="failed"' in html
    assert "Dòng 3, cột “Mã lĩnh vực”" in html and "Dòng 3, cột “Tên thủ tục”" in html
    assert "Dòng 3, cột “Áp dụng từ ngày”" in html and "Dòng 3, cột “Thời hạn (ngày làm việc)”" in html
    assert Procedure.objects.count() == before
    response = client.post(
        reverse("dossiers:catalogue_import"), {"file": _catalogue_file([good])}, follow=True
    )
    assert "Đã nhập danh mục: 1 thủ tục mới, 0 thủ tục cập nhật." in response.content.decode()
    p = Procedure.objects.get(code="2.000999")
    assert (p.valid_from, p.processing_days, p.fee, p.online_level) == (date(2025, 7, 1), 3, 50000, "full")


def test_catalogue_export_round_trips_and_template_has_vietnamese_headers(client, administrator, catalogue):
    client.force_login(administrator)
    data = b"".join(client.get(reverse("dossiers:catalogue_export")).streaming_content)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã lĩnh vực", "Mã TTHC", "Tên thủ tục")
    assert len(rows) == 1 + Procedure.objects.count()
    response = client.post(reverse("dossiers:catalogue_import"), {"file": SimpleUploadedFile("x.xlsx", data)})
    assert response.status_code == 302
    template = b"".join(client.get(reverse("dossiers:catalogue_export"), {"template": "1"}).streaming_content)
    assert len(list(load_workbook(io.BytesIO(template)).active.iter_rows())) == 1


def test_catalogue_import_refused_to_ward_leader(client, chairperson):
    # one ward's leader must not change the catalogue every ward uses
    client.force_login(chairperson)
    assert client.get(reverse("dossiers:catalogue_import")).status_code == 403


def test_catalogue_import_refused_to_officer(client, officer_tuphap):
    client.force_login(officer_tuphap)
    assert client.post(reverse("dossiers:catalogue_import"), {}).status_code == 403


def test_calendar_page_prints_years_without_separator(client, chairperson):
    client.force_login(chairperson)
    body = client.get(reverse("dossiers:calendar_year", args=[2024])).content.decode()
    assert "năm 2024" in body and "2.024" not in body and "« 2023" in body
