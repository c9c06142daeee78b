"""PAKN from the public page (/phan-anh/): a citizen sends one with a one-time token and gets a
tracking code, follows it by code and four digits (wrong guesses answered like unknown codes),
rates the reply once; rate-limited per client behind the proxy; the petitioner's data masked on
the officers' pages by the personal-data rule, with a logged reveal."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from dossiers import petitions
from dossiers.models import (
    Petition,
    PetitionEvent,
    PetitionSatisfaction,
    PetitionSource,
    PetitionStatus,
    PetitionType,
)
from parindex.base.models import AccessLog, FormToken
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

SEND = "/phan-anh/"
LOOKUP = "/phan-anh/tra-cuu/"
NOW = "2023-03-06 09:00:00+07:00"  # Monday


@pytest.fixture(autouse=True)
def _clear_cache(monkeypatch):
    monkeypatch.setattr("dossiers.petition_views.today", lambda: date(2023, 3, 22))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_proxy(settings):
    # Behind nginx (TRUSTED_PROXY_COUNT=1): REMOTE_ADDR is always the proxy, X-Forwarded-For the client.
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")


def client_at(address: str) -> dict:
    return {"HTTP_X_FORWARDED_FOR": address, "REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def petition_type(db) -> PetitionType:
    return PetitionType.objects.get(code="PA-TTHC")


def form_data(ward, petition_type, changes=None) -> dict:
    data = {
        "ward": ward.pk,
        "petition_type": petition_type.pk,
        "petitioner_name": "Phạm Thị Hoa",
        "petitioner_phone": "0912 345 678",
        "petitioner_id_number": "049201001234",
        "petitioner_email": "hoa.pham@example.vn",
        "petitioner_address": "25 Lê Lợi, Bình Hưng",
        "content": "Cán bộ một cửa hẹn trả kết quả khai sinh ba lần chưa có.",
    }
    data.update(changes or {})
    return data


def send(client, ward, petition_type, changes=None):
    with freeze_time(NOW):
        token = form_token(client.get(SEND, {"ward": ward.code}))
        return client.post(SEND, {**form_data(ward, petition_type, changes), **token})


@pytest.fixture
def sent(client, ward, petition_type) -> Petition:
    response = send(client, ward, petition_type)
    assert response.status_code == 302
    return Petition.objects.get()


# -- sending -----------------------------------------------------------------------------------------


def test_a_citizen_sends_a_petition_and_gets_its_tracking_code(client, ward, petition_type):
    with freeze_time(NOW):
        page = client.get(SEND, {"ward": ward.code})
    assert page.status_code == 200 and page.context["form"].initial["ward"] == ward.pk
    response = send(client, ward, petition_type)
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert petitions.petition_for_token(response["Location"].split("/")[-2]) == petition
    assert (petition.ward, petition.source, petition.status, petition.created_by) == (
        ward, PetitionSource.PUBLIC_PAGE, PetitionStatus.RECEIVED, None,
    )  # fmt: skip
    assert (petition.petitioner_phone, petition.petitioner_id_number) == ("0912345678", "049201001234")
    assert petition.code.startswith("PA-BH-230306-")
    assert petition.due_on == date(2023, 3, 20)  # 10 working days after Mon 06/03
    assert [(e.kind, e.by) for e in petition.events.all()] == [("received", None)]
    shown = client.get(response["Location"])
    body = shown.content.decode()
    assert petition.code in body and "20/03/2023" in body
    # the personal data never reaches the public page
    for secret in ("Phạm Thị Hoa", "0912345678", "049201001234", "hoa.pham", "25 Lê Lợi"):
        assert secret not in body
    assert shown.context["masked_name"] == "P. T. Hoa"


def test_the_form_token_sends_once(client, ward, petition_type):
    with freeze_time(NOW):
        token = form_token(client.get(SEND))
        data = {**form_data(ward, petition_type), **token}
        first = client.post(SEND, data)
        again = client.post(SEND, data)
        missing = client.post(SEND, form_data(ward, petition_type))
    assert first.status_code == again.status_code == 302 and again["Location"] == first["Location"]
    assert Petition.objects.count() == 1
    assert missing.status_code == 400 and "Biểu mẫu đã hết hạn" in missing.content.decode()
    assert Petition.objects.count() == 1
    assert FormToken.objects.filter(user__isnull=True, used_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"petitioner_phone": ""}, "petitioner_phone", "Nhập số điện thoại."),
        ({"petitioner_phone": "12ab"}, "petitioner_phone", "Số điện thoại không hợp lệ"),
        ({"petitioner_id_number": "12345"}, "petitioner_id_number", "Số CCCD phải gồm 12 chữ số."),
        ({"content": "   "}, "content", ""),
        ({"content": "x" * 4001}, "content", ""),
        ({"ward": "999999"}, "ward", ""),
        ({"ward": "x\x00"}, "ward", ""),
        ({"petition_type": "abc"}, "petition_type", ""),
        ({"petitioner_email": "khong-phai-thu"}, "petitioner_email", ""),
    ],
)
def test_bad_input_is_answered_clearly_and_writes_nothing(
    client, ward, petition_type, changes, field, message
):
    response = send(client, ward, petition_type, changes)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert "has-error" in response.content.decode()
    assert Petition.objects.count() == PetitionEvent.objects.count() == 0
    assert not FormToken.objects.filter(used_at__isnull=False).exists()  # the token stays usable


def test_an_inactive_type_is_refused(client, ward, petition_type):
    PetitionType.objects.filter(pk=petition_type.pk).update(active=False)
    response = send(client, ward, petition_type)
    assert response.status_code == 400 and "petition_type" in response.context["form"].errors
    assert Petition.objects.count() == 0


def test_sending_is_rate_limited_per_client_behind_the_proxy(
    client, ward, petition_type, settings, behind_proxy
):
    settings.PUBLIC_PETITIONS_PER_HOUR = 2
    with freeze_time(NOW):
        for _ in range(2):
            token = form_token(client.get(SEND))
            assert client.post(SEND, {**form_data(ward, petition_type), **token},
                               **client_at("203.0.113.7")).status_code == 302  # fmt: skip
        token = form_token(client.get(SEND))
        blocked = client.post(SEND, {**form_data(ward, petition_type), **token}, **client_at("203.0.113.7"))
        assert blocked.status_code == 429 and "quá nhiều phản ánh" in blocked.content.decode()
        assert Petition.objects.count() == 2
        # another citizen behind the same proxy has their own counter, and the token is still good
        other = client.post(SEND, {**form_data(ward, petition_type), **token}, **client_at("198.51.100.2"))
    assert other.status_code == 302
    assert Petition.objects.count() == 3


# -- following it ------------------------------------------------------------------------------------


def test_code_and_four_digits_open_the_status(client, sent):
    for digits in ("5678", "1234"):  # phone or ID
        response = client.post(LOOKUP, {"code": sent.code.lower(), "digits": digits})
        assert response.status_code == 302
        assert petitions.petition_for_token(response["Location"].split("/")[-2]) == sent


def test_wrong_digits_answer_exactly_like_an_unknown_code(client, sent):
    answers = []
    for data in (
        {"code": sent.code, "digits": "0000"},
        {"code": "PA-BH-230306-ZZZZZZ", "digits": "5678"},
        {"code": sent.code, "digits": "56a"},
        {"code": "x\x00", "digits": "5678"},
    ):
        response = client.post(LOOKUP, data)
        answers.append(
            (response.status_code, response.context["error"], response.content.decode().count("has-error"))
        )
    assert len(set(answers)) == 1
    assert answers[0][0] == 200 and answers[0][1].startswith("Không tìm thấy phản ánh") and answers[0][2] == 0


def test_the_lookup_is_rate_limited_per_client_behind_the_proxy(client, sent, settings, behind_proxy):
    settings.PUBLIC_LOOKUPS_PER_HOUR = 3
    for _ in range(3):
        client.post(LOOKUP, {"code": "PA-X", "digits": "0000"}, **client_at("203.0.113.7"))
    blocked = client.post(LOOKUP, {"code": sent.code, "digits": "5678"}, **client_at("203.0.113.7"))
    assert blocked.status_code == 429
    other = client.post(LOOKUP, {"code": sent.code, "digits": "5678"}, **client_at("198.51.100.2"))
    assert other.status_code == 302


def test_a_forged_token_or_a_dossiers_token_is_not_found(client, sent, make_dossier, business):
    from dossiers.lookup import public_token as dossier_token

    assert client.get(reverse("pakn:status", args=[petitions.public_token(sent) + "x"])).status_code == 404
    dossier = make_dossier(business, at(2023, 3, 1, 9))
    assert client.get(reverse("pakn:status", args=[dossier_token(dossier)])).status_code == 404


def test_the_reply_is_shown_and_rated_once(client, sent, officer_tuphap):
    url = reverse("pakn:status", args=[petitions.public_token(sent)])
    before = client.get(url)
    assert before.context["form"] is None and "pakn-rating-form" not in before.content.decode()
    assert client.post(url, {"satisfaction": "satisfied"}).status_code == 400
    petitions.reply(sent, text="Đã nhắc nhở cán bộ, trả kết quả ngày 09/03.", outcome="upheld",
                    by=officer_tuphap, at=at(2023, 3, 8, 10))  # fmt: skip
    page = client.get(url)
    body = page.content.decode()
    assert "Đã nhắc nhở cán bộ" in body and "pakn-rating-form" in body
    assert "Nguyễn Thị Lan" not in body  # the officer's name stays internal
    bad = client.post(url, {"satisfaction": "maybe"})
    assert bad.status_code == 400 and "satisfaction" in bad.context["form"].errors
    assert client.post(url, {"satisfaction": "dissatisfied"}).status_code == 302
    again = client.post(url, {"satisfaction": "satisfied"})
    sent.refresh_from_db()
    assert again.status_code == 400
    assert sent.satisfaction == PetitionSatisfaction.DISSATISFIED
    assert [(e.kind, e.by) for e in sent.events.all()][-1] == ("rated", None)
    assert "pakn-rated" in client.get(url).content.decode()
    with pytest.raises(ValidationError):  # an officer does not overwrite the petitioner's answer
        petitions.record_satisfaction(sent, satisfaction="satisfied", by=officer_tuphap, at=at(2023, 3, 9, 9))
    client.force_login(officer_tuphap)
    detail = client.get(reverse("petitions:detail", args=[sent.pk])).content.decode()
    assert "tự đánh giá trên trang công khai" in detail and "/rate/" not in detail


# -- the officers' pages: masked by the rule, reveal logged -------------------------------------------


def test_petitioner_data_masked_for_readers_outside_the_rule(client, sent, officer_tuphap, officer_datdai,
                                                            chairperson, city_viewer):  # fmt: skip
    petitions.assign(sent, handler=officer_tuphap, by=chairperson, at=at(2023, 3, 6, 10))
    detail = reverse("petitions:detail", args=[sent.pk])
    seen = {}
    for user in (chairperson, officer_tuphap, officer_datdai, city_viewer):
        client.force_login(user)
        response = client.get(detail)
        seen[user.username] = (response.context["personal"].masked, response.context["personal"].phone)
        listed = client.get(reverse("petitions:index"), {"list": "all", "ward": "BH"})
        assert "Phạm Thị Hoa" in listed.content.decode() or response.context["personal"].masked
        if response.context["personal"].masked:
            body = response.content.decode() + listed.content.decode()
            for secret in ("Phạm Thị Hoa", "0912345678", "049201001234", "hoa.pham@", "25 Lê Lợi"):
                assert secret not in body
    assert seen == {
        "chutich": (False, "0912345678"),
        "tuphap": (False, "0912345678"),
        "diachinh": (True, "091••••678"),
        "thanhpho": (True, "091••••678"),
    }
    logged = AccessLog.objects.filter(object_type="dossiers.petition", object_id=str(sent.pk))
    assert sorted(logged.values_list("user__username", "action")) == sorted(
        [("chutich", "view"), ("chutich", "list"), ("tuphap", "view"), ("tuphap", "list")]
    )


def test_the_official_concerned_never_sees_the_petitioner(client, sent, chairperson):
    petitions.link(sent, dossier=None, official=chairperson, by=chairperson, at=at(2023, 3, 6, 10))
    client.force_login(chairperson)
    assert client.get(reverse("petitions:detail", args=[sent.pk])).context["personal"].masked


def test_a_reveal_needs_a_reason_and_is_logged(client, sent, city_viewer):
    client.force_login(city_viewer)
    url = reverse("petitions:reveal", args=[sent.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and refused.context["personal"].masked
    assert not AccessLog.objects.filter(action="show").exists()
    shown = client.post(url, {"reason": "Kiểm tra khiếu nại"})
    assert shown.status_code == 200 and "0912345678" in shown.content.decode()
    log = AccessLog.objects.get(action="show")
    assert (log.user, log.object_id, log.note) == (city_viewer, str(sent.pk), "Kiểm tra khiếu nại")


@pytest.mark.parametrize("progress_notes", [0, 6])
def test_public_status_queries_do_not_grow(client, sent, officer_tuphap, django_assert_max_num_queries,
                                           progress_notes):  # fmt: skip
    for i in range(progress_notes):
        petitions.reply(sent, text="Đang xác minh {}".format(i), final=False, by=officer_tuphap,
                        at=at(2023, 3, 7, 9))  # fmt: skip
    petitions.reply(sent, text="Đã xử lý", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 8, 10))
    url = reverse("pakn:status", args=[petitions.public_token(sent)])
    # the petition with its ward and type, its replies: 2.
    with django_assert_max_num_queries(2):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["replies"]) == progress_notes + 1


def test_the_public_page_speaks_english_on_request(client, ward):
    client.post("/i18n/setlang/", {"language": "en", "next": SEND})
    body = client.get(SEND).content.decode()
    assert "Send a petition or recommendation" in body and "Petition or recommendation about" in body


def test_a_name_search_finds_only_petitions_the_reader_sees_in_full(
    client, sent, chairperson, officer_datdai
):
    index = reverse("petitions:index")
    for user, found in ((chairperson, [sent.code]), (officer_datdai, [])):
        client.force_login(user)
        response = client.get(index, {"list": "all", "q": "Hoa"})
        assert [p.code for p in response.context["page"].object_list] == found
    # the code is printed on the reply letter: anyone of the ward finds it by code
    assert [
        p.code for p in client.get(index, {"list": "all", "q": sent.code}).context["page"].object_list
    ] == [sent.code]


def test_a_reply_typed_in_the_minute_of_the_reception_is_accepted(ward, petition_type, officer_tuphap):
    received = at(2023, 3, 6, 9).replace(second=40)
    petition = petitions.receive(ward=ward, petition_type=petition_type, source=PetitionSource.PUBLIC_PAGE,
                                 petitioner_name="Đỗ Tư", content="Chờ lâu", received_at=received, by=None)  # fmt: skip
    petitions.reply(petition, text="Đã xử lý", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 6, 9))
    petition.refresh_from_db()
    assert petition.replied_at == received and petition.handled_on_time
    other = petitions.receive(ward=ward, petition_type=petition_type, source=PetitionSource.PUBLIC_PAGE,
                              petitioner_name="Đỗ Tư", content="Chờ lâu", received_at=received, by=None)  # fmt: skip
    with pytest.raises(ValidationError):  # a minute before the reception's minute
        petitions.reply(other, text="Sớm", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 6, 8, 59))


def test_the_form_itself_is_limited_since_each_one_stores_a_token(client, db, settings, behind_proxy):
    settings.PUBLIC_PETITIONS_PER_HOUR = 1  # ten forms an hour
    for _ in range(10):
        assert client.get(SEND, **client_at("203.0.113.7")).status_code == 200
    blocked = client.get(SEND, **client_at("203.0.113.7"))
    assert blocked.status_code == 429 and 'name="form_token"' not in blocked.content.decode()
    assert FormToken.objects.count() == 10
    assert client.get(SEND, **client_at("198.51.100.2")).status_code == 200
