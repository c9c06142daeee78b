"""The chairperson opens the dashboard, changes the period and follows a number to its list."""

# ruff: noqa: F811  (fixtures imported from test_indicators)
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.test_indicators import fields_, scenario  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chairperson_changes_period_and_follows_a_number(page, login, chairperson, scenario):
    login("chutich")
    page.goto(page.base_url + "/dashboard/")
    assert page.get_by_role("heading", name="Bảng điều khiển: Phường Bình Hưng").is_visible()

    # Change the period to March 2024 through the picker (htmx swaps the body).
    page.select_option("#pp-kind", "month")
    page.fill("#pp-year", "2024")
    page.select_option("#pp-month", "3")
    page.get_by_role("button", name="Xem").click()
    # expect() polls without eval(), which the Content-Security-Policy refuses in the page.
    expect(page.get_by_test_id("period-label")).to_contain_text("01/03/2024 - 31/03/2024")
    assert "kind=month" in page.url  # hx-push-url keeps the address shareable
    total = page.get_by_test_id("bieu06-total")
    assert total.locator("td").nth(9).inner_text() == "3"  # column 11: in progress

    # "3 in progress" opens the dossier list filtered to exactly those three.
    total.locator("td").nth(9).locator("a").click()
    page.wait_for_url("**/dossiers/**")
    query = parse_qs(urlparse(page.url).query)
    assert query["bucket"] == ["in_progress"]
    assert (query["from"], query["to"], query["ward"]) == (["2024-03-01"], ["2024-03-31"], ["BH"])
    rows = page.get_by_test_id("dossier-table").locator("tbody tr")
    assert rows.count() == 3
    codes = {rows.nth(i).locator("td").first.inner_text() for i in range(3)}
    assert codes == {
        scenario["carried_overdue"].code,
        scenario["open_due_last_day"].code,
        scenario["resolved_after"].code,
    }
