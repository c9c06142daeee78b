"""The one-stop rules since 01/07/2025 (issue 17): forms chosen by the document's date, the
complete receipt (log entry, papers, delivery), the apology and extension request approved by the
leader, the stop notice, and the official Biểu 06 wording."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dossiers import calendar, deadlines, printed_forms, workflow
from dossiers.models import (
    Channel,
    Dossier,
    DossierEvent,
    DueChange,
    Extension,
    FormKind,
    LogCounter,
    PrintedForm,
    ResultDelivery,
    Status,
)
from dossiers.workflow import WorkflowError
from parindex.analytics import indicators
from parindex.analytics.reports.bieu06 import ReportMeta, find_total_row, write_bieu06
from parindex.analytics.reports.dossier_log import write_log
from parindex.analytics.reports.figures import Scope, figures
from parindex.analytics.reports.sheets import write_late
from parindex.base import periods
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

BEFORE = at(2025, 6, 23, 9)  # Monday, the 2018 set
AFTER = at(2025, 7, 7, 9)  # Monday, the 2025 set


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _print(client, dossier, kind: str) -> str:
    return _text(client.get(reverse("dossiers:print", args=[dossier.pk, kind])))


# --- 1. Forms by date ------------------------------------------------------------------------------

EXPECTED = {
    # kind: (number before, title before, number after, title after)
    "receipt": (
        "01",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "01",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    ),
    "supplement": (
        "02",
        "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "02",
        "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    ),
    "refusal": (
        "03",
        "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
        "03",
        "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
    ),
    "apology": (
        "04",
        "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "04",
        "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ",
    ),
    "control": (
        "05",
        "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        "06",
        "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    ),
}


def _dossier_with_every_form(make_dossier, business, officer, received):
    """One dossier that has a receipt, a supplement request, an apology letter and a slip."""
    d = make_dossier(business, received)
    workflow.request_supplement(d, by=officer, at=received.replace(hour=10), items="Bản sao sổ hộ khẩu")
    workflow.resume(d, by=officer, at=received.replace(hour=11))
    workflow.issue_apology(
        d,
        by=officer,
        at=received.replace(hour=14),
        reason="Chờ xác minh",
        new_due_date=calendar.local_date(received) + timedelta(days=14),
    )
    return d


@pytest.mark.parametrize("when", ["before", "after"])
def test_each_form_prints_the_number_title_and_unit_of_its_date(
    client, make_dossier, business, officer_datdai, when
):
    received = BEFORE if when == "before" else AFTER
    d = _dossier_with_every_form(make_dossier, business, officer_datdai, received)
    refused = make_dossier(business, received.replace(hour=8))
    workflow.reject_at_reception(
        refused, by=officer_datdai, at=received.replace(hour=8, minute=30), reason="Sai"
    )
    client.force_login(officer_datdai)
    unit = "Bộ phận Một cửa" if when == "before" else "Trung tâm phục vụ hành chính công"
    other_unit = "Trung tâm phục vụ hành chính công" if when == "before" else "Bộ phận Một cửa"
    basis = "Thông tư số 01/2018/TT-VPCP" if when == "before" else "Thông tư số 03/2025/TT-VPCP"
    for kind, (n_before, t_before, n_after, t_after) in EXPECTED.items():
        number, title = (n_before, t_before) if when == "before" else (n_after, t_after)
        page = _print(client, refused if kind == "refusal" else d, kind)
        assert "Mẫu số {}".format(number) in page, kind
        assert title.upper() in page.upper(), kind
        assert "{} Phường Bình Hưng".format(unit) in page, kind
        assert other_unit not in page, kind
        assert basis in page, kind


def test_stop_notice_exists_only_in_the_2025_set_and_prints_reason_and_basis(
    client, make_dossier, business, officer_datdai
):
    old = make_dossier(business, BEFORE)
    new = make_dossier(business, AFTER)
    for d, moment in ((old, BEFORE), (new, AFTER)):
        workflow.stop(
            d,
            by=officer_datdai,
            at=moment.replace(hour=15),
            reason="Người nộp đã chết",
            legal_basis="Khoản 2 Điều 18 Nghị định 118/2025/NĐ-CP",
        )
    client.force_login(officer_datdai)
    assert client.get(reverse("dossiers:print", args=[old.pk, "stop"])).status_code == 404
    page = _print(client, new, "stop")
    assert "Mẫu số 05" in page and "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in page.upper()
    assert "Người nộp đã chết" in page and "Khoản 2 Điều 18 Nghị định 118/2025/NĐ-CP" in page
    assert "Trung tâm phục vụ hành chính công Phường Bình Hưng" in page
    detail = client.get(reverse("dossiers:detail", args=[new.pk])).content.decode()
    assert 'data-testid="print-stop"' in detail
    assert (
        'data-testid="print-stop"'
        not in client.get(reverse("dossiers:detail", args=[old.pk])).content.decode()
    )
    # An open dossier has no stop notice.
    open_one = make_dossier(business, AFTER.replace(hour=10))
    assert client.get(reverse("dossiers:print", args=[open_one.pk, "stop"])).status_code == 404


def test_a_stopped_dossier_received_before_the_switch_prints_the_2025_notice_when_stopped_after(
    client, make_dossier, business, officer_datdai
):
    d = make_dossier(business, BEFORE)
    workflow.stop(d, by=officer_datdai, at=AFTER, reason="Hết thời hạn bổ sung")
    client.force_login(officer_datdai)
    assert "Mẫu số 05" in _print(client, d, "stop")
    # the receipt keeps the date of reception: the 2018 unit
    assert "Bộ phận Một cửa Phường Bình Hưng" in _print(client, d, "receipt")


def test_old_print_numbers_still_open_the_2018_kinds(client, make_dossier, business, officer_datdai):
    d = make_dossier(business, AFTER)
    client.force_login(officer_datdai)
    assert "Mẫu số 06" in _print(client, d, "05")  # the old URL of the control slip
    assert client.get(reverse("dossiers:print", args=[d.pk, "99"])).status_code == 404


def test_switch_date_titles_and_unit_name_are_data(client, make_dossier, business, officer_datdai):
    """An administrator moves the switch and renames the unit, with the date it applies from."""
    d = make_dossier(business, AFTER)
    client.force_login(officer_datdai)
    PrintedForm.objects.filter(valid_from=printed_forms.SWITCH_2025).update(valid_from=date(2025, 8, 1))
    assert "Bộ phận Một cửa Phường Bình Hưng" in _print(client, d, "receipt")
    PrintedForm.objects.create(
        kind=FormKind.RECEIPT,
        valid_from=date(2025, 7, 2),
        number="01",
        title="Giấy tiếp nhận hồ sơ (mẫu của tỉnh)",
        unit_name="Trung tâm Phục vụ hành chính công xã",
    )
    page = _print(client, d, "receipt")
    assert "GIẤY TIẾP NHẬN HỒ SƠ (MẪU CỦA TỈNH)" in page.upper()
    assert "Trung tâm Phục vụ hành chính công xã Phường Bình Hưng" in page
    assert printed_forms.form_for(FormKind.STOP, date(2025, 7, 15)) is None
    assert printed_forms.form_for(FormKind.STOP, date(2025, 8, 1)).number == "05"


def test_seeded_rows_equal_the_built_in_defaults(db):
    seeded = {
        (r.kind, r.valid_from): (r.number, r.title, r.unit_name, r.legal_basis)
        for r in PrintedForm.objects.all()
    }
    defaults = {(k, f): (n, t, u, b) for k, f, n, t, u, b in printed_forms.LEGAL_DEFAULTS}
    assert seeded == defaults
    assert len(seeded) == 13
    # A flushed table falls back to the same defaults.
    PrintedForm.objects.all().delete()
    assert printed_forms.form_for(FormKind.CONTROL, date(2025, 6, 30)).number == "05"
    assert printed_forms.form_for(FormKind.CONTROL, date(2025, 7, 1)).number == "06"
    assert printed_forms.form_for(FormKind.STOP, date(2025, 6, 30)) is None


def test_dossier_log_sheet_is_form_06_before_and_07_after_the_switch(ward, make_dossier, business):
    make_dossier(business, BEFORE)
    for period, number in ((periods.month(2025, 6), "06"), (periods.month(2025, 7), "07")):
        wb = Workbook(write_only=True)
        write_log(wb, Scope.for_ward(ward), period)
        buffer = io.BytesIO()
        wb.save(buffer)
        ws = load_workbook(buffer)["Sổ theo dõi"]
        assert ws.cell(row=2, column=1).value.startswith("Mẫu số {}".format(number))
        assert ws.cell(row=3, column=3).value == "Mã hồ sơ"  # the header row did not move


# --- 2. Receipt 01 complete -------------------------------------------------------------------------


def test_receipt_prints_log_entry_papers_fee_delivery_appointment_and_qr(
    client, ward, business, officer_datdai
):
    d = workflow.receive(
        ward=ward,
        procedure=business,
        channel=Channel.IN_PERSON,
        received_at=AFTER,
        applicant_name="Trần Thị Bình",
        by=officer_datdai,
        documents="Giấy đề nghị đăng ký hộ kinh doanh (bản chính, 1)\nBản sao CCCD (bản sao, 2)\nẢnh chụp mặt bằng",
        result_delivery=ResultDelivery.POST,
    )
    assert (d.log_year, d.log_volume, d.log_number) == (2025, 1, 1)
    assert [(p.name, p.kind, p.copies) for p in d.papers.all()] == [
        ("Giấy đề nghị đăng ký hộ kinh doanh", "original", 1),
        ("Bản sao CCCD", "copy", 2),
        ("Ảnh chụp mặt bằng", "", 1),
    ]
    client.force_login(officer_datdai)
    page = _print(client, d, "receipt")
    assert "Vào Sổ theo dõi hồ sơ, Quyển số 1, Số thứ tự 1" in page
    assert "Giấy đề nghị đăng ký hộ kinh doanh Bản chính 1" in page
    assert "Bản sao CCCD Bản sao 2" in page
    assert "Phí, lệ phí: 100.000 đồng" in page
    assert "Qua dịch vụ bưu chính công ích" in page
    assert "Thời gian trả kết quả: 17 giờ 00 phút, ngày 10/07/2025" in page
    assert (
        'data-testid="qr-link"'
        in client.get(reverse("dossiers:print", args=[d.pk, "receipt"])).content.decode()
    )


def test_log_entry_prints_year_and_numbers_without_thousands_separators(
    client, ward, business, officer_datdai
):
    """Vietnamese number formatting writes 2025 as "2.025": a year or an entry number is not an
    amount (seen on the dossier page before the fix)."""
    d = workflow.receive(
        ward=ward,
        procedure=business,
        channel=Channel.IN_PERSON,
        received_at=AFTER,
        applicant_name="Trần Thị Bình",
        by=officer_datdai,
    )
    Dossier.objects.filter(pk=d.pk).update(log_number=1234)
    client.force_login(officer_datdai)
    detail = _text(client.get(reverse("dossiers:detail", args=[d.pk])))
    assert "Quyển số 1 (2025), số thứ tự 1234" in detail
    assert "Vào Sổ theo dõi hồ sơ, Quyển số 1, Số thứ tự 1234" in _print(client, d, "receipt")


def test_counter_records_how_the_result_is_delivered(client, ward, business, officer_datdai):
    from tests.form_tokens import form_token

    client.force_login(officer_datdai)
    response = client.post(
        reverse("dossiers:create"),
        {
            "procedure": business.code,
            "channel": Channel.IN_PERSON,
            "received_at": "2026-12-01T09:00",
            "backdate_reason": "Nhập lại hồ sơ giấy",
            "applicant_name": "Lê Văn Cường",
            "sets": 1,
            "result_delivery": ResultDelivery.ONLINE,
            **form_token(client.get(reverse("dossiers:create"))),
            "checklist": [str(p.pk) for p in business.documents.all()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    d = ward.dossiers.get()
    assert d.result_delivery == ResultDelivery.ONLINE
    assert d.papers.count() == business.documents.count()


def test_log_numbers_run_per_ward_and_year_and_a_refused_reception_leaves_no_gap(
    make_dossier, business, other_ward
):
    first = make_dossier(business, at(2025, 12, 30, 9), code="BH-X-1")
    with pytest.raises(WorkflowError):
        make_dossier(business, at(2025, 12, 30, 10), code="BH-X-1")  # duplicate code: rolled back
    second = make_dossier(business, at(2025, 12, 31, 9))
    next_year = make_dossier(business, at(2026, 1, 5, 9))
    elsewhere = make_dossier(business, at(2025, 12, 31, 9), ward_=other_ward)
    assert [(d.log_year, d.log_number) for d in (first, second, next_year, elsewhere)] == [
        (2025, 1),
        (2025, 2),
        (2026, 1),
        (2025, 1),
    ]
    # A new paper book: the administrator sets the volume; numbering goes on.
    LogCounter.objects.filter(ward=first.ward, year=2026).update(volume=2)
    assert (
        make_dossier(business, at(2026, 1, 6, 9)).log_volume,
        LogCounter.objects.get(ward=first.ward, year=2026).last,
    ) == (2, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_receptions_get_consecutive_log_numbers(ward, officer_datdai, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL: DATABASE_URL=postgres://...")
    from dossiers.models import Dossier, Procedure

    procedure = Procedure.objects.get(code="2.000720")
    errors: list[Exception] = []
    barrier = threading.Barrier(20)

    def work(i: int) -> None:
        try:
            barrier.wait()
            workflow.receive(
                ward=ward,
                procedure=procedure,
                channel=Channel.IN_PERSON,
                received_at=AFTER,
                applicant_name="Người {}".format(i),
                by=officer_datdai,
                # every fifth one clashes on its code and is rolled back: its number comes back
                code="TRUNG" if i % 5 == 0 else None,
            )
        except WorkflowError as exc:
            errors.append(exc)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # four share the code "TRUNG": one is logged, three are refused as duplicates
    assert len(errors) == 3 and all(isinstance(e, WorkflowError) for e in errors), errors
    numbers = sorted(Dossier.objects.filter(ward=ward).values_list("log_number", flat=True))
    assert numbers == list(range(1, 18))
    assert LogCounter.objects.get(ward=ward, year=2025).last == 17


# --- 3. Apology and extension request (04) ---------------------------------------------------------


def test_extension_moves_the_due_moment_only_on_the_leaders_approval(
    make_dossier, business, officer_datdai, chairperson
):
    d = make_dossier(business, AFTER)  # due 17:00 Thu 10/07/2025
    due = d.due_at
    new_due = at(2025, 7, 16, 17)
    ext = workflow.request_extension(
        d, by=officer_datdai, at=at(2025, 7, 9, 9), reason="Chờ ý kiến Chi cục Thuế", new_due_at=new_due
    )
    d.refresh_from_db()
    assert ext.status == Extension.Status.PENDING and d.due_at == due
    assert ext.letter.new_due_date == date(2025, 7, 16) and not ext.letter.issued_late
    with pytest.raises(WorkflowError, match="lãnh đạo"):
        workflow.decide_extension(d, by=officer_datdai, at=at(2025, 7, 9, 10), approve=True)
    d.refresh_from_db()
    assert d.due_at == due
    workflow.decide_extension(d, by=chairperson, at=at(2025, 7, 10, 8), approve=True, note="Đồng ý")
    d.refresh_from_db()
    ext.refresh_from_db()
    assert ext.status == Extension.Status.APPROVED and ext.decided_by == chairperson
    assert d.due_at == new_due and d.due_date == date(2025, 7, 16)
    change = d.due_changes.order_by("-effective_at").first()
    assert (change.kind, change.effective_at, change.due_at) == (
        DueChange.Kind.EXTENSION,
        at(2025, 7, 10, 8),
        new_due,
    )
    kinds = list(DossierEvent.objects.filter(dossier=d).values_list("kind", flat=True))
    assert kinds[-2:] == ["request_extension", "approve_extension"]
    # resolved on 15/07, before the approved moment: not late
    workflow.resolve(d, by=officer_datdai, at=at(2025, 7, 15, 9))
    d.refresh_from_db()
    assert deadlines.classify_closed(d) == deadlines.BEFORE


def test_a_refused_extension_changes_nothing(make_dossier, business, officer_datdai, chairperson):
    d = make_dossier(business, AFTER)
    due = d.due_at
    workflow.request_extension(
        d, by=officer_datdai, at=at(2025, 7, 8, 9), reason="Chậm", new_due_at=at(2025, 7, 18, 17)
    )
    with pytest.raises(WorkflowError, match="chờ lãnh đạo"):
        workflow.request_extension(
            d, by=officer_datdai, at=at(2025, 7, 8, 10), reason="Lần 2", new_due_at=at(2025, 7, 21, 17)
        )
    workflow.decide_extension(d, by=chairperson, at=at(2025, 7, 8, 11), approve=False, note="Không có căn cứ")
    d.refresh_from_db()
    assert d.due_at == due and not d.due_changes.filter(kind=DueChange.Kind.EXTENSION).exists()
    with pytest.raises(WorkflowError, match="Thời điểm hẹn trả mới"):
        workflow.request_extension(d, by=officer_datdai, at=at(2025, 7, 8, 12), reason="Chậm", new_due_at=due)


def test_extension_approved_later_does_not_move_the_figures_of_an_ended_period(
    make_dossier, business, officer_datdai, chairperson, ward
):
    d = make_dossier(business, at(2025, 7, 7, 9))  # due 10/07
    workflow.request_extension(
        d, by=officer_datdai, at=at(2025, 7, 9, 9), reason="Chờ xác minh", new_due_at=at(2025, 7, 25, 17)
    )
    july_first_half = periods.custom(date(2025, 7, 1), date(2025, 7, 14))

    def counts(period):
        return sum(indicators.dossier_counts([ward.id], period).values(), indicators.DossierCounts())

    before = counts(july_first_half)
    assert (before.in_progress, before.in_progress_overdue) == (1, 1)  # pending: the old moment holds
    workflow.decide_extension(d, by=chairperson, at=at(2025, 7, 15, 8), approve=True)
    after = counts(july_first_half)
    assert after == before
    later = counts(periods.custom(date(2025, 7, 15), date(2025, 7, 20)))
    assert (later.in_progress, later.in_progress_within, later.in_progress_overdue) == (1, 1, 0)
    # The report's late sheet shows the request as it stood at the period's end.
    wb = Workbook(write_only=True)
    write_late(wb, Scope.for_ward(ward), july_first_half)
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = load_workbook(buffer)["Hồ sơ trễ hạn"]
    assert ws.cell(row=3, column=16).value == "Gia hạn (mẫu 04)"
    assert ws.cell(row=4, column=16).value == "Đề nghị gia hạn đến 17:00 25/07/2025, chờ duyệt"


def test_leader_sees_the_approval_and_form_04_prints_the_request(
    client, make_dossier, business, officer_datdai, chairperson
):
    d = make_dossier(business, AFTER)
    workflow.request_extension(
        d,
        by=officer_datdai,
        at=at(2025, 7, 9, 9),
        reason="Chờ ý kiến Chi cục Thuế",
        new_due_at=at(2025, 7, 16, 17),
    )
    client.force_login(officer_datdai)
    page = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    assert 'data-testid="pending-extension"' in page and 'data-move="approve_extension"' not in page
    letter = _print(client, d, "apology")
    assert "Mẫu số 04" in letter and "17 giờ 00 phút, ngày 16/07/2025" in letter
    assert "chờ lãnh đạo duyệt" in letter
    client.force_login(chairperson)
    page = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    assert 'data-move="approve_extension"' in page and 'data-move="refuse_extension"' in page
    response = client.post(
        reverse("dossiers:move", args=[d.pk, "approve_extension"]),
        {"approve_extension-at": "2025-07-10T08:00", "approve_extension-note": "Đồng ý"},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.due_date == date(2025, 7, 16)
    assert "Lãnh đạo đã duyệt gia hạn lúc 08:00 10/07/2025" in _print(client, d, "apology")


# --- 5. Biểu 06 wording ----------------------------------------------------------------------------

OFFICIAL_HEADERS = [
    "Lĩnh vực, công việc giải quyết theo cấp",
    "Số hồ sơ nhận giải quyết",
    "Trong đó",
    "Kết quả giải quyết",
    "Số hồ sơ đã giải quyết",
    "Số lượng hồ sơ đang giải quyết",
]


def test_bieu06_sheet_has_the_official_header_texts_in_the_same_layout(ward, make_dossier, business):
    make_dossier(business, AFTER)
    period = periods.month(2025, 7)
    scope = Scope.for_ward(ward)
    wb = Workbook(write_only=True)
    write_bieu06(wb, scope, period, figures(scope, period), ReportMeta())
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = load_workbook(buffer)["Biểu 06"]
    texts = {ws.cell(row=r, column=c).value for r in range(1, 14) for c in range(1, 14)}
    for header in OFFICIAL_HEADERS + [
        "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP",
        "Biểu số 06/VPCP/KSTT",
    ]:
        assert header in texts, header
    assert "Lĩnh vực giải quyết" not in texts
    # the layout: header rows 10-12, the column numbers on row 13, groups where they were
    assert [ws.cell(row=13, column=c).value for c in (1, 3, 7, 11, 13)] == [
        "(1)",
        "(3)",
        "(7)",
        "(11)",
        "(13)",
    ]
    assert (ws.cell(row=10, column=3).value, ws.cell(row=10, column=7).value) == (
        "Số hồ sơ nhận giải quyết",
        "Kết quả giải quyết",
    )
    assert (ws.cell(row=11, column=7).value, ws.cell(row=11, column=11).value) == (
        "Số hồ sơ đã giải quyết",
        "Số lượng hồ sơ đang giải quyết",
    )
    assert ws.cell(row=find_total_row(ws), column=3).value == 1  # the total, where it was


def test_bieu06_html_table_has_the_official_header_texts(client, officer_tuphap, ward):
    client.force_login(officer_tuphap)
    page = _text(
        client.get(reverse("reports:index"), {"ward": ward.code, "from": "2025-07-01", "to": "2025-07-31"})
    )
    for header in OFFICIAL_HEADERS + ["Ban hành kèm theo Thông tư số 01/2020/TT-VPCP"]:
        assert header in page, header


def test_stopped_dossier_status_is_still_stopped(make_dossier, business, officer_datdai):
    d = make_dossier(business, AFTER)
    workflow.stop(d, by=officer_datdai, at=AFTER.replace(hour=10), reason="Dừng", legal_basis="Điều 18")
    d.refresh_from_db()
    assert (d.status, d.cancel_basis) == (Status.STOPPED, "Điều 18")


def test_correcting_the_list_of_documents_rewrites_the_papers(make_dossier, business, officer_datdai):
    d = make_dossier(business, AFTER, documents="Tờ khai (bản chính, 1)")
    workflow.edit(
        d,
        by=officer_datdai,
        at=AFTER.replace(hour=10),
        expected_version=d.version,
        changes={"documents": "Tờ khai (bản chính, 1)\nBản sao giấy chứng nhận (bản sao, 3)"},
    )
    assert [(p.name, p.kind, p.copies) for p in d.papers.all()] == [
        ("Tờ khai", "original", 1),
        ("Bản sao giấy chứng nhận", "copy", 3),
    ]


def test_migration_gives_earlier_dossiers_log_entries_and_papers(make_dossier, business):
    import importlib

    from django.apps import apps

    from dossiers.models import Dossier, DossierDocument

    seed = importlib.import_module("dossiers.migrations.0010_forms2025_seed")
    second = make_dossier(business, at(2025, 3, 4, 9), documents="Tờ khai (bản chính, 1)\nẢnh")
    first = make_dossier(business, at(2025, 3, 3, 9))
    # as the rows stood before the migration
    Dossier.objects.update(log_year=None, log_volume=None, log_number=None)
    DossierDocument.objects.all().delete()
    LogCounter.objects.all().delete()
    seed.backfill(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.log_number, second.log_number) == (1, 2)  # in the order received
    assert [(p.name, p.kind) for p in second.papers.all()] == [("Tờ khai", "original"), ("Ảnh", "")]
    assert make_dossier(business, at(2025, 3, 5, 9)).log_number == 3
