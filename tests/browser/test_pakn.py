"""A PAKN from the public page to the officer's reply and the petitioner's rating: the citizen sends
it without login and gets a tracking code, the ward's officer (who sees the petitioner's data in
full only by the rule) replies, the citizen looks it up by code and four digits and rates it."""

import re

import pytest

from dossiers.models import Petition, PetitionSubject, PetitionType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_petition_from_the_public_page_to_its_reply_and_rating(page, browser, login, ward, officer_tuphap,
                                                                 chairperson):  # fmt: skip
    # The flush of transactional tests removes the migration's default types.
    kind, _ = PetitionType.objects.get_or_create(
        code="PA-TTHC",
        defaults={"name": "Phản ánh về thủ tục hành chính", "subject": PetitionSubject.PROCEDURE},
    )
    citizen = browser.new_context(locale="vi-VN").new_page()
    citizen.goto(page.base_url + "/phan-anh/?ward=BH")
    assert citizen.locator("#id_ward option:checked").inner_text() == ward.name
    citizen.select_option("#id_petition_type", value=str(kind.pk))
    citizen.fill("#id_petitioner_name", "Phạm Thị Hoa")
    citizen.fill("#id_petitioner_phone", "0912345678")
    citizen.fill("#id_petitioner_address", "25 Lê Lợi, Bình Hưng")
    citizen.fill("#id_content", "Hẹn trả kết quả khai sinh ba lần chưa có.")
    citizen.get_by_test_id("pakn-submit").click()
    citizen.wait_for_load_state()
    code = citizen.get_by_test_id("pakn-code").inner_text()
    assert re.fullmatch(r"PA-BH-\d{6}-[A-Z0-9]{6}", code)
    assert code in citizen.locator(".messages").inner_text()
    assert citizen.get_by_test_id("pakn-state").inner_text() == "Mới tiếp nhận"
    assert "0912345678" not in citizen.content()
    assert citizen.get_by_test_id("pakn-rating-form").count() == 0

    # The chairperson hands it to the justice officer; the officer replies.
    login("chutich")
    page.goto(page.base_url + "/petitions/?list=open")
    page.get_by_test_id("petition-" + code).get_by_role("link").click()
    assert "0912345678" in page.get_by_test_id("petitioner").inner_text()  # a leader sees it in full
    page.select_option("#id_handler", label="Nguyễn Thị Lan")
    page.get_by_role("button", name="Giao", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("petition-handler").inner_text() == "Nguyễn Thị Lan"
    page.context.clear_cookies()
    login("tuphap")
    page.goto(page.base_url + "/petitions/?list=mine")
    page.get_by_test_id("petition-" + code).get_by_role("link").click()
    page.fill("#id_text", "Phường đã nhắc nhở cán bộ; kết quả trả ngày 09/03.")
    page.select_option("#id_outcome", value="upheld")
    page.get_by_role("button", name="Gửi trả lời").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("petition-status").inner_text().startswith("Đã trả lời")

    # The citizen looks it up by code and the phone's last four digits, reads the reply, rates it.
    citizen.goto(page.base_url + "/phan-anh/tra-cuu/")
    citizen.fill("#id_code", code.lower())
    citizen.fill("#id_digits", "1111")
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.wait_for_load_state()
    assert citizen.get_by_test_id("lookup-error").is_visible()
    citizen.fill("#id_code", code.lower())
    citizen.fill("#id_digits", "5678")
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.wait_for_load_state()
    assert "nhắc nhở cán bộ" in citizen.get_by_test_id("pakn-replies").inner_text()
    citizen.get_by_label("Hài lòng", exact=True).check()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    citizen.wait_for_load_state()
    assert "Hài lòng" in citizen.get_by_test_id("pakn-rated").inner_text()
    assert citizen.get_by_test_id("pakn-rating-form").count() == 0

    page.reload()
    assert page.get_by_test_id("petition-satisfaction").inner_text() == "Hài lòng"
    assert Petition.objects.get(code=code).satisfaction == "satisfied"
    citizen.context.close()
