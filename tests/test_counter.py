"""The counter: procedure by code or words, fee and appointment date before saving, save and print."""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers.models import Dossier
from tests.dossiers_fixtures import *  # noqa: F403

CREATE = reverse("dossiers:create")


def _post(client, procedure: str, **extra):
    data = {
        "procedure": procedure,
        "channel": "in_person",
        "received_at": "2024-03-06T09:30",
        "applicant_name": "Nguyễn Văn An",
        "sets": "1",
        **extra,
    }
    return client.post(CREATE, data)


@freeze_time("2024-03-06 10:00:00+07:00")
@pytest.mark.parametrize(
    "typed", ["khai sinh", "KHAI SINH", "đăng ký khai sinh", "dang ky khai sinh", "1.001193"]
)
def test_procedure_found_by_words_with_or_without_diacritics_or_by_code(client, officer_tuphap, birth, typed):
    client.force_login(officer_tuphap)
    response = _post(client, typed)
    assert response.status_code == 302
    assert Dossier.objects.get().procedure == birth


@freeze_time("2024-03-06 10:00:00+07:00")
def test_words_matching_several_procedures_ask_to_choose_and_save_nothing(client, officer_tuphap, catalogue):
    client.force_login(officer_tuphap)
    response = _post(client, "dang ky")
    message = response.context["form"].errors["procedure"][0]
    assert "khớp với" in message and "hãy chọn một" in message
    assert not Dossier.objects.exists()


@freeze_time("2024-03-06 10:00:00+07:00")
def test_preview_shows_fee_and_due_date_without_saving(client, officer_tuphap, business):
    client.force_login(officer_tuphap)
    # Wednesday 06/03/2024 09:30, business registration: 3 working days -> Monday 11/03/2024
    business.processing_days, business.fee = 3, 100000
    business.save()
    htmx = client.post(
        CREATE,
        {
            "procedure": business.code,
            "received_at": "2024-03-06T09:30",
            "channel": "in_person",
            "preview": "1",
        },
        headers={"HX-Request": "true"},
    )
    body = htmx.content.decode()
    assert 'data-testid="preview-due"><strong>11/03/2024</strong>' in body
    assert 'data-testid="preview-fee">100.000 đ' in body
    assert "<html" not in body
    # the same without JavaScript: the whole form comes back with the box, nothing saved
    plain = client.post(
        CREATE, {"procedure": "ho kinh doanh", "received_at": "2024-03-06T09:30", "preview": "1"}
    )
    assert plain.status_code == 200
    assert "11/03/2024" in plain.content.decode()
    assert plain.context["form"].initial["procedure"] == "ho kinh doanh"
    assert not Dossier.objects.exists()


@freeze_time("2024-03-06 10:00:00+07:00")
def test_saving_opens_the_receipt_print_once(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    response = _post(client, "khai sinh")
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="print-frame"' in detail and "print/01/?autoprint=1" in detail
    assert 'data-testid="print-frame"' not in client.get(response["Location"]).content.decode()
    printed = client.get(reverse("dossiers:print", args=[Dossier.objects.get().pk, "01"]), {"autoprint": "1"})
    assert 'data-autoprint="1"' in printed.content.decode()
