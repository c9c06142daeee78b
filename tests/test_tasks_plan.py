"""The reform plan: progress arithmetic, status-based progress, the demo plan and copying a year."""

from __future__ import annotations

from datetime import date

import pytest

from tasks import demo, plans
from tasks.models import Component, Plan, Task, TaskStatus
from tasks.queries import PlanCounts, monthly_line, plan_counts, plan_counts_by

JUNE_1 = date(2023, 6, 1)


@pytest.fixture
def plan(ward, chairperson) -> Plan:
    return plans.create_plan(ward=ward, year=2023, by=chairperson)


def add(plan, code, *, by, due=date(2023, 3, 31), lead=None, component=Component.PROCEDURES, co=None):
    return plans.save_task(
        plan=plan,
        by=by,
        code=code,
        title="Nhiệm vụ {}".format(code),
        component=component,
        due_date=due,
        lead=lead,
        co_officials=co or [],
    )


def test_demo_plan_is_42_of_56_done_by_end_of_may(ward, chairperson, officer_tuphap, officer_datdai):
    demo.load_demo_plan(
        ward=ward,
        year=2023,
        officials=[officer_tuphap, officer_datdai, chairperson],
        by=chairperson,
        as_of=date(2023, 5, 31),
    )
    counts = plan_counts([ward.id], 2023, on=JUNE_1)[ward.id]
    assert (counts.done, counts.planned) == (42, 56)
    assert str(counts.done_ratio) == "75,0%"
    assert counts.overdue == 2
    assert counts.done + counts.in_progress + counts.not_started == 56
    by_component = plan_counts_by([ward.id], 2023, on=JUNE_1, by="component")
    assert {key[1] for key in by_component} == set(Component.values)
    assert sum(c.planned for c in by_component.values()) == 56
    line = monthly_line([ward.id], 2023)[ward.id]
    assert line.done_cumulative[4] == 42
    assert line.due_cumulative[-1] == 56
