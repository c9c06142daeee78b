"""Online submissions wait in the ward's inbox, counted nowhere, until an officer accepts them
(the dossier is received then and its clock starts then) or refuses them with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers import deadlines, digests, workflow, worklists
from dossiers.models import Channel, Dossier, OfficerDigest, OnlineSubmission
from parindex.analytics import indicators
from parindex.api import tokens
from parindex.api.models import Scope
from parindex.base import periods
from parindex.base.models import Membership
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

INBOX = reverse("dossiers:inbox")


@pytest.fixture
def submit(ward, officer_datdai):
    def make(procedure, submitted_at, *, code="", name="Phạm Thị Thu", ward_=None, **kwargs):
        submission, _created = workflow.submit_online(
            ward=ward_ or ward,
            procedure=procedure,
            submitted_at=submitted_at,
            applicant_name=name,
            by=officer_datdai,
            official_code=code,
            applicant_id_number="079123456789",
            applicant_phone="0912345678",
            applicant_address="12 Lê Lợi, Phường Bình Hưng",
            **kwargs,
        )
        return submission

    return make


def _all_figures(ward, period, now):
    return indicators.dossier_counts([ward.id], period, now=now)


def test_waiting_limit_is_one_working_day_of_working_time(catalogue):
    # Mon 10:00 -> Tue 10:00; Fri 20:00 (after hours) -> the clock starts Mon 07:30 -> Mon 17:00;
    # Fri 16:00 -> one hour on Friday, 6 h 30 min on Monday -> Mon 16:00.
    assert deadlines.acceptance_limit(at(2024, 3, 4, 10)) == at(2024, 3, 5, 10)
    assert deadlines.acceptance_limit(at(2024, 3, 8, 20)) == at(2024, 3, 11, 17)
    assert deadlines.acceptance_limit(at(2024, 3, 8, 16)) == at(2024, 3, 11, 16)


def test_the_clock_starts_when_the_officer_accepts(submit, business, officer_datdai):
    # Submitted Friday 01/03/2024 10:00; accepted Tuesday 05/03 09:00. Business registration is
    # 3 working days: due at the close of Friday 08/03, not of Wednesday 06/03.
    submission = submit(business, at(2024, 3, 1, 10), code="G22.99-240301-0001")
    with freeze_time("2024-03-05 09:00:00+07:00"):
        dossier = workflow.accept_submission(submission, by=officer_datdai, at=at(2024, 3, 5, 9))
    assert (dossier.channel, dossier.received_at, dossier.official_code) == (
        Channel.ONLINE,
        at(2024, 3, 5, 9),
        "G22.99-240301-0001",
    )
    assert dossier.due_at == at(2024, 3, 8, 17)
    submission.refresh_from_db()
    assert (submission.state, submission.dossier_id, submission.decided_by) == (
        OnlineSubmission.State.ACCEPTED,
        dossier.pk,
        officer_datdai,
    )
    assert submission.history.first().history_user == officer_datdai
    # Accepted once: a second acceptance is refused and no second dossier exists.
    with pytest.raises(workflow.WorkflowError):
        workflow.accept_submission(submission, by=officer_datdai, at=at(2024, 3, 5, 9, 5))
    assert Dossier.objects.count() == 1


def test_waiting_and_refused_submissions_count_in_no_figure(submit, business, ward, officer_datdai):
    march = periods.month(2024, 3)
    now = at(2024, 4, 2, 9)
    waiting = submit(business, at(2024, 3, 4, 10))
    refused = submit(business, at(2024, 3, 4, 11), name="Đỗ Văn Tư")
    with freeze_time("2024-03-05 09:00:00+07:00"):
        workflow.refuse_submission(
            refused, by=officer_datdai, at=at(2024, 3, 5, 9), reason="Không thuộc thẩm quyền của phường"
        )
    refused.refresh_from_db()
    assert (refused.state, refused.refusal_reason, refused.dossier_id) == (
        OnlineSubmission.State.REFUSED,
        "Không thuộc thẩm quyền của phường",
        None,
    )
    assert _all_figures(ward, march, now) == {}
    assert Dossier.objects.count() == 0
    # Accepted on 02/04 (April), it counts as received online in April, not in March.
    with freeze_time("2024-04-02 09:00:00+07:00"):
        workflow.accept_submission(waiting, by=officer_datdai, at=at(2024, 4, 2, 9))
    assert _all_figures(ward, march, now) == {}
    (april,) = _all_figures(ward, periods.month(2024, 4), at(2024, 4, 2, 10)).values()
    assert (april.received, april.received_online) == (1, 1)


def test_refusing_needs_a_reason(submit, business, officer_datdai):
    submission = submit(business, at(2024, 3, 4, 10))
    with freeze_time("2024-03-05 09:00:00+07:00"), pytest.raises(workflow.WorkflowError):
        workflow.refuse_submission(submission, by=officer_datdai, at=at(2024, 3, 5, 9), reason="  ")
    submission.refresh_from_db()
    assert submission.is_waiting


def test_the_portal_sending_a_code_twice_gets_the_first_submission(submit, business, ward, officer_datdai):
    first = submit(business, at(2024, 3, 4, 10), code="G22-1")
    again, created = workflow.submit_online(
        ward=ward, procedure=business, submitted_at=at(2024, 3, 4, 10), applicant_name="X", by=officer_datdai,
        official_code="G22-1",
    )  # fmt: skip
    assert (again.pk, created, OnlineSubmission.objects.count()) == (first.pk, False, 1)


@freeze_time("2024-03-07 09:00:00+07:00")
def test_waiting_longer_than_a_working_day_is_listed(submit, business, ward, other_ward):
    old = submit(business, at(2024, 3, 5, 10))  # limit Wed 06/03 10:00: past
    fresh = submit(business, at(2024, 3, 6, 15))  # limit Thu 07/03 15:00: not yet
    submit(business, at(2024, 3, 5, 10), ward_=other_ward)  # another ward's
    now = at(2024, 3, 7, 9)
    assert list(worklists.inbox([ward.id])) == [old, fresh]
    assert list(worklists.inbox([ward.id], too_long_at=now)) == [old]
    assert worklists.inbox_counts([ward.id], now) == {"online": 2, "online_late": 1}


@freeze_time("2024-03-07 09:00:00+07:00")
def test_home_and_inbox_counts_are_the_lists_in_pinned_queries(
    client, submit, business, ward, officer_datdai, django_assert_max_num_queries
):
    for day in (4, 5, 6):
        submit(business, at(2024, 3, day, 10))
    client.force_login(officer_datdai)
    client.get("/")  # warm the working-day calendar
    home = client.get("/")
    (card,) = [t for t in home.context["worklists"] if t["key"] == worklists.ONLINE]
    assert (card["count"], card["late"], card["url"]) == (3, 2, INBOX)
    # session, user, membership, ward, the inbox (one page), its two counts (one query)
    with django_assert_max_num_queries(8):
        response = client.get(INBOX)
    assert len(response.context["rows"]) == card["count"] == 3
    html = response.content.decode()
    assert html.count('data-testid="waiting-too-long"') == 2
    late = client.get(INBOX, {"late": "1"})
    assert len(late.context["rows"]) == card["late"] == 2
    # The register's tab names the inbox too.
    tabs = {t["key"]: t for t in client.get(reverse("dossiers:index")).context["worklists"]}
    assert (tabs["online"]["count"], tabs["online"]["url"]) == (3, INBOX)


@freeze_time("2024-03-07 09:00:00+07:00")
def test_accept_post_with_a_double_click_receives_one_dossier(client, submit, business, officer_datdai):
    submission = submit(business, at(2024, 3, 6, 10))
    client.force_login(officer_datdai)
    page = client.get(reverse("dossiers:submission", args=[submission.pk]))
    token = form_token(page)
    url = reverse("dossiers:submission_accept", args=[submission.pk])
    first = client.post(url, token)
    second = client.post(url, token)
    dossier = Dossier.objects.get()
    assert first.url == second.url == reverse("dossiers:detail", args=[dossier.pk])
    assert (dossier.received_at, dossier.channel) == (at(2024, 3, 7, 9), Channel.ONLINE)
    # Without a token nothing is accepted.
    other = submit(business, at(2024, 3, 6, 11))
    client.post(reverse("dossiers:submission_accept", args=[other.pk]), {})
    other.refresh_from_db()
    assert other.is_waiting and Dossier.objects.count() == 1


@freeze_time("2024-03-07 09:00:00+07:00")
def test_refuse_post_records_the_reason_and_an_empty_reason_writes_nothing(
    client, submit, business, officer_datdai
):
    submission = submit(business, at(2024, 3, 6, 10))
    client.force_login(officer_datdai)
    url = reverse("dossiers:submission_refuse", args=[submission.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    submission.refresh_from_db()
    assert submission.is_waiting
    assert client.post(url, {"reason": "Hồ sơ thiếu tờ khai"}).url == INBOX
    submission.refresh_from_db()
    assert (submission.state, submission.refusal_reason) == ("refused", "Hồ sơ thiếu tờ khai")


@freeze_time("2024-03-07 09:00:00+07:00")
def test_inbox_is_the_wards_own_and_masks_personal_data(
    client, submit, business, ward, other_ward, officer_datdai, city_viewer, make_user
):
    mine = submit(business, at(2024, 3, 6, 10))
    theirs = submit(business, at(2024, 3, 6, 10), ward_=other_ward)
    client.force_login(officer_datdai)
    assert client.get(reverse("dossiers:submission", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("dossiers:submission", args=[mine.pk])).content.decode()
    # officer_datdai does not handle business registration: the ID and phone are masked.
    assert "079123456789" not in page and "•••••••••789" in page and "0912345678" not in page
    client.force_login(city_viewer)
    assert client.get(INBOX).status_code == 403
    assert client.get(reverse("dossiers:submission", args=[mine.pk])).status_code == 404


@freeze_time("2024-03-07 09:00:00+07:00")
def test_manual_entry_goes_to_the_inbox_once(client, business, officer_datdai):
    client.force_login(officer_datdai)
    url = reverse("dossiers:submission_create")
    data = {
        "procedure": business.code,
        "submitted_at": "2024-03-06T20:15",
        "applicant_name": "Hồ Văn Năm",
        "official_code": "G22-77",
        **form_token(client.get(url)),
    }
    first = client.post(url, data)
    second = client.post(url, data)
    submission = OnlineSubmission.objects.get()
    assert first.url == second.url == reverse("dossiers:submission", args=[submission.pk])
    assert (submission.source, submission.accept_by) == ("manual", at(2024, 3, 7, 17))
    assert Dossier.objects.count() == 0


def test_the_digest_counts_the_waiting_submissions(submit, business, ward, officer_datdai, chairperson):
    submit(business, at(2024, 3, 5, 10))
    submit(business, at(2024, 3, 6, 10))
    member = Membership.objects.get(user=officer_datdai)
    digest, _lists = digests.build(member, date(2024, 3, 7))
    assert digest.online_waiting == 2 and not digest.is_empty
    assert "Hồ sơ trực tuyến chờ tiếp nhận: 2" in digests._email_text(digest, _lists)
    assert OfficerDigest.objects.get(user=officer_datdai).online_waiting == 2


@freeze_time("2024-03-07 09:00:00+07:00")
def test_the_api_puts_a_submission_in_the_inbox(client, ward, business, officer_datdai):
    _token, secret = tokens.issue(name="Cổng DVC", scope=Scope.WRITE, wards=[ward])
    headers = {"HTTP_AUTHORIZATION": "Bearer " + secret}
    body = {
        "ward": ward.code,
        "procedure": business.code,
        "official_code": "G22-API-1",
        "submitted_at": "2024-03-06T10:00:00+07:00",
        "applicant_name": "Vũ Thị Sáu",
    }
    first = client.post("/api/v1/submissions", body, content_type="application/json", **headers)
    again = client.post("/api/v1/submissions", body, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["state"], first.json()["dossier_id"]) == ("waiting", None)
    assert Dossier.objects.count() == 0
    got = client.get("/api/v1/submissions/{}".format(first.json()["id"]), **headers)
    assert got.json()["accept_by"] == "2024-03-07T03:00:00Z"  # 10:00 in Hanoi


def _national(code: str, status: str, received: str) -> dict:
    return {
        "MaHoSo": code,
        "MaTTHC": "2.000720",
        "ChuHoSo": "Ngô Thị Bảy",
        "NgayTiepNhan": received,
        "TrangThaiHoSo": status,
        "HinhThuc": "1",
        "TaiLieuNop": [{"TenGiayTo": "Giấy đề nghị đăng ký hộ kinh doanh"}],
    }


@freeze_time("2024-03-07 09:00:00+07:00")
def test_a_national_record_newly_registered_waits_in_the_inbox_until_accepted(business, ward, officer_datdai):
    from parindex.api import exchange

    batch = {"data": [_national("000.00.01.H35-240305-0009", "1", "20240305201500")]}
    first = exchange.import_dossiers(batch, ward=ward, by=officer_datdai)
    again = exchange.import_dossiers(batch, ward=ward, by=officer_datdai)
    assert (first.queued, first.created, again.queued, again.unchanged) == (1, 0, 0, 1)
    submission = OnlineSubmission.objects.get()
    assert (submission.is_waiting, submission.accept_by) == (True, at(2024, 3, 6, 17))
    assert Dossier.objects.count() == 0
    # Accepted in the national system on Thu 07/03 08:00: the dossier is received then.
    accepted = {"data": [_national("000.00.01.H35-240305-0009", "2", "20240307080000")]}
    result = exchange.import_dossiers(accepted, ward=ward, by=officer_datdai)
    dossier = Dossier.objects.get()
    submission.refresh_from_db()
    assert (result.created, dossier.received_at, submission.dossier_id) == (1, at(2024, 3, 7, 8), dossier.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_at_once_receive_one_dossier(ward, business, officer_datdai, officer_tuphap):
    import threading

    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: DATABASE_URL=postgres://...")
    # No frozen clock: freezegun would stop psycopg's connection timer in the threads.
    submission, _created = workflow.submit_online(
        ward=ward,
        procedure=business,
        submitted_at=timezone.now(),
        applicant_name="Lý Thị Tám",
        by=officer_datdai,
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def accept(by) -> None:
        try:
            mine = OnlineSubmission.objects.get(pk=submission.pk)
            barrier.wait()
            workflow.accept_submission(mine, by=by, at=timezone.now())
            outcomes.append("accepted")
        except workflow.WorkflowError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (officer_datdai, officer_tuphap)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["accepted", "refused"]
    assert Dossier.objects.count() == 1
