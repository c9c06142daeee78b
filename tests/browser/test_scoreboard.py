"""The city viewer opens the QĐ 766 scoreboard, picks a month and follows a ward to its page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dossiers import workflow
from dossiers.models import Channel
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_viewer_reads_the_scoreboard_and_a_ward(
    page, login, city_viewer, ward, other_ward, officer_tuphap, birth
):
    d = workflow.receive(
        ward=ward, procedure=birth, channel=Channel.ONLINE, received_at=at(2024, 5, 6, 9),
        applicant_name="Nguyễn Văn A", by=officer_tuphap, digitised_at_reception=True,
    )  # fmt: skip
    workflow.resolve(d, by=officer_tuphap, at=at(2024, 5, 6, 10), electronic_result=True)
    login("thanhpho")
    page.goto(page.base_url + "/dashboard/index766/")
    page.select_option("#si-kind", "month")
    page.fill("#si-year", "2024")
    page.select_option("#si-month", "5")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("period-label")).to_contain_text("01/05/2024 - 31/05/2024")
    row = page.get_by_test_id("rank-row-BH")
    expect(row).to_contain_text("Phường Bình Hưng")
    expect(page.get_by_test_id("index-chart").locator("svg rect").first).to_be_attached()
    row.get_by_role("link", name="Phường Bình Hưng").click()
    page.wait_for_url("**/dashboard/index766/ward/**")
    expect(page.get_by_test_id("group-progress")).to_contain_text("20,00")
    expect(page.get_by_test_id("sub-progress.in_time")).to_contain_text("Biểu 06")
