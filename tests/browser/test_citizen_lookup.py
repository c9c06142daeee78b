"""The applicant follows a dossier from the printed receipt: the QR code's link (read from the
receipt page, nothing is scanned) opens the status without login; once the result exists the
same page offers the rating."""

import pytest

from dossiers import workflow
from dossiers.demo import load_catalogue
from dossiers.models import Procedure, Rating
from tests.dossiers_fixtures import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_receipts_qr_link_leads_to_the_status_and_then_the_rating(
    page, browser, login, ward, officer_datdai
):
    load_catalogue()
    dossier = workflow.receive(
        ward=ward,
        procedure=Procedure.objects.get(code="2.000720"),
        channel="in_person",
        received_at=at(2024, 3, 4, 9),
        applicant_name="Nguyễn Văn An",
        applicant_phone="0905123456",
        by=officer_datdai,
    )
    login("diachinh")
    page.goto(page.base_url + "/dossiers/{}/print/01/".format(dossier.pk))
    link = page.get_by_test_id("qr-link").get_attribute("href")
    assert "/tra-cuu/" in link

    citizen = browser.new_context(locale="vi-VN").new_page()
    citizen.goto(link)
    assert citizen.get_by_test_id("status").inner_text() == "Đã tiếp nhận"
    assert citizen.get_by_test_id("masked-name").inner_text() == "N. V. An"
    assert "0905123456" not in citizen.content()
    assert citizen.get_by_test_id("rating-form").count() == 0

    # The same dossier by code and the last four digits of the phone.
    citizen.goto(page.base_url + "/tra-cuu/")
    citizen.fill("#id_code", dossier.code)
    citizen.fill("#id_digits", "3456")
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.wait_for_url("**/tra-cuu/*/")
    assert citizen.get_by_test_id("status").inner_text() == "Đã tiếp nhận"

    workflow.resolve(dossier, by=officer_datdai, at=at(2024, 3, 5, 9))
    citizen.goto(link)
    assert citizen.get_by_test_id("result-ready").is_visible()
    citizen.get_by_label("Rất hài lòng").check()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    citizen.get_by_test_id("rating-done").wait_for()
    assert Rating.objects.get(dossier=dossier).value == "very"
    citizen.context.close()
