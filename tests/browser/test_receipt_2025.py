"""The counter logs a dossier today (the Thông tư 03/2025 set) and prints the complete receipt."""

import re

import pytest

from dossiers.demo import load_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receipt_prints_unit_log_entry_papers_and_delivery(page, login, officer_tuphap):
    load_catalogue()
    login("tuphap")
    page.goto(page.base_url + "/dossiers/new/")
    page.fill("#id_procedure", "2.000720 - Đăng ký thành lập hộ kinh doanh")
    page.fill("#id_applicant_name", "Nguyễn Văn An")
    page.fill("#id_documents", "Giấy đề nghị đăng ký hộ kinh doanh (bản chính, 1)\nBản sao CCCD (bản sao, 2)")
    page.select_option("#id_result_delivery", "post")
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    page.wait_for_url(re.compile(r"/dossiers/\d+/$"))

    page.get_by_test_id("print-receipt").click()
    assert page.get_by_test_id("form-number").inner_text() == "Mẫu số 01"
    assert page.get_by_test_id("form-unit").inner_text() == (
        "Trung tâm phục vụ hành chính công Phường Bình Hưng"
    )
    assert "Thông tư số 03/2025/TT-VPCP" in page.get_by_test_id("form-basis").inner_text()
    assert page.get_by_test_id("receipt-log").inner_text() == (
        "Vào Sổ theo dõi hồ sơ, Quyển số 1, Số thứ tự 1"
    )
    papers = page.get_by_test_id("receipt-papers").inner_text()
    assert "Bản sao CCCD\tBản sao\t2" in papers
    assert page.get_by_test_id("receipt-delivery").inner_text() == "Qua dịch vụ bưu chính công ích"
    assert re.search(
        r"\d{2} giờ \d{2} phút, ngày \d{2}/\d{2}/\d{4}", page.get_by_test_id("receipt-due").inner_text()
    )
    assert page.get_by_test_id("qr-link").count() == 1
