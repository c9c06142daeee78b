import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_sees_vietnamese_home_and_switches_to_english(page, login, officer_tuphap):
    login("tuphap")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Trang chủ").is_visible()
    assert page.get_by_role("link", name="Hồ sơ", exact=True).is_visible()
    assert "Phường Bình Hưng" in page.get_by_test_id("current-ward").inner_text()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Home").is_visible()
    assert page.get_by_role("link", name="Dossiers", exact=True).is_visible()
