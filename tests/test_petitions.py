"""The PAKN register: deadlines in working days per type, handling, replies, the petitioner's
satisfaction, links to a dossier or an official, worklists, timeline and audit, who may do what."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers import petitions
from dossiers.models import (
    Petition,
    PetitionEvent,
    PetitionOutcome,
    PetitionSatisfaction,
    PetitionSource,
    PetitionStatus,
    PetitionSubject,
    PetitionType,
)
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token


@pytest.fixture(autouse=True)
def _march_2023(monkeypatch):
    monkeypatch.setattr("dossiers.petition_views.today", lambda: date(2023, 3, 22))


@pytest.fixture
def procedure_type(db) -> PetitionType:
    found, _ = PetitionType.objects.update_or_create(
        code="PA-TTHC",
        defaults={"name": "Phản ánh về thủ tục hành chính", "subject": PetitionSubject.PROCEDURE,
                  "deadline_working_days": 10},
    )  # fmt: skip
    return found


@pytest.fixture
def quick_type(db) -> PetitionType:
    return PetitionType.objects.create(
        code="PA-NHANH",
        name="Phản ánh thái độ cán bộ",
        subject=PetitionSubject.STAFF,
        deadline_working_days=5,
    )


@pytest.fixture
def log(ward, officer_tuphap, procedure_type):
    def make(received_at, *, petition_type=None, name="Trần Thị Bích", **kwargs) -> Petition:
        return petitions.receive(
            ward=ward, petition_type=petition_type or procedure_type, source=PetitionSource.COUNTER,
            petitioner_name=name, content="Cán bộ hẹn trả kết quả nhiều lần", received_at=received_at,
            by=officer_tuphap, **kwargs,
        )  # fmt: skip

    return make


# -- deadlines --------------------------------------------------------------------------------------


def test_deadline_is_the_types_working_days_after_receipt(log, quick_type):
    # Mon 06/03/2023 + 10 working days = Mon 20/03/2023.
    assert log(at(2023, 3, 6, 9)).due_on == date(2023, 3, 20)
    # Wed 07/02/2024 + 5 working days over Tết (08-14/02) = Wed 21/02/2024.
    assert log(at(2024, 2, 7, 10), petition_type=quick_type).due_on == date(2024, 2, 21)


def test_changing_a_types_handling_time_applies_to_new_petitions_only(log, procedure_type):
    first = log(at(2023, 3, 6, 9))
    procedure_type.deadline_working_days = 3
    procedure_type.save()
    second = log(at(2023, 3, 6, 10))
    first.refresh_from_db()
    assert (first.due_on, second.due_on) == (date(2023, 3, 20), date(2023, 3, 9))


# -- the walk ------------------------------------------------------------------------------------------


def test_petition_is_handled_replied_on_time_and_rated_with_timeline_and_audit(
    log, chairperson, officer_tuphap, officer_datdai
):
    petition = log(at(2023, 3, 6, 9), official=officer_datdai)
    petitions.assign(petition, handler=officer_datdai, by=chairperson, at=at(2023, 3, 6, 14))
    petitions.reply(
        petition, text="Đã nhắc nhở cán bộ", final=False, by=officer_datdai, at=at(2023, 3, 10, 8)
    )
    petitions.reply(petition, text="Đã trả kết quả và xin lỗi", outcome=PetitionOutcome.UPHELD,
                    by=officer_datdai, at=at(2023, 3, 20, 16))  # fmt: skip
    petitions.record_satisfaction(petition, satisfaction=PetitionSatisfaction.SATISFIED, by=officer_tuphap,
                                  at=at(2023, 3, 21, 9))  # fmt: skip
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.REPLIED
    assert petition.replied_on == date(2023, 3, 20) and petition.handled_on_time is True
    assert (petition.handled_by, petition.official, petition.satisfaction) == (
        officer_datdai, officer_datdai, PetitionSatisfaction.SATISFIED,
    )  # fmt: skip
    assert [(e.kind, e.by) for e in petition.events.all()] == [
        ("received", officer_tuphap), ("assigned", chairperson), ("progress", officer_datdai),
        ("replied", officer_datdai), ("rated", officer_tuphap),
    ]  # fmt: skip
    assert [r.final for r in petition.replies.all()] == [False, True]
    authors = [h.history_user for h in petition.history.order_by("history_date", "history_id")]
    assert authors == [officer_tuphap, chairperson, officer_datdai, officer_datdai, officer_tuphap]


def test_reply_after_the_due_day_is_late(log, officer_tuphap):
    petition = log(at(2023, 3, 6, 9))
    petitions.reply(petition, text="Trả lời muộn", outcome=PetitionOutcome.PARTLY, by=officer_tuphap,
                    at=at(2023, 3, 21, 8))  # fmt: skip
    petition.refresh_from_db()
    assert petition.handled_on_time is False


# -- refusals change nothing --------------------------------------------------------------------------------


def test_bad_moves_are_refused_and_write_nothing(
    log, ward, other_ward, officer_tuphap, officer_other_ward, make_dossier, birth
):
    with pytest.raises(ValidationError):
        log(at(2099, 1, 5, 9))
    foreign = make_dossier(birth, at(2023, 3, 1, 9), ward_=other_ward, by=officer_other_ward)
    with pytest.raises(ValidationError) as exc:
        log(at(2023, 3, 6, 9), dossier=foreign)
    assert "phải thuộc phường" in str(exc.value)
    assert Petition.objects.count() == 0

    petition = log(at(2023, 3, 6, 9))
    events = PetitionEvent.objects.count()
    for move in (
        lambda: petitions.assign(petition, handler=officer_other_ward, by=officer_tuphap, at=at(2023, 3, 7)),
        lambda: petitions.reply(petition, text="Sớm", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 5)),
        lambda: petitions.reply(petition, text="Chưa rõ", outcome="", by=officer_tuphap, at=at(2023, 3, 7)),
        lambda: petitions.reply(petition, text="  ", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 7)),
        lambda: petitions.record_satisfaction(
            petition, satisfaction="satisfied", by=officer_tuphap, at=at(2023, 3, 7)
        ),  # fmt: skip
    ):
        with pytest.raises(ValidationError):
            move()
    petition.refresh_from_db()
    assert (petition.status, petition.handled_by, petition.satisfaction) == (
        PetitionStatus.RECEIVED,
        None,
        "",
    )
    assert PetitionEvent.objects.count() == events

    petitions.reply(petition, text="Đã giải thích", outcome="unfounded", by=officer_tuphap, at=at(2023, 3, 8))
    with pytest.raises(ValidationError) as exc:
        petitions.reply(petition, text="Lần nữa", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 9))
    assert "đã được trả lời" in str(exc.value)


# -- worklists, screens and permissions --------------------------------------------------------------------


@pytest.fixture
def register(log, officer_tuphap, officer_datdai):
    """Seen on Wed 22/03/2023: one overdue, one due today, one due the next working day, one due
    later handled by the land officer, one replied."""
    overdue = log(at(2023, 3, 6, 9), name="Quá Hạn")  # due 20/03
    today = log(at(2023, 3, 8, 9), name="Hôm Nay")  # due 22/03
    tomorrow = log(at(2023, 3, 9, 9), name="Ngày Mai")  # due 23/03
    later = log(at(2023, 3, 20, 9), name="Còn Hạn")  # due 03/04
    petitions.assign(later, handler=officer_datdai, by=officer_tuphap, at=at(2023, 3, 20, 10))
    replied = log(at(2023, 3, 1, 9), name="Đã Xong")
    petitions.reply(replied, text="Xong", outcome="upheld", by=officer_tuphap, at=at(2023, 3, 2, 9))
    return {"overdue": overdue, "today": today, "tomorrow": tomorrow, "later": later, "replied": replied}


@pytest.mark.parametrize(
    ("worklist", "names"),
    [
        ("open", {"Quá Hạn", "Hôm Nay", "Ngày Mai", "Còn Hạn"}),
        ("due", {"Hôm Nay", "Ngày Mai"}),
        ("overdue", {"Quá Hạn"}),
        ("mine", {"Còn Hạn"}),
        ("replied", {"Đã Xong"}),
        ("all", {"Quá Hạn", "Hôm Nay", "Ngày Mai", "Còn Hạn", "Đã Xong"}),
    ],
)
def test_worklists(client, register, officer_datdai, worklist, names):
    client.force_login(officer_datdai)
    response = client.get(reverse("petitions:index"), {"list": worklist})
    assert {p.petitioner_name for p in response.context["page"].object_list} == names
    counts = {key: n for key, _label, n in response.context["worklists"]}
    assert counts == {"open": 4, "due": 2, "overdue": 1, "mine": 1, "replied": 1, "all": 5}


def test_city_viewer_reads_but_cannot_handle(client, register, city_viewer, officer_other_ward):
    petition = register["today"]
    client.force_login(city_viewer)
    assert client.get(reverse("petitions:index"), {"ward": "BH"}).status_code == 200
    assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 200
    move = reverse("petitions:move", args=[petition.pk, "reply"])
    assert client.post(move, {"text": "x", "outcome": "upheld", "final": "on",
                              "at": "2023-03-22T09:00"}).status_code == 403  # fmt: skip
    assert client.get(reverse("petitions:create")).status_code == 403
    client.force_login(officer_other_ward)
    assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 404
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.RECEIVED


def test_officer_logs_a_petition_linked_to_a_dossier_and_replies_through_the_screens(
    client, ward, procedure_type, officer_tuphap, officer_datdai, make_dossier, birth
):
    dossier = make_dossier(birth, at(2023, 3, 1, 9))
    client.force_login(officer_tuphap)
    data = {"petition_type": procedure_type.pk, "source": PetitionSource.PHONE, "received_at": "2023-03-06T09:00",
            "petitioner_name": "Lê Văn Cường", "petitioner_phone": "12ab", "content": "Hồ sơ khai sinh chậm",
            "dossier": dossier.code, "official": officer_datdai.pk}  # fmt: skip
    data.update(form_token(client.get(reverse("petitions:create"))))
    refused = client.post(reverse("petitions:create"), data)
    assert refused.status_code == 200 and "petitioner_phone" in refused.context["form"].errors
    assert Petition.objects.count() == 0
    response = client.post(reverse("petitions:create"), {**data, "petitioner_phone": "0912345678"})
    petition = Petition.objects.get()
    assert response.status_code == 302
    again = client.post(reverse("petitions:create"), {**data, "petitioner_phone": "0912345678"})
    assert again.status_code == 302 and again["Location"] == reverse("petitions:detail", args=[petition.pk])
    assert Petition.objects.count() == 1  # sent twice, logged once
    assert (petition.dossier, petition.official, petition.due_on) == (
        dossier,
        officer_datdai,
        date(2023, 3, 20),
    )
    assert petition.code.startswith("PA-BH-230306-")
    bad = client.post(reverse("petitions:move", args=[petition.pk, "reply"]),
                      {"text": "Đã xử lý", "final": "on", "at": "2023-03-07T09:00"})  # fmt: skip
    assert bad.status_code == 400 and "Chọn kết quả xử lý" in bad.content.decode()
    ok = client.post(reverse("petitions:move", args=[petition.pk, "reply"]),
                     {"text": "Đã xử lý", "final": "on", "outcome": "upheld", "at": "2023-03-07T09:00"})  # fmt: skip
    assert ok.status_code == 302
    rated = client.post(
        reverse("petitions:move", args=[petition.pk, "rate"]), {"satisfaction": "dissatisfied"}
    )
    assert rated.status_code == 302
    page = client.get(reverse("petitions:detail", args=[petition.pk]))
    body = page.content.decode()
    assert "Không hài lòng" in body and "Đúng hạn" in body and dossier.code in body
    assert [e.kind for e in page.context["events"]] == ["received", "replied", "rated"]


@pytest.mark.parametrize("extra", [0, 12])
def test_petition_pages_queries_do_not_grow(client, log, register, officer_tuphap, django_assert_max_num_queries,
                                            extra):  # fmt: skip
    for i in range(extra):
        log(at(2023, 3, 10, 9), name="Thêm {}".format(i))
    client.force_login(officer_tuphap)
    # session, user, membership, the list's counts, its page count and rows, session save (3): 9.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("petitions:index"), {"list": "all"})
    assert response.status_code == 200
    url = reverse("petitions:detail", args=[register["later"].pk])
    # session, user, membership, visible wards, the petition with its links, the officials of the
    # two forms, events, replies, history, session save (3): 13.
    with django_assert_max_num_queries(13):
        detail = client.get(url)
    assert detail.status_code == 200


def test_default_types_come_with_the_legal_handling_time(db):
    from dossiers.models import PETITION_DEFAULT_WORKING_DAYS

    types = PetitionType.objects.filter(code__in=["PA-TTHC", "PA-CBCC", "KN-KHAC"])
    assert {t.deadline_working_days for t in types} == {PETITION_DEFAULT_WORKING_DAYS} == {10}
    assert types.count() == 3
