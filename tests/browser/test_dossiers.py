"""An officer logs a dossier at the counter, prints its receipt and resolves it."""

import re

import pytest

from dossiers.demo import load_catalogue
from dossiers.models import Dossier, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_a_dossier_prints_receipt_and_resolves_it(page, login, officer_tuphap):
    load_catalogue()
    login("tuphap")
    page.goto(page.base_url + "/dossiers/")
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    page.fill("#id_procedure", "2.000720 - Đăng ký thành lập hộ kinh doanh")
    page.fill("#id_applicant_name", "Nguyễn Văn An")
    page.fill("#id_applicant_id_number", "079123456789")
    page.fill("#id_applicant_phone", "0912345678")
    page.fill("#id_documents", "Giấy đề nghị đăng ký hộ kinh doanh\nBản sao CCCD")
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    page.wait_for_url(re.compile(r"/dossiers/\d+/$"))
    code = page.get_by_test_id("dossier-code").inner_text()
    assert re.fullmatch(r"BH-\d{4}-000001", code)
    assert page.get_by_test_id("dossier-status").inner_text() == "Đã tiếp nhận"

    page.get_by_test_id("print-receipt").click()
    assert (
        page.get_by_test_id("print-title").inner_text().upper() == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    )
    assert page.locator("svg").count() >= 1
    assert code in page.content()
    page.go_back()

    page.locator("details[data-move=resolve] summary").click()
    page.get_by_test_id("do-resolve").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dossier-status").inner_text() == "Đã có kết quả"
    assert Dossier.objects.get(code=code).status == Status.RESOLVED
