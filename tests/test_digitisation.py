"""Digitisation and payment facts per dossier: entered at the counter with the procedure's
defaults, one source per document, corrected in the edit screen with history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from dossiers.demo import load_catalogue_documents
from dossiers.models import Channel, DocumentSource, Dossier, DossierEvent
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

CREATE = reverse("dossiers:create")


def _post(client, procedure: str, **extra):
    data = {
        "procedure": procedure,
        "channel": "in_person",
        "received_at": "2024-03-06T09:30",
        "applicant_name": "Nguyễn Văn An",
        "sets": "1",
        **form_token(client.get(CREATE)),
        **extra,
    }
    return client.post(CREATE, data)


@freeze_time("2024-03-06 10:00:00+07:00")
def test_online_dossier_of_a_fee_bearing_procedure_is_paid_online_by_default(
    client, officer_tuphap, business
):
    business.online_payment = True
    business.save()
    client.force_login(officer_tuphap)
    response = _post(client, "2.000720", channel="online", payment_reference="VNPAY-123")
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.fee == Decimal("100000") and d.paid_online is True and d.payment_reference == "VNPAY-123"


@freeze_time("2024-03-06 10:00:00+07:00")
def test_counter_dossier_is_not_paid_online_unless_the_officer_says_so(client, officer_tuphap, business):
    business.online_payment = True
    business.save()
    client.force_login(officer_tuphap)
    assert _post(client, "2.000720").status_code == 302
    assert Dossier.objects.get().paid_online is False
    assert _post(client, "2.000720", paid_online="yes", applicant_name="Trần B").status_code == 302
    assert Dossier.objects.get(applicant_name="Trần B").paid_online is True


@freeze_time("2024-03-06 10:00:00+07:00")
def test_online_payment_of_a_dossier_without_fee_is_refused_and_nothing_saved(
    client, officer_tuphap, catalogue
):
    load_catalogue_documents()
    client.force_login(officer_tuphap)
    response = _post(client, "1.001193", paid_online="yes")
    assert response.status_code == 200
    assert "không thể ghi nhận thanh toán trực tuyến" in str(response.context["form"].non_field_errors())
    assert not Dossier.objects.exists()


@freeze_time("2024-03-06 10:00:00+07:00")
def test_each_checklist_paper_records_how_it_is_held(client, officer_tuphap, birth):
    load_catalogue_documents()
    client.force_login(officer_tuphap)
    papers = list(birth.documents.filter(required=True))
    response = _post(
        client,
        "1.001193",
        checklist=[str(p.pk) for p in papers],
        **{"docsrc_{}".format(papers[1].pk): "reused", "docsrc_{}".format(papers[2].pk): "paper"},
        documents="Giấy xác nhận cư trú",
        digitised_at_reception="on",  # the typed line: digitised
    )
    assert response.status_code == 302
    d = Dossier.objects.get()
    rows = list(d.papers.values_list("name", "source"))
    assert [s for _n, s in rows] == ["digitised", "reused", "paper", "digitised"]
    assert rows[3][0] == "Giấy xác nhận cư trú"
    # one paper document: not every document digitised; one reused
    assert d.digitised_at_reception is False and d.reused_data is True


@freeze_time("2024-03-06 10:00:00+07:00")
def test_preview_shows_the_source_choice_beside_each_paper(client, officer_tuphap, birth):
    load_catalogue_documents()
    client.force_login(officer_tuphap)
    response = client.post(
        CREATE,
        {"preview": "1", "procedure": "1.001193", "received_at": "2024-03-06T09:30"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    paper = birth.documents.first()
    assert 'name="docsrc_{}"'.format(paper.pk) in html
    assert html.count("<select") == birth.documents.count()


def _dossier(procedure, by, ward, **extra):
    return workflow.receive(
        ward=ward,
        procedure=procedure,
        channel=Channel.IN_PERSON,
        received_at=at(2024, 3, 4, 9),
        applicant_name="Lê Văn C",
        by=by,
        documents="Tờ khai\nGiấy tờ tùy thân",
        **extra,
    )


def test_receive_without_sources_keeps_the_dossier_level_flags(officer_tuphap, ward, birth):
    d = _dossier(birth, officer_tuphap, ward, digitised_at_reception=True, citizen_data_connected=True)
    # the papers are listed for form 01 all the same; each follows the dossier's flag
    assert list(d.papers.values_list("name", "source")) == [
        ("Tờ khai", "digitised"),
        ("Giấy tờ tùy thân", "digitised"),
    ]
    assert d.digitised_at_reception is True and d.citizen_data_connected is True
    paper = _dossier(birth, officer_tuphap, ward, digitised_at_reception=False)
    assert set(paper.papers.values_list("source", flat=True)) == {"paper"}
    assert paper.digitised_at_reception is False


def test_edit_changes_a_document_source_and_records_it(officer_tuphap, ward, birth):
    d = _dossier(birth, officer_tuphap, ward, document_sources=["digitised", "digitised"])
    assert d.digitised_at_reception is True and d.reused_data is False
    second = d.papers.get(position=2)
    workflow.edit(
        d,
        by=officer_tuphap,
        at=at(2024, 3, 4, 10),
        expected_version=d.version,
        changes={"citizen_data_connected": True},
        document_sources={second.pk: DocumentSource.REUSED},
    )
    d.refresh_from_db()
    assert d.reused_data is True and d.digitised_at_reception is True and d.citizen_data_connected is True
    event = DossierEvent.objects.filter(dossier=d, kind="edit").get()
    assert "Giấy tờ tùy thân: Tái sử dụng dữ liệu đã số hóa" in event.note
    assert "kết nối dữ liệu dân cư" in event.note
    second.refresh_from_db()
    assert second.history.count() == 2
    assert d.history.first().reused_data is True


def test_payment_reference_without_online_payment_is_refused(officer_tuphap, ward, business):
    with pytest.raises(workflow.WorkflowError):
        _dossier(business, officer_tuphap, ward, payment_reference="X1")


def test_result_synced_needs_an_electronic_result(officer_tuphap, ward, birth):
    d = _dossier(birth, officer_tuphap, ward)
    with pytest.raises(workflow.WorkflowError):
        workflow.resolve(d, by=officer_tuphap, at=at(2024, 3, 4, 11), result_synced=True)
    workflow.resolve(d, by=officer_tuphap, at=at(2024, 3, 4, 11), electronic_result=True, result_synced=True)
    d.refresh_from_db()
    assert d.electronic_result and d.result_synced


@freeze_time("2024-03-06 10:00:00+07:00")
def test_edit_page_lists_one_source_per_document(client, chairperson, ward, birth):
    d = _dossier(birth, chairperson, ward, document_sources=["paper", "digitised"])
    client.force_login(chairperson)
    page = client.get(reverse("dossiers:edit", args=[d.pk]))
    first, second = d.papers.all()
    data = {
        "version": d.version,
        "applicant_name": d.applicant_name,
        "sets": 1,
        "fee": 0,
        "docsrc_{}".format(first.pk): "digitised",
        "docsrc_{}".format(second.pk): "digitised",
    }
    assert 'name="docsrc_{}"'.format(first.pk) in page.content.decode()
    response = client.post(reverse("dossiers:edit", args=[d.pk]), data)
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.digitised_at_reception is True
