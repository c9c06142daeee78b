"""The officer's worklists: counts that match the lists, on the home page and the register's tabs."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow, worklists
from dossiers.models import Dossier
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = reverse("dossiers:index")


@pytest.fixture
def desk(make_dossier, business, land_office, officer_datdai, officer_tuphap):
    """Thursday 07/03/2024: one dossier due today, one overdue, one waiting for a supplement,
    one at the land office, one logged by someone else."""
    due_today = make_dossier(business, at(2024, 3, 4, 9))
    overdue = make_dossier(business, at(2024, 2, 28, 9))
    waiting = make_dossier(business, at(2024, 3, 6, 9))
    workflow.request_supplement(waiting, by=officer_datdai, at=at(2024, 3, 6, 10), items="Bản sao CCCD")
    away = make_dossier(business, at(2024, 3, 6, 9))
    workflow.send_to_agency(
        away, agency=land_office, by=officer_datdai, at=at(2024, 3, 6, 11), due_date=date(2024, 3, 12)
    )
    other = make_dossier(business, at(2024, 3, 6, 9), by=officer_tuphap)
    return {"due_today": due_today, "overdue": overdue, "waiting": waiting, "away": away, "other": other}


@freeze_time("2024-03-07 09:00:00+07:00")
def test_counts_are_the_sizes_of_the_lists(desk, officer_datdai, ward):
    qs = Dossier.objects.filter(ward=ward)
    today = date(2024, 3, 7)
    sizes = worklists.counts(qs, officer_datdai, today)
    for key in worklists.WORKLISTS:
        assert sizes[key] == worklists.apply(qs, key, officer_datdai, today).count(), key
    assert (sizes["mine"], sizes["due_today"], sizes["overdue"]) == (4, 1, 1)
    assert (sizes["supplement"], sizes["at_agency"]) == (1, 1)


@freeze_time("2024-03-07 09:00:00+07:00")
def test_home_shows_each_worklist_with_its_count_in_pinned_queries(
    client, desk, officer_datdai, django_assert_max_num_queries
):
    client.force_login(officer_datdai)
    client.get("/")  # warm the working-day calendar (once per process)
    # session, user, membership, wards, worklist counts (one aggregate), inbox counts, session save
    with django_assert_max_num_queries(9):
        response = client.get("/")
    cards = {t["key"]: t["count"] for t in response.context["worklists"]}
    for key, count in cards.items():
        if key == worklists.ONLINE:  # the inbox of submissions, not a list of dossiers
            listed = len(client.get(reverse("dossiers:inbox")).context["rows"])
        else:
            listed = client.get(INDEX, {"list": key}).context["page"].count
        assert listed == count, key
    assert cards["overdue"] == 1
    assert 'data-testid="home-count-overdue">1<' in response.content.decode()


def test_city_viewer_home_has_no_worklists(client, city_viewer, ward):
    client.force_login(city_viewer)
    assert client.get("/").context["worklists"] == []


@freeze_time("2024-03-07 09:00:00+07:00")
def test_register_tabs_show_counts_and_the_active_tab(client, desk, officer_datdai):
    client.force_login(officer_datdai)
    html = client.get(INDEX, {"list": "overdue"}).content.decode()
    assert (
        'data-worklist="overdue" aria-current="page">Quá hạn <span class="count" data-testid="count-overdue">1</span>'
        in html
    )


@freeze_time("2024-03-07 09:00:00+07:00")
def test_register_remembers_its_filters_during_the_session(client, desk, officer_datdai):
    client.force_login(officer_datdai)
    client.get(INDEX, {"list": "overdue"})
    # back to the register later: the same list, without a query string
    response = client.get(INDEX)
    assert list(response.context["page"].object_list) == [desk["overdue"]]
    assert response.context["worklist"] == "overdue"
    # a drill-down from a report is not remembered
    client.get(INDEX, {"bucket": "received", "ward": "BH", "from": "2024-03-01", "to": "2024-03-31"})
    assert client.get(INDEX).context["worklist"] == "overdue"
    # "all" and reset forget
    client.get(INDEX, {"list": ""})
    assert client.get(INDEX).context["page"].count == 5
    client.get(INDEX, {"q": "zzz"})
    assert client.get(INDEX).context["page"].count == 0
    assert client.get(INDEX, {"reset": "1"}).context["page"].count == 5
    assert client.get(INDEX).context["page"].count == 5
