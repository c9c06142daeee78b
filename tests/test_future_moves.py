"""Moves refuse times in the future beyond the tolerated clock skew (settings.CLOCK_SKEW)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from dossiers.models import DossierEvent, Rating, Status
from dossiers.workflow import WorkflowError
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import VN, at

NOW = "2024-03-05 10:00:00+07:00"


@freeze_time(NOW)
def test_move_within_the_clock_skew_is_accepted(make_dossier, business, officer_datdai):
    d = make_dossier(business, at(2024, 3, 4, 9))
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 5, 10, 4))
    assert d.status == Status.IN_PROGRESS
    assert d.events.order_by("at").last().at == at(2024, 3, 5, 10, 4)


@freeze_time(NOW)
@pytest.mark.parametrize(
    "when",
    [at(2024, 3, 5, 10, 6), at(2024, 4, 4, 10), at(9999, 12, 31, 9)],
    ids=["six-minutes", "thirty-days", "year-9999"],
)
def test_move_in_the_future_is_refused_and_changes_nothing(make_dossier, business, officer_datdai, when):
    d = make_dossier(business, at(2024, 3, 4, 9))
    with pytest.raises(WorkflowError, match="không được ở tương lai") as refused:
        workflow.start(d, by=officer_datdai, at=when)
    assert "10:05 05/03/2024" in refused.value.message  # the latest moment allowed, in local time
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.version == 1
    assert list(d.events.values_list("kind", flat=True)) == ["receive"]
    # The dossier still moves at the real time.
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 5, 10))
    assert d.status == Status.IN_PROGRESS


@freeze_time(NOW)
def test_every_dated_move_checks_the_future(make_dossier, business, land_office, officer_datdai):
    d = make_dossier(business, at(2024, 3, 4, 9))
    later = at(2024, 3, 6, 9)
    calls = [
        lambda: workflow.request_supplement(d, by=officer_datdai, at=later, items="Tờ khai"),
        lambda: workflow.send_to_agency(
            d, agency=land_office, by=officer_datdai, at=later, due_date=later.date()
        ),
        lambda: workflow.resolve(d, by=officer_datdai, at=later),
        lambda: workflow.withdraw(d, by=officer_datdai, at=later, reason="Rút"),
        lambda: workflow.stop(d, by=officer_datdai, at=later, reason="Dừng"),
        lambda: workflow.reject_at_reception(d, by=officer_datdai, at=later, reason="Thiếu"),
        lambda: workflow.issue_apology(
            d, by=officer_datdai, at=later, reason="Chậm", new_due_date=later.date() + timedelta(days=9)
        ),
        lambda: workflow.rate(d, value=Rating.Value.SATISFIED, source=Rating.Source.OFFICER, at=later),
    ]
    for call in calls:
        with pytest.raises(WorkflowError, match="tương lai"):
            call()
    assert DossierEvent.objects.filter(dossier=d).count() == 1
    assert not Rating.objects.filter(dossier=d).exists()


@freeze_time(NOW)
def test_the_skew_is_a_setting(settings, make_dossier, business, officer_datdai):
    settings.CLOCK_SKEW = timedelta(0)
    d = make_dossier(business, at(2024, 3, 4, 9))
    with pytest.raises(WorkflowError, match="tương lai"):
        workflow.start(d, by=officer_datdai, at=at(2024, 3, 5, 10, 1))
    settings.CLOCK_SKEW = timedelta(minutes=30)
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 5, 10, 25))
    assert d.status == Status.IN_PROGRESS


@freeze_time(NOW)
def test_the_move_form_shows_the_refusal_next_to_the_time(client, officer_datdai, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(officer_datdai)
    response = client.post(
        reverse("dossiers:move", args=[d.pk, "start"]),
        {"start-at": "2024-04-04T10:00", "start-version": "1"},
    )
    assert response.status_code == 400
    form = {name: f for name, _label, f in response.context["move_forms"]}["start"]
    assert form.errors["at"] == ["Thời điểm không được ở tương lai (muộn nhất 10:05 05/03/2024)."]
    assert "muộn nhất 10:05 05/03/2024" in response.content.decode()
    d.refresh_from_db()
    assert d.status == Status.RECEIVED
    ok = client.post(
        reverse("dossiers:move", args=[d.pk, "start"]), {"start-at": "2024-03-05T10:00", "start-version": "1"}
    )
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.IN_PROGRESS
    assert d.events.order_by("at").last().at.astimezone(VN).hour == 10
