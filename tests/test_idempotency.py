"""One submission creates one record: a one-time form token, claimed with the create."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from dossiers.models import Dossier
from parindex.analytics.reports.figures import Scope
from parindex.analytics.reports.models import SentReport
from parindex.analytics.reports.sent import NumberTaken, mark_sent
from parindex.base.jobs.models import Job, JobKind
from parindex.base.models import FormToken
from parindex.staffing.models import Official
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import VN
from tests.form_tokens import form_token
from tests.test_imports import PROVINCIAL_ROWS, _provincial
from tests.test_reports_scenario import MARCH

NEW_DOSSIER = {
    "procedure": "1.001193 - Đăng ký khai sinh",
    "channel": "in_person",
    "received_at": "2024-03-06T09:30",
    "applicant_name": "Phạm Thị Hoa",
    "sets": "1",
}
NOW = "2024-03-06 10:00:00+07:00"


@freeze_time(NOW)
def test_three_identical_new_dossier_posts_create_one_dossier(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    data = {**NEW_DOSSIER, **form_token(client.get(reverse("dossiers:create")))}
    answers = [client.post(reverse("dossiers:create"), data) for _ in range(3)]
    dossier = Dossier.objects.get()
    page = reverse("dossiers:detail", args=[dossier.pk])
    assert [(r.status_code, r["Location"]) for r in answers] == [(302, page)] * 3
    shown = client.get(page).content.decode()
    assert "đây là kết quả của lần gửi đầu tiên" in shown
    assert dossier.events.count() == 1


@freeze_time(NOW)
def test_a_post_without_a_token_is_refused_and_keeps_the_input(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    for extra in ({}, {"form_token": "made-up"}):
        response = client.post(reverse("dossiers:create"), {**NEW_DOSSIER, **extra})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            "Biểu mẫu đã hết hạn hoặc không hợp lệ, chưa có gì được lưu. Hãy kiểm tra và gửi lại."
        ]
        assert 'value="Phạm Thị Hoa"' in response.content.decode()
        # the form comes back with a fresh token that works
        again = client.post(reverse("dossiers:create"), {**NEW_DOSSIER, **form_token(response)})
        assert again.status_code == 302
    assert Dossier.objects.count() == 2


@freeze_time(NOW)
def test_a_refused_submission_leaves_the_token_usable(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    token = form_token(client.get(reverse("dossiers:create")))
    future = client.post(
        reverse("dossiers:create"), {**NEW_DOSSIER, **token, "received_at": "2024-03-07T09:30"}
    )
    assert future.status_code == 200 and not Dossier.objects.exists()
    assert client.post(reverse("dossiers:create"), {**NEW_DOSSIER, **token}).status_code == 302
    assert Dossier.objects.count() == 1


@freeze_time(NOW)
def test_a_token_serves_one_user_one_form_and_expires(client, officer_tuphap, officer_datdai, birth):
    client.force_login(officer_tuphap)
    token = form_token(client.get(reverse("dossiers:create")))
    other = Client()
    other.force_login(officer_datdai)
    assert other.post(reverse("dossiers:create"), {**NEW_DOSSIER, **token}).status_code == 200
    # another form's token does not create a dossier
    staffing_token = FormToken.objects.create(
        key="staffing-key",
        user=officer_tuphap,
        purpose="staffing.official_create",
        created_at=datetime.now(VN),
    )
    response = client.post(reverse("dossiers:create"), {**NEW_DOSSIER, "form_token": staffing_token.key})
    assert response.status_code == 200
    with freeze_time(datetime(2024, 3, 6, 22, 1, tzinfo=VN)):  # 12 hours and a minute later
        client.force_login(officer_tuphap)  # the session has long expired too
        assert client.post(reverse("dossiers:create"), {**NEW_DOSSIER, **token}).status_code == 200
    assert not Dossier.objects.exists()


@freeze_time(NOW)
def test_issuing_tokens_clears_the_expired_ones(client, officer_tuphap, birth):
    client.force_login(officer_tuphap)
    FormToken.objects.create(
        key="old",
        user=officer_tuphap,
        purpose="dossiers.create",
        created_at=datetime.now(VN) - timedelta(hours=13),
    )
    client.get(reverse("dossiers:create"))
    assert list(FormToken.objects.values_list("purpose", "used_at")) == [("dossiers.create", None)]


def test_three_identical_mark_sent_posts_keep_one_sent_report(
    client, chairperson, ward, catalogue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    query = {"ward": ward.code, "from": "2023-03-01", "to": "2023-03-31"}
    data = {**query, **form_token(client.get(reverse("reports:index"), query)), "number": "15/BC-UBND"}
    answers = [client.post(reverse("reports:mark_sent"), data) for _ in range(3)]
    report = SentReport.objects.get()
    assert report.number == "15/BC-UBND"
    assert len({r["Location"] for r in answers}) == 1 and answers[0].status_code == 302
    # A new form with the same number is refused with the first report's date.
    data = {**query, **form_token(client.get(reverse("reports:index"), query)), "number": "15/BC-UBND"}
    page = client.post(reverse("reports:mark_sent"), data, follow=True).content.decode()
    assert "Số báo cáo 15/BC-UBND đã được dùng cho báo cáo gửi ngày" in page
    assert SentReport.objects.count() == 1


def test_sent_report_numbers_are_unique_per_sender_and_year(
    chairperson, ward, other_ward, city, catalogue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    scope = Scope.for_ward(ward)
    sent = datetime(2023, 4, 3, 9, tzinfo=VN)
    mark_sent(scope, MARCH, by=chairperson, number="15/BC-UBND", at=sent)
    with pytest.raises(NumberTaken, match="03/04/2023"):
        mark_sent(scope, MARCH, by=chairperson, number=" 15/BC-UBND ", at=sent + timedelta(days=30))
    # the numbering restarts on 1 January (local time: 31/12 17:30 UTC is already the new year)
    mark_sent(scope, MARCH, by=chairperson, number="15/BC-UBND", at=datetime(2024, 1, 1, 0, 30, tzinfo=VN))
    mark_sent(Scope.for_ward(other_ward), MARCH, by=chairperson, number="15/BC-UBND", at=sent)
    mark_sent(Scope.for_city(city), MARCH, by=chairperson, number="15/BC-UBND", at=sent)
    assert SentReport.objects.count() == 4
    # The database refuses a duplicate even past the check in mark_sent.
    first = SentReport.objects.filter(ward=ward).order_by("sent_at").first()
    duplicate = SentReport(
        ward=ward, period_start=first.period_start, period_end=first.period_end, number=first.number,
        number_year=2023, sent_at=sent, sent_by=chairperson, figures={}, file=first.file.name, sha256="0",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_three_identical_new_official_posts_create_one_official(client, chairperson, ward):
    client.force_login(chairperson)
    url = reverse("staffing:official_create")
    data = {**form_token(client.get(url)), "full_name": "Đinh Thị Hoa", "start": "01/06/2023"}
    answers = [client.post(url, data) for _ in range(3)]
    official = Official.objects.get(full_name="Đinh Thị Hoa")
    page = reverse("staffing:official", args=[official.pk])
    assert [(r.status_code, r["Location"]) for r in answers] == [(302, page)] * 3
    assert client.post(url, {"full_name": "Đinh Thị Hoa", "start": "01/06/2023"}).status_code == 200
    assert Official.objects.filter(full_name="Đinh Thị Hoa").count() == 1


def test_three_identical_import_confirmations_import_once(
    client, chairperson, ward, catalogue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(chairperson)
    upload = _provincial(PROVINCIAL_ROWS)
    upload.name = "hoso.xlsx"
    preview = client.post(
        reverse("reports:import"), {"ward": ward.code, "action": "preview", "file": upload}, follow=True
    )
    data = {"ward": ward.code, "action": "confirm", "token": preview.context["token"], **form_token(preview)}
    answers = [client.post(reverse("reports:import"), data) for _ in range(3)]
    # The import runs as a job: every answer leads to the one job's page.
    job = Job.objects.get(kind=JobKind.DOSSIER_IMPORT)
    assert [(r.status_code, r["Location"]) for r in answers] == [
        (302, reverse("jobs:detail", args=[job.pk]))
    ] * 3
    assert Dossier.objects.count() == 3
    page = client.get(answers[2]["Location"]).content.decode()
    assert "đây là kết quả của lần gửi đầu tiên" in page
    assert "Phiên nhập tệp đã hết hạn" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_token_create_one_dossier(officer_tuphap, ward, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: DATABASE_URL=postgres://...")
    browser = Client()
    browser.force_login(officer_tuphap)
    # No frozen clock here: freezegun would stop psycopg's connection timer in the threads.
    data = {
        **NEW_DOSSIER,
        "backdate_reason": "Nhập sổ giấy",
        **form_token(browser.get(reverse("dossiers:create"))),
    }
    cookies = browser.cookies
    answers: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(3)

    def submit() -> None:
        try:
            tab = Client()
            tab.cookies = cookies
            barrier.wait()
            answers.append(tab.post(reverse("dossiers:create"), data).status_code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert answers == [302, 302, 302]
    assert Dossier.objects.count() == 1
