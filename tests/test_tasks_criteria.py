"""The PAR criteria tree: default tree, scores within 0..maximum, totals capped, missing lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tasks import criteria, demo
from tasks.models import Component, Criterion
from tasks.queries import par_totals


@pytest.fixture(autouse=True)
def _june_1(monkeypatch):
    monkeypatch.setattr("tasks.views.today", lambda: date(2023, 6, 1))


@pytest.fixture
def tree(ward, chairperson, officer_tuphap, officer_datdai):
    return demo.load_default_criteria(
        ward=ward, year=2023, officials=[officer_tuphap, officer_datdai], by=chairperson
    )


def get(ward, code, year=2023) -> Criterion:
    return Criterion.objects.get(ward=ward, year=year, code=code)


def test_default_tree_has_eight_components_and_100_points(ward, tree):
    totals = par_totals([ward.id], 2023)[ward.id]
    assert totals.overall.max_score == Decimal("100")
    assert {c.component for c in tree} == set(Component.values)
    assert totals.components[Component.IMPACT].max_score == Decimal("24")
    assert totals.overall.self_score == 0 and totals.overall.self_scored == 0


def test_totals_sum_children_and_cap_at_the_criterion_maximum(ward, chairperson, tree):
    # 1.1 (max 3) has 1.1.1 (max 1) and 1.1.2 (max 2); a province may publish sub-criteria whose
    # maxima exceed the criterion's, so a third one makes the cap matter.
    parent = get(ward, "1.1")
    extra = criteria.save_criterion(
        ward=ward,
        year=2023,
        by=chairperson,
        component=Component.DIRECTION,
        code="1.1.3",
        title="Sáng kiến",
        max_score=Decimal("2"),
        parent=parent,
    )
    criteria.score(get(ward, "1.1.1"), by=chairperson, self_score=Decimal("1"))
    criteria.score(get(ward, "1.1.2"), by=chairperson, self_score=Decimal("1.5"))
    criteria.score(extra, by=chairperson, self_score=Decimal("2"))
    criteria.score(get(ward, "1.3"), by=chairperson, self_score=Decimal("1.75"))
    totals = par_totals([ward.id], 2023)[ward.id]
    direction = totals.components[Component.DIRECTION]
    # 1.1: min(1 + 1.5 + 2, 3) = 3; 1.3: 1.75 (no sub-criteria); 1.2, 1.4, 1.5 not scored yet.
    assert direction.self_score == Decimal("4.75")
    assert direction.max_score == Decimal("12")
    assert str(direction.self_ratio) == "39,6%"
    assert totals.overall.self_score == Decimal("4.75")
    assert direction.self_scored == 2


@pytest.mark.parametrize(("value", "message"), [("3.5", "vượt điểm tối đa 2"), ("-1", "không được âm")])
def test_scores_outside_zero_to_maximum_are_refused(ward, chairperson, tree, value, message):
    with pytest.raises(ValidationError) as exc:
        criteria.score(get(ward, "1.1.2"), by=chairperson, self_score=Decimal(value))
    assert message in str(exc.value)
    assert "1.1.2" in str(exc.value)
    assert get(ward, "1.1.2").self_score is None


def test_database_refuses_scores_above_the_maximum(ward, tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(ward=ward, code="1.1.2").update(self_score=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(ward=ward, code="1.1.2").update(appraised_score=Decimal("-0.5"))


def test_parent_with_sub_criteria_cannot_be_scored_directly(ward, chairperson, tree):
    with pytest.raises(ValidationError):
        criteria.score(get(ward, "1.1"), by=chairperson, self_score=Decimal("2"))


def test_totals_against_last_year(client, ward, chairperson, officer_tuphap):
    criteria.create_default_tree(ward=ward, year=2022, by=chairperson)
    criteria.create_default_tree(ward=ward, year=2023, by=chairperson)
    criteria.score(get(ward, "1.3", 2022), by=chairperson, self_score=Decimal("1"))
    criteria.score(get(ward, "1.3", 2023), by=chairperson, self_score=Decimal("2"))
    client.force_login(chairperson)
    response = client.get(reverse("tasks:criteria"), {"year": 2023})
    assert response.context["totals"].overall.self_score == Decimal("2")
    assert response.context["last"].overall.self_score == Decimal("1")


def test_officer_scores_own_criterion_only_and_page_shows_the_error(client, ward, tree, officer_tuphap):
    mine = Criterion.objects.filter(
        ward=ward, year=2023, responsible=officer_tuphap, children__isnull=True, parent__isnull=False
    ).first()
    other = (
        Criterion.objects.exclude(responsible=officer_tuphap).filter(ward=ward, parent__isnull=False).first()
    )
    client.force_login(officer_tuphap)
    response = client.post(
        reverse("tasks:criterion_detail", args=[mine.pk]), {"self_score": "99", "comment": ""}
    )
    assert response.status_code == 400
    assert "vượt điểm tối đa" in response.content.decode()
    ok = client.post(
        reverse("tasks:criterion_detail", args=[mine.pk]),
        {"self_score": "1", "comment": "Có biên bản", "appraised_score": "1"},
    )
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert (mine.self_score, mine.appraised_score) == (Decimal("1"), None)  # appraisal is for leaders
    assert (
        client.post(reverse("tasks:criterion_detail", args=[other.pk]), {"self_score": "1"}).status_code
        == 403
    )


def test_criteria_without_evidence_or_responsible_are_listed(client, ward, chairperson, tree):
    from tasks.plans import add_evidence

    leaf = get(ward, "1.3")
    add_evidence(by=chairperson, criterion=leaf, note="Kế hoạch kiểm tra số 12/KH-UBND")
    unassigned = get(ward, "2.1")
    criteria.save_criterion(
        ward=ward,
        year=2023,
        by=chairperson,
        criterion=unassigned,
        component=unassigned.component,
        code="2.1",
        title=unassigned.title,
        max_score=unassigned.max_score,
        responsible=None,
    )
    client.force_login(chairperson)
    response = client.get(reverse("tasks:criteria"), {"year": 2023})
    no_evidence = {c.code for c in response.context["no_evidence"]}
    assert "1.3" not in no_evidence and "1.1.1" in no_evidence
    assert "1.1" not in no_evidence  # scored through its sub-criteria
    assert [c.code for c in response.context["no_responsible"]] == ["2.1"]


@pytest.mark.parametrize("extra", [0, 20])
def test_criteria_page_queries_do_not_grow(
    client, ward, chairperson, tree, django_assert_max_num_queries, extra
):
    parent = get(ward, "1.3")
    for i in range(extra):
        criteria.save_criterion(
            ward=ward,
            year=2023,
            by=chairperson,
            component=Component.DIRECTION,
            code="1.3.{}".format(i),
            title="Thành phần {}".format(i),
            max_score=Decimal("1"),
            parent=parent,
        )
    client.force_login(chairperson)
    # session, user, membership, criteria with evidence counts, totals this year and last year,
    # session save (savepoint, update, release): 9.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("tasks:criteria"), {"year": 2023})
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        export = client.get(reverse("tasks:criteria"), {"year": 2023, "export": "xlsx"})
    assert export.status_code == 200
