# ruff: noqa: F811  (fixtures imported from test_indicators)
"""summary(): every indicator per ward and in total, with targets, in a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from parindex.analytics.indicators import INDICATORS, Ratio, monthly_trend, summary
from parindex.analytics.targets import YearTarget, create_default_targets
from parindex.base import periods
from parindex.base.models import Ward
from tests.test_indicators import MARCH, _bulk, fields_, scenario  # noqa: F401


def test_summary_ratios_follow_the_definitions(scenario, ward, other_ward, fields_, city):
    ht, dd = fields_
    create_default_targets(city=city, year=2024)
    result = summary([ward.id, other_ward.id], MARCH)
    bh = result.wards[ward.id]
    assert bh.counts.received == 7
    assert str(bh.value_of("on_time_rate").value) == "75,0%"  # (1 before + 2 on time) / 4
    assert bh.value_of("online_rate").value == Ratio(2, 5)  # carried-over dossiers do not count
    assert bh.value_of("e_circulation_rate").value == Ratio(1, 2)
    assert bh.value_of("online_payment_rate").value == Ratio(1, 2)
    assert bh.value_of("satisfaction").value == Ratio(2, 3)
    assert bh.value_of("satisfaction", dd.id).value == Ratio(1, 2)
    assert bh.value_of("apology_missing").value == 2
    # Cards: one per effective target, the land field's satisfaction included.
    cards = {(c.code, c.field_id): c for c in bh.cards}
    assert cards[("satisfaction", dd.id)].target.threshold == Decimal("82")
    assert cards[("satisfaction", dd.id)].status == "missed"  # 50% against 82%
    assert cards[("online_rate", None)].status == "met"  # 40% against 30%
    assert result.total.counts.received == bh.counts.received + 1
    assert result.total.counts.identity_errors() == []
    assert set(bh.indicators) == set(INDICATORS)


def test_ward_override_changes_the_status(scenario, ward, city):
    create_default_targets(city=city, year=2024)
    YearTarget.objects.create(ward=ward, year=2024, indicator="online_rate", threshold=Decimal("45"))
    card = {c.code: c for c in summary([ward.id], MARCH).wards[ward.id].cards}["online_rate"]
    assert (card.target.threshold, card.status) == (Decimal("45"), "at_risk")


@pytest.mark.parametrize(("n_dossiers", "n_wards"), [(10, 1), (10_000, 5)])
def test_summary_takes_a_fixed_number_of_queries(
    city, officer_tuphap, fields_, django_assert_num_queries, n_dossiers, n_wards
):
    create_default_targets(city=city, year=2024)
    wards = [
        Ward.objects.create(city=city, code="W{}".format(i), name="P{}".format(i)) for i in range(n_wards)
    ]
    _bulk(wards, fields_[0], officer_tuphap, n_dossiers)
    ids = [w.id for w in wards]
    # Exactly 7 on both sizes: the wards, the facts sums (ratings included), apology letters, year targets,
    # plan counts, PAR totals, vacancies.
    with django_assert_num_queries(7):
        result = summary(ids, periods.quarter(2024, 1))
        for ward_indicators in result.wards.values():
            [card.status for card in ward_indicators.cards]
    # 1: the trend is one aggregate over all months.
    with django_assert_num_queries(1):
        trend = monthly_trend(ids, periods.year(2024))
    assert len(trend) == 12
    assert sum(p.received_new for p in trend) == n_dossiers


def test_trend_months_add_up_to_the_period(scenario, ward):
    trend = monthly_trend([ward.id], periods.custom(date(2024, 2, 1), date(2024, 3, 31)))
    assert [p.period.start for p in trend] == [date(2024, 2, 1), date(2024, 3, 1)]
    march = trend[1]
    assert (march.received_new, march.resolved, march.resolved_in_time) == (5, 4, 3)
