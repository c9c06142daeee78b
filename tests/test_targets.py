"""Year targets: city defaults, ward overrides, per-field targets, status and projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from dossiers.models import Field
from parindex.analytics.targets import (
    YearTarget,
    assess,
    create_default_targets,
    effective_targets,
    year_elapsed_share,
)


@pytest.fixture
def land(db) -> Field:
    return Field.objects.create(code="DD", name="Đất đai", sort_order=3)


def test_default_targets_follow_the_ward_plan(city, land):
    create_default_targets(city=city, year=2023)
    create_default_targets(city=city, year=2023)  # idempotent
    rows = {(t.indicator, t.field_id): (t.direction, t.threshold) for t in YearTarget.objects.all()}
    assert rows == {
        ("satisfaction", None): (">=", Decimal("84.00")),
        ("satisfaction", land.id): (">=", Decimal("82.00")),
        ("e_circulation_rate", None): (">=", Decimal("50.00")),
        ("online_rate", None): (">=", Decimal("30.00")),
        ("tasks_done_rate", None): (">=", Decimal("100.00")),
        ("on_time_rate", None): (">=", Decimal("95.00")),
    }


def test_ward_target_overrides_the_city_default(city, ward, other_ward, land, django_assert_num_queries):
    create_default_targets(city=city, year=2023)
    YearTarget.objects.create(ward=ward, year=2023, indicator="satisfaction", threshold=Decimal("90"))
    with django_assert_num_queries(1):
        targets = effective_targets([ward, other_ward], 2023)
    assert targets[ward.id][("satisfaction", None)].threshold == Decimal("90")
    assert targets[ward.id][("satisfaction", None)].ward_id == ward.id
    assert targets[other_ward.id][("satisfaction", None)].threshold == Decimal("84")
    # The per-field default still applies to the ward that overrides only the overall target.
    assert targets[ward.id][("satisfaction", land.id)].threshold == Decimal("82")
    assert effective_targets([ward], 2024)[ward.id] == {}


def test_target_belongs_to_a_ward_or_a_city_not_both(city, ward):
    with pytest.raises(IntegrityError), transaction.atomic():
        YearTarget.objects.create(ward=ward, city=city, year=2023, indicator="online_rate", threshold=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearTarget.objects.create(year=2023, indicator="online_rate", threshold=30)


def test_one_target_per_scope_indicator_field_and_year(ward):
    YearTarget.objects.create(ward=ward, year=2023, indicator="online_rate", threshold=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearTarget.objects.create(ward=ward, year=2023, indicator="online_rate", threshold=40)


def test_target_changes_are_kept_in_history(ward):
    target = YearTarget.objects.create(ward=ward, year=2023, indicator="online_rate", threshold=30)
    target.threshold = Decimal("35")
    target.save()
    assert [h.threshold for h in target.history.order_by("history_date")] == [Decimal("30"), Decimal("35")]


def test_ratio_status_uses_the_value_with_an_at_risk_margin():
    kw = {"threshold": Decimal("84"), "direction": ">="}
    assert assess("satisfaction", value=Decimal("84.0"), **kw).status == "met"
    assert assess("satisfaction", value=Decimal("80.0"), **kw).status == "at_risk"
    assert assess("satisfaction", value=Decimal("78.9"), **kw).status == "missed"
    assert assess("satisfaction", value=None, **kw).status == "no_data"


def test_reform_plan_is_judged_by_tasks_due_so_far_and_is_met_only_when_done():
    # 31/05/2023, 42 of 56 tasks done (75%) against 100%: not "met" (issue 14), however fast.
    assert year_elapsed_share(date(2023, 5, 31)) == Decimal(151) / Decimal(365)
    kw = {"threshold": Decimal("100"), "direction": ">=", "planned": 56, "on": date(2023, 5, 31)}
    ahead = assess("tasks_done_rate", value=Decimal("75"), done=42, expected=40, **kw)
    assert (ahead.status, ahead.expected, ahead.needed) == ("on_track", 40, 14)
    assert ahead.label == "Đúng tiến độ"
    assert assess("tasks_done_rate", value=Decimal("67.9"), done=38, expected=40, **kw).status == "at_risk"
    assert assess("tasks_done_rate", value=Decimal("25"), done=14, expected=40, **kw).status == "missed"
    assert assess("tasks_done_rate", value=Decimal("100"), done=56, expected=40, **kw).status == "met"
    year_end = {**kw, "on": date(2023, 12, 31)}
    assert (
        assess("tasks_done_rate", value=Decimal("98.2"), done=55, expected=56, **year_end).status == "missed"
    )


def test_ratio_below_target_is_at_risk_while_the_rest_of_the_year_can_still_make_it():
    # 31/05: 151/365 of the year. 80 of 100 satisfied against 84%: the 141.7 dossiers expected
    # in the rest of the year must reach 86.8%.
    kw = {"threshold": Decimal("84"), "direction": ">=", "on": date(2023, 5, 31)}
    reachable = assess("satisfaction", value=Decimal("80"), numerator=80, denominator=100, **kw)
    assert (reachable.status, reachable.needed) == ("at_risk", Decimal("86.8"))
    hopeless = assess("satisfaction", value=Decimal("20"), numerator=20, denominator=100, **kw)
    assert hopeless.status == "missed" and hopeless.needed > 100
    assert assess("satisfaction", value=Decimal("90"), numerator=90, denominator=100, **kw).status == "met"
    ended = {**kw, "on": date(2023, 12, 31)}
    assert (
        assess("satisfaction", value=Decimal("83.9"), numerator=839, denominator=1000, **ended).status
        == "missed"
    )


def test_count_targets_lower_is_better():
    kw = {"threshold": Decimal("0"), "direction": "<="}
    assert assess("apology_missing", value=0, **kw).status == "met"
    assert assess("apology_missing", value=2, **kw).status == "at_risk"
    assert assess("apology_missing", value=3, **kw).status == "missed"
