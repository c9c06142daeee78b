"""Issue 14's personal-data defect as people meet it: the field officer reads the own applicants in
the register; the city viewer reads them masked and asks, with a reason, to see them once."""

from __future__ import annotations

import pytest

from dossiers import workflow
from dossiers.demo import load_catalogue
from dossiers.models import Channel, Procedure
from parindex.base.models import AccessLog
from tests.dossiers_fixtures import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dossier(ward, officer_datdai):
    load_catalogue()
    procedure = Procedure.objects.get(code="2.000720")
    procedure.field.officers.add(officer_datdai)
    return workflow.receive(
        ward=ward,
        procedure=procedure,
        channel=Channel.IN_PERSON,
        received_at=at(2024, 3, 4, 9),
        applicant_name="Nguyễn Văn An",
        by=officer_datdai,
        applicant_id_number="079123456789",
        applicant_phone="0912345678",
        applicant_address="12 Trần Hưng Đạo, Phường Bình Hưng",
    )


def test_field_officer_reads_the_own_applicants_in_the_register(page, login, dossier):
    login("diachinh")
    page.goto(page.base_url + "/dossiers/")
    row = page.get_by_test_id("dossier-table").locator("tbody tr").first
    assert "0912345678" in row.inner_text() and "079123456789" in row.inner_text()


def test_city_viewer_sees_masked_data_and_shows_it_once_with_a_reason(page, login, dossier, city_viewer):
    login("thanhpho")
    page.goto(page.base_url + "/dossiers/{}/".format(dossier.pk))
    assert page.get_by_test_id("applicant-phone").inner_text() == "091••••678"
    assert page.get_by_test_id("applicant-id-number").inner_text() == "•••••••••789"
    page.get_by_test_id("reveal").click()  # no reason yet
    page.get_by_text("Hãy ghi lý do cần xem đầy đủ.").wait_for()
    assert page.get_by_test_id("applicant-phone").inner_text() == "091••••678"
    page.get_by_label("Lý do cần xem đầy đủ").fill("Xác minh phản ánh của công dân")
    page.get_by_test_id("reveal").click()
    page.get_by_test_id("applicant-phone").filter(has_text="0912345678").wait_for()
    assert page.get_by_test_id("applicant-address").inner_text() == "12 Trần Hưng Đạo, Phường Bình Hưng"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.note) == (city_viewer, "show detail", "Xác minh phản ánh của công dân")
    page.goto(page.base_url + "/dossiers/{}/".format(dossier.pk))
    assert page.get_by_test_id("applicant-phone").inner_text() == "091••••678"
