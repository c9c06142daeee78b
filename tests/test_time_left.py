"""The dossier page's head: status, due moment and the working time left (or how late)."""

from __future__ import annotations

from django.urls import reverse
from freezegun import freeze_time

from dossiers import deadlines, workflow
from dossiers.deadlines import TimeLeft
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


def test_time_left_is_working_time_until_the_due_moment(make_dossier, business, officer_datdai):
    # Received Mon 04/03/2024 09:00, 3 working days: due Thu 07/03 17:00.
    dossier = make_dossier(business, at(2024, 3, 4, 9))
    assert dossier.due_at == at(2024, 3, 7, 17)
    # Wed 10:00: 1 h 30 + 3 h 30 on Wednesday, a whole Thursday (7 h 30) = 1 day 5 h.
    assert deadlines.time_left(dossier, now=at(2024, 3, 6, 10)) == TimeLeft("left", 1, 300)
    # Over the weekend nothing runs: Fri 08:30 is one working hour late.
    assert deadlines.time_left(dossier, now=at(2024, 3, 8, 8, 30)) == TimeLeft("late", 0, 60)
    # Saturday noon and Monday 07:30: all of Friday late, nothing more (one working day).
    assert deadlines.time_left(dossier, now=at(2024, 3, 9, 12)) == TimeLeft("late", 1, 0)
    assert deadlines.time_left(dossier, now=at(2024, 3, 11, 7, 30)) == TimeLeft("late", 1, 0)
    with freeze_time("2024-03-05 10:00:00+07:00"):
        workflow.request_supplement(dossier, by=officer_datdai, at=at(2024, 3, 5, 10), items="Bản sao CCCD")
    assert deadlines.time_left(dossier, now=at(2024, 3, 6, 10)) == TimeLeft("paused")


def test_closed_dossiers_have_no_time_left(make_dossier, business, officer_datdai):
    dossier = make_dossier(business, at(2024, 3, 4, 9))
    with freeze_time("2024-03-05 10:00:00+07:00"):
        workflow.resolve(dossier, by=officer_datdai, at=at(2024, 3, 5, 10))
    assert deadlines.time_left(dossier, now=at(2024, 3, 6, 10)) is None


def test_the_dossier_page_shows_status_due_moment_and_time_left_at_the_top(
    client, make_dossier, business, officer_datdai
):
    dossier = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    url = reverse("dossiers:detail", args=[dossier.pk])
    with freeze_time("2024-03-06 10:00:00+07:00"):
        html = client.get(url).content.decode()
    head = html[html.index('data-testid="dossier-status"') : html.index('class="card"')]
    assert "Đã tiếp nhận" in head and '<span data-testid="due-moment">17:00 07/03/2024</span>' in head
    assert 'data-state="left">Còn 1 ngày 5 giờ 0 phút làm việc<' in head
    with freeze_time("2024-03-08 08:30:00+07:00"):
        html = client.get(url).content.decode()
    assert 'data-state="late">Quá hạn 0 ngày 1 giờ 0 phút làm việc<' in html
    with freeze_time("2024-03-08 09:00:00+07:00"):
        workflow.request_supplement(dossier, by=officer_datdai, at=at(2024, 3, 8, 9), items="Tờ khai")
        html = client.get(url).content.decode()
    assert 'data-state="paused">Đã dừng tính thời hạn (chờ bổ sung)<' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with freeze_time("2024-03-06 10:00:00+07:00"):
        other = make_dossier(business, at(2024, 3, 4, 9))
        html = client.get(reverse("dossiers:detail", args=[other.pk])).content.decode()
    assert 'data-state="left">1 working days 5 h 0 min left<' in html
