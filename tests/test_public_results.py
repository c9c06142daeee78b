"""The ward's public results page: the engine's figures per month and field, satisfaction only from
the minimum number of ratings, no personal data, cached, no login."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from freezegun import freeze_time

from dossiers import workflow
from parindex import indicators
from parindex.periods import year_to_date
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def results(make_dossier, business, officer_datdai):
    """March 2024: three dossiers received, two resolved (one late), both rated; one in April."""
    a = make_dossier(business, at(2024, 3, 4, 9), name="Trần Thị Bích", applicant_phone="0905123456")
    b = make_dossier(business, at(2024, 3, 5, 9))
    make_dossier(business, at(2024, 3, 6, 9))
    make_dossier(business, at(2024, 4, 2, 9))
    workflow.resolve(a, by=officer_datdai, at=at(2024, 3, 6, 9))
    workflow.resolve(b, by=officer_datdai, at=at(2024, 3, 20, 9))
    for d, value in ((a, "very"), (b, "no")):
        workflow.rate(d, value=value, source="public", at=at(2024, 3, 21, 9))
    return a, b


def _page(client, ward, **params):
    with freeze_time("2024-04-15 10:00:00+07:00"):
        return client.get(reverse("public_results", args=[ward.code]), params)


def test_the_page_shows_the_engines_figures_without_login(client, ward, results, settings):
    settings.PUBLIC_MIN_RATINGS = 2
    response = _page(client, ward)
    assert response.status_code == 200
    march = response.context["months"][2]
    assert (march.label, march.received, march.resolved, str(march.on_time), str(march.satisfaction)) == (
        "03/2024",
        3,
        2,
        "50,0%",
        "50,0%",
    )
    engine = indicators.summary(
        [ward.id], year_to_date(results[0].received_at.date().replace(month=4, day=15))
    )
    total = response.context["total"]
    assert (total.received, total.resolved) == (engine.total.counts.received, engine.total.counts.resolved)
    assert str(total.on_time) == str(engine.total.value_of("on_time_rate"))
    (field_row,) = response.context["fields"]
    assert (field_row.received, field_row.resolved) == (4, 2)


def test_satisfaction_is_hidden_below_the_minimum_of_ratings(client, ward, results, settings):
    settings.PUBLIC_MIN_RATINGS = 3
    response = _page(client, ward)
    assert response.context["total"].satisfaction is None and response.context["total"].rated == 2
    assert 'data-testid="total-satisfaction"><small>2 đánh giá' in response.content.decode()


def test_no_personal_data_and_the_page_may_be_cached(client, ward, results):
    response = _page(client, ward)
    html = response.content.decode()
    assert "Trần Thị Bích" not in html and "0905123456" not in html and results[0].code not in html
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


def test_the_figures_are_computed_once_then_cached(client, ward, results, django_assert_max_num_queries):
    _page(client, ward)
    # The ward; the figures come from the cache.
    with django_assert_max_num_queries(1):
        assert _page(client, ward).status_code == 200


def test_unknown_ward_or_bad_year_is_not_found(client, ward):
    assert client.get(reverse("public_results", args=["XX"])).status_code == 404
    assert _page(client, ward, nam="abc").status_code == 404
    assert _page(client, ward, nam="2031").status_code == 404
    assert _page(client, ward, nam="2023").status_code == 200
