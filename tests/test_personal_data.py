"""One rule for applicants' personal data (Nghị định 13/2023, issue 11 item 3, issue 14).

Full ID, phone, e-mail and address only for the ward's officers handling the dossier's field and the
ward's leaders; masked for everyone else on every surface; an explicit, logged "show"; every response
carrying unmasked values leaves an ``AccessLog`` row.
"""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers import privacy, workflow
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.sent import mark_sent
from parindex.base.models import AccessLog, Membership, Role
from parindex.base.periods import custom
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

ID_NUMBER, PHONE, OLD_PHONE = "079123456789", "0912345678", "0987654321"
EMAIL, ADDRESS = "an.nguyen@example.vn", "12 Trần Hưng Đạo, Phường Bình Hưng"
FULL = {"id": ID_NUMBER, "phone": PHONE, "email": EMAIL, "address": ADDRESS, "old_phone": OLD_PHONE}
MASKED = {
    "id": "•••••••••789",
    "phone": "091••••678",
    "email": "a•••@example.vn",
    "address": "•••, Phường Bình Hưng",
    "old_phone": "098••••321",
}
REPORT_QUERY = "?ward=BH&from=2024-03-01&to=2024-03-31"


@pytest.fixture
def superuser(make_user):
    user = make_user("sieuquantri", role=Role.ADMIN, full_name="Hồ Văn Gốc", is_staff=True)
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def applicant_dossier(make_dossier, business, officer_datdai):
    """A business-registration dossier whose phone was corrected once (the history has old and new)."""
    d = make_dossier(
        business,
        at(2024, 3, 4, 9),
        applicant_id_number=ID_NUMBER,
        applicant_phone=OLD_PHONE,
        applicant_email=EMAIL,
        applicant_address=ADDRESS,
    )
    d.field.officers.add(officer_datdai)
    workflow.edit(
        d,
        by=officer_datdai,
        at=at(2024, 3, 4, 10),
        expected_version=d.version,
        changes={"applicant_phone": PHONE},
    )
    d.refresh_from_db()
    return d


# role fixture -> sees in full (True), masked (False), or the dossier is not found at all (None)
ROLES = {
    "officer_datdai": True,  # the officer handling the dossier's field (business registration)
    "officer_tuphap": False,  # an officer of the same ward, another field
    "chairperson": True,
    "city_viewer": False,
    "administrator": False,
    "superuser": False,
    "officer_other_ward": None,
}


def _text(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def _list(client, d):
    return _text(client.get(reverse("dossiers:index") + "?ward=BH")), {"id", "phone"}


def _detail(client, d):
    html = _text(client.get(reverse("dossiers:detail", args=[d.pk])))
    return html.split('id="history-title"')[0], {"id", "phone", "email", "address"}


def _print_01(client, d):
    return _text(client.get(reverse("dossiers:print", args=[d.pk, "01"]))), {
        "id",
        "phone",
        "email",
        "address",
    }


def _history(client, d):
    response = client.get(reverse("dossiers:detail", args=[d.pk]))
    if response.status_code == 404:
        return "", {"phone", "old_phone"}
    return _text(response).split('id="history-title"')[1], {"phone", "old_phone"}


def _xlsx(client, d):
    response = client.get(reverse("dossiers:index") + "?ward=BH&export=xlsx")
    ws = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == d.code]
    return " | ".join(" | ".join(str(v) for v in r) for r in rows), {"id", "phone"}


def _report_log(client, d):
    response = client.get(reverse("reports:download") + REPORT_QUERY)
    if response.status_code == 404:
        return "", {"phone", "address"}
    ws = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)["Sổ theo dõi"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == d.code]
    assert len(rows) == 1
    return "{} | {}".format(rows[0][8], rows[0][9]), {"phone", "address"}


