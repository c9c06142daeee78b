"""The counter: procedure by code or words, fee and appointment date before saving, save and print."""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers.demo import load_catalogue_documents
from dossiers.models import Dossier
from tests.dossiers_fixtures import *  # noqa: F403
from tests.form_tokens import form_token

CREATE = reverse("dossiers:create")


@pytest.fixture(autouse=True)
def papers(catalogue):
    """Birth registration gets the demo's four papers (three required) in the catalogue."""
    load_catalogue_documents()


def _papers(procedure, *, required_only: bool = True) -> list[str]:
    rows = procedure.documents.filter(required=True) if required_only else procedure.documents.all()
    return [str(p.pk) for p in rows]


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
@pytest.mark.parametrize(
    "typed", ["khai sinh", "KHAI SINH", "đăng ký khai sinh", "dang ky khai sinh", "1.001193"]
)
def test_procedure_found_by_words_with_or_without_diacritics_or_by_code(client, officer_tuphap, birth, typed):
    client.force_login(officer_tuphap)
    response = _post(client, typed, checklist=_papers(birth))
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
    assert 'data-testid="preview-due"><strong>17:00 11/03/2024</strong>' in body
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
    response = _post(client, "khai sinh", checklist=_papers(birth))
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="print-frame"' in detail and "print/01/?autoprint=1" in detail
    assert 'data-testid="print-frame"' not in client.get(response["Location"]).content.decode()
    printed = client.get(reverse("dossiers:print", args=[Dossier.objects.get().pk, "01"]), {"autoprint": "1"})
    assert 'data-autoprint="1"' in printed.content.decode()


@freeze_time("2024-03-06 10:00:00+07:00")
def test_checklist_from_the_catalogue_fills_the_documents_and_guards_required_papers(
    client, officer_tuphap, birth
):
    client.force_login(officer_tuphap)
    box = client.post(
        CREATE, {"procedure": "khai sinh", "preview": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert box.count('name="checklist"') == 4 and box.count('data-required="1"') == 3
    # a required paper missing: refused, nothing saved, the checklist stays with its ticks
    some = _papers(birth)[:2]
    refused = _post(client, "khai sinh", checklist=some)
    assert "Còn thiếu giấy tờ bắt buộc: Giấy tờ tùy thân của người đi đăng ký." in refused.content.decode()
    assert refused.context["preview"]["ticked"] == set(some)
    assert not Dossier.objects.exists()
    # all required ticked, plus a line typed by hand
    _post(client, "khai sinh", checklist=_papers(birth), documents="Sổ hộ khẩu (bản sao, 1)")
    assert Dossier.objects.get().documents.splitlines() == [
        "Tờ khai đăng ký khai sinh theo mẫu (bản chính, 1)",
        "Giấy chứng sinh (bản chính, 1)",
        "Giấy tờ tùy thân của người đi đăng ký (bản chính hoặc bản sao, 1)",
        "Sổ hộ khẩu (bản sao, 1)",
    ]


def _workbook_bytes(client) -> bytes:
    return b"".join(client.get(reverse("dossiers:catalogue_export")).streaming_content)


def test_catalogue_excel_carries_the_papers_and_imports_them_all_or_nothing(client, administrator, birth):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    client.force_login(administrator)
    book = load_workbook(io.BytesIO(_workbook_bytes(client)))
    papers = book["Thành phần hồ sơ"]
    rows = list(papers.iter_rows(values_only=True))
    assert rows[0] == (
        "Mã TTHC",
        "Áp dụng từ ngày",
        "Tên giấy tờ",
        "Bản chính / bản sao",
        "Số bản",
        "Bắt buộc (có/không)",
    )
    assert rows[1][0] == "1.001193" and rows[1][2:] == (
        "Tờ khai đăng ký khai sinh theo mẫu",
        "bản chính",
        1,
        "có",
    )
    assert len(rows) == 1 + birth.documents.count()

    def upload(book) -> object:
        buf = io.BytesIO()
        book.save(buf)
        return client.post(
            reverse("dossiers:catalogue_import"),
            {"file": SimpleUploadedFile("c.xlsx", buf.getvalue())},
            follow=True,
        )

    # a bad cell on the papers sheet: a message naming sheet, row and column; nothing changes
    papers.cell(row=3, column=4).value = "bản photo"
    # (the import runs on the worker: its job page says what was wrong)
    response = upload(book)
    html = response.content.decode()
    assert 'data-status="failed"' in html
    assert "Trang “Thành phần hồ sơ”, dòng 3, cột “Bản chính / bản sao”" in html
    assert birth.documents.count() == 4
    # the papers of a version are replaced by the sheet's, in its order
    papers.cell(row=3, column=4).value = "bản sao"
    papers.delete_rows(4, 2)
    assert 'data-status="done"' in upload(book).content.decode()
    assert [(d.name, d.kind, d.required) for d in birth.documents.order_by("position")] == [
        ("Tờ khai đăng ký khai sinh theo mẫu", "original", True),
        ("Giấy chứng sinh", "copy", True),
    ]
