"""Year targets: city defaults, ward overrides, per-field targets, status and projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from dossiers.models import Field
from parindex.targets import (
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


def test_reform_plan_is_projected_linearly_to_year_end():
    # 31/05/2023: 151 of 365 days elapsed; 42 of 56 tasks done projects to all 56 by 31/12.
    assert year_elapsed_share(date(2023, 5, 31)) == Decimal(151) / Decimal(365)
    result = assess(
        "tasks_done_rate",
        threshold=Decimal("100"),
        direction=">=",
        value=Decimal("75"),
        done=42,
        planned=56,
        on=date(2023, 5, 31),
    )
    assert (result.status, result.projection) == ("met", Decimal("100.0"))
    slow = assess(
        "tasks_done_rate",
        threshold=Decimal("100"),
        direction=">=",
        value=Decimal("25"),
        done=14,
        planned=56,
        on=date(2023, 5, 31),
    )
    assert slow.status == "missed"
    assert slow.projection == Decimal("60.4")


def test_count_targets_lower_is_better():
    kw = {"threshold": Decimal("0"), "direction": "<="}
    assert assess("apology_missing", value=0, **kw).status == "met"
    assert assess("apology_missing", value=2, **kw).status == "at_risk"
    assert assess("apology_missing", value=3, **kw).status == "missed"