SURFACES = {
    "list": (_list, "list"),
    "detail": (_detail, "view"),
    "print 01": (_print_01, "print 01"),
    "export xlsx": (_xlsx, "export xlsx"),
    "history": (_history, "view"),
    "report log": (_report_log, "report log"),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("role", ROLES)
def test_personal_data_matrix(request, client, applicant_dossier, role, surface):
    user = request.getfixturevalue(role)
    client.force_login(user)
    read, action = SURFACES[surface]
    text, keys = read(client, applicant_dossier)
    full = ROLES[role]
    for key in keys:
        if full is None:  # other ward: nothing of the applicant, masked or not
            assert FULL[key] not in text and MASKED[key] not in text, key
        elif full:
            assert FULL[key] in text and MASKED[key] not in text, key
        else:
            assert FULL[key] not in text and MASKED[key] in text, key
    logs = list(AccessLog.objects.values_list("user_id", "object_id", "action", "ward_id"))
    expected = [(user.id, str(applicant_dossier.pk), action, applicant_dossier.ward_id)] if full else []
    assert logs == expected


@pytest.mark.parametrize("url_name", ["dossiers:detail", "dossiers:print"])
def test_other_wards_officer_gets_404(client, applicant_dossier, officer_other_ward, url_name):
    client.force_login(officer_other_ward)
    args = [applicant_dossier.pk] + (["01"] if url_name == "dossiers:print" else [])
    assert client.get(reverse(url_name, args=args)).status_code == 404
    show = reverse("dossiers:reveal", args=[applicant_dossier.pk, "detail"])
    assert client.post(show, {"reason": "tò mò"}).status_code == 404
    assert client.get(reverse("reports:download") + REPORT_QUERY).status_code == 404
    assert not AccessLog.objects.exists()


def test_register_shows_the_field_officers_own_applicants_in_full(
    client, applicant_dossier, make_dossier, birth, officer_datdai
):
    # Issue 14: the register masked the ward officer's own applicants. A birth registration is not
    # officer_datdai's field: that row stays masked on the same page.
    other = make_dossier(
        birth, at(2024, 3, 5, 9), applicant_phone="0933444555", applicant_id_number="079000111222"
    )
    client.force_login(officer_datdai)
    html = client.get(reverse("dossiers:index")).content.decode()
    assert PHONE in html and ID_NUMBER in html
    assert "0933444555" not in html and "093••••555" in html and "•••••••••222" in html
    assert list(AccessLog.objects.values_list("object_id", "action")) == [(str(applicant_dossier.pk), "list")]
    assert other.pk != applicant_dossier.pk


def test_search_results_follow_the_rule(client, applicant_dossier, city_viewer, officer_datdai):
    url = reverse("dossiers:index") + "?ward=BH&q=" + PHONE
    client.force_login(city_viewer)
    html = client.get(url).content.decode()
    assert applicant_dossier.code in html and MASKED["phone"] in html
    # The searcher's own words come back in the links (export, pages); the rows stay masked.
    table = re.sub(r'href="[^"]*"', "", html.split('data-testid="dossier-table"')[1])
    assert PHONE not in table
    client.force_login(officer_datdai)
    html = client.get(url).content.decode()
    assert PHONE in re.sub(r'href="[^"]*"', "", html.split('data-testid="dossier-table"')[1])


@pytest.mark.parametrize("role", ["city_viewer", "administrator", "superuser", "officer_tuphap"])
def test_show_reveals_once_and_is_logged(request, client, applicant_dossier, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    detail = reverse("dossiers:detail", args=[applicant_dossier.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="reveal-form"' in page and PHONE not in page
    show = reverse("dossiers:reveal", args=[applicant_dossier.pk, "detail"])
    response = client.post(show, {"reason": "Xác minh hồ sơ theo phản ánh số 12"})
    assert response.status_code == 200
    html = response.content.decode()
    facts, history = html.split('id="history-title"')
    for key in ("id", "phone", "email", "address"):
        assert FULL[key] in facts, key
    assert PHONE in history and OLD_PHONE in history
    log = AccessLog.objects.get()
    assert (log.user, log.object_id, log.action, log.note, log.ward_id) == (
        user,
        str(applicant_dossier.pk),
        "show detail",
        "Xác minh hồ sơ theo phản ánh số 12",
        applicant_dossier.ward_id,
    )
    # Once: the next visit is masked again and logs nothing more.
    again = client.get(detail).content.decode()
    assert PHONE not in again and MASKED["phone"] in again
    assert AccessLog.objects.count() == 1


def test_show_on_the_printed_receipt(client, applicant_dossier, administrator):
    client.force_login(administrator)
    printed = client.get(reverse("dossiers:print", args=[applicant_dossier.pk, "01"])).content.decode()
    assert ID_NUMBER not in printed and MASKED["id"] in printed and 'data-testid="reveal-form"' in printed
    show = reverse("dossiers:reveal", args=[applicant_dossier.pk, "01"])
    response = client.post(show, {"reason": "In lại giấy hẹn cho công dân"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="print-title"' in html
    for key in ("id", "phone", "email", "address"):
        assert FULL[key] in html, key
    assert 'data-testid="reveal-form"' not in html
    assert list(AccessLog.objects.values_list("user_id", "action", "note")) == [
        (administrator.id, "show 01", "In lại giấy hẹn cho công dân")
    ]


def test_show_needs_a_reason_and_a_post(client, applicant_dossier, city_viewer):
    client.force_login(city_viewer)
    show = reverse("dossiers:reveal", args=[applicant_dossier.pk, "detail"])
    response = client.post(show, {"reason": "   "})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hãy ghi lý do cần xem đầy đủ." in html and PHONE not in html and MASKED["phone"] in html
    assert client.get(show).status_code == 405
    # Forms 02-05 carry no ID, phone or address: nothing to show there.
    assert (
        client.post(
            reverse("dossiers:reveal", args=[applicant_dossier.pk, "02"]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert not AccessLog.objects.exists()


def test_edit_form_follows_the_rule_and_its_reads_are_logged(
    client, applicant_dossier, officer_tuphap, officer_datdai
):
    edit = reverse("dossiers:edit", args=[applicant_dossier.pk])
    client.force_login(officer_tuphap)
    assert client.get(edit).status_code == 403
    assert (
        client.post(edit, {"applicant_name": "X", "sets": "1", "fee": "0", "version": "9"}).status_code == 403
    )
    detail = client.get(reverse("dossiers:detail", args=[applicant_dossier.pk])).content.decode()
    assert 'href="{}"'.format(edit) not in detail
    client.force_login(officer_datdai)
    response = client.get(edit)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert list(AccessLog.objects.values_list("user_id", "action")) == [(officer_datdai.id, "edit")]


def test_rule_needs_the_dossiers_ward(applicant_dossier, make_user, other_ward, officer_datdai):
    # Fields are shared by every ward: handling "business registration" elsewhere is not enough.
    stranger = make_user("hkd_phuthuy", role=Role.OFFICER, ward=other_ward)
    applicant_dossier.field.officers.add(stranger)
    assert privacy.may_see(officer_datdai, applicant_dossier)
    assert not privacy.may_see(stranger, applicant_dossier)
    leader_elsewhere = make_user("chutich_phuthuy", role=Role.LEADER, ward=other_ward)
    assert not privacy.may_see(leader_elsewhere, applicant_dossier)
    Membership.objects.filter(user=officer_datdai).update(
        role=Role.CITY_VIEWER, ward=None, city=other_ward.city
    )
    assert not privacy.may_see(type(officer_datdai).objects.get(pk=officer_datdai.pk), applicant_dossier)


def test_report_sent_up_masks_every_applicant(applicant_dossier, chairperson, ward):
    report = mark_sent(
        Scope.for_ward(ward), custom(date(2024, 3, 1), date(2024, 3, 31)), by=chairperson, number="12/BC-UBND"
    )
    with report.file.open("rb") as handle:
        ws = load_workbook(BytesIO(handle.read()), read_only=True)["Sổ theo dõi"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == applicant_dossier.code]
    assert [(r[8], r[9]) for r in rows] == [(MASKED["address"], MASKED["phone"])]
    assert not AccessLog.objects.exists()


def test_field_officers_list_query_count_does_not_grow(
    client, applicant_dossier, make_dossier, business, officer_datdai, django_assert_max_num_queries
):
    def count() -> int:
        with django_assert_max_num_queries(15) as ctx:
            client.get(reverse("dossiers:index"))
        return len(ctx.captured_queries)

    client.force_login(officer_datdai)
    count()  # the first request loads the year's calendar into the process cache
    # session, user, membership(+ward), handled fields, count, page rows, one access-log insert,
    # worklist counts, context processors, session save: the same for 1 row and for 30.
    few = count()
    for i in range(29):
        make_dossier(business, at(2024, 3, 6, 9, i), applicant_phone="09123400{:02d}".format(i))
    assert count() == few
    assert AccessLog.objects.filter(action="list").count() == 1 + 1 + 30
