"""The QĐ 766 service index: every formula on hand-computed numbers, then from the records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dossiers import petitions, workflow
from dossiers.models import Channel, PetitionSatisfaction, PetitionSource, PetitionType, Rating
from parindex.analytics import service_index as si
from parindex.analytics.indicators import ratio
from parindex.analytics.service_index_data import ServiceIndexEntry, ServiceIndexWeight, WhenEmpty
from parindex.base.periods import month, quarter, year
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

D = Decimal


def _weights(day=date(2024, 1, 31)):
    return si.weights_on(list(ServiceIndexWeight.objects.all()), day)


def _catalogue(codes, online=(), fee=(), fee_online=()):
    return si.Catalogue(frozenset(codes), frozenset(online), frozenset(fee), frozenset(fee_online))


CATALOGUE = _catalogue("abcdefghij", online="abcdef", fee="xy", fee_online="x")
MANUAL = {
    "publicity.publication": (9, 10),
    "publicity.national_sync": (10, 10),
    "digitisation.e_copies": (1, 2),
}


def _facts(**kw):
    base = {
        "received": 10,
        "in_time": 8,
        "new": 10,
        "new_online": 3,
        "resolved": 10,
        "e_result": 5,
        "synced": 5,
        "digitised": 9,
        "reused": 4,
        "citizen": 10,
        "fee_due": 4,
        "paid_online": 1,
        "handled_bad": 2,
        "codes_new": {"a", "b"},
        "codes_online": {"a", "b", "c", "z"},  # z is not an online procedure: not counted
        "codes_paid_online": {"x"},
        "codes_citizen": {"a"},
    }
    base.update(kw)
    return si.Facts(**base)


@pytest.mark.django_db
def test_threshold_rule_and_empty_ratios():
    w = ServiceIndexWeight(max_points=D("6"), full_at=D("0.5"), when_empty=WhenEmpty.NONE)
    assert si.points_for(ratio(2, 5), w) == D("4.80")  # 6 x 0.4 / 0.5
    assert si.points_for(ratio(1, 2), w) == D("6.00")  # at the threshold: full points
    assert si.points_for(ratio(9, 10), w) == D("6")  # above it: never more than the maximum
    assert si.points_for(ratio(0, 0), w) is None
    w.when_empty = WhenEmpty.FULL
    assert si.points_for(ratio(0, 0), w) == D("6")
    w.when_empty = WhenEmpty.ZERO
    assert si.points_for(ratio(0, 0), w) == D("0")
    assert si.points_for(None, w) is None  # a city metric not entered


@pytest.mark.django_db
def test_every_group_on_hand_computed_numbers():
    groups = si.score(_facts(), CATALOGUE, MANUAL, _weights())
    points = {code: g.points for code, g in groups.items()}
    assert points["publicity"] == D("17.10")  # 9 x 0.9 + 9 x 1
    assert points["progress"] == D("16.00")  # 20 x 8 / 10
    # min(2, 2 x 0.6 / 0.8) + 4 x 3/6 + min(6, 6 x 0.3 / 0.5)
    assert [s.points for s in groups["online"].subs] == [D("1.50"), D("2.00"), D("3.60")]
    # 6 x 1/4 + min(2, 2.5 x 1/2) + 2.5 x 1/2
    assert [s.points for s in groups["payment"].subs] == [D("1.50"), D("1.25"), D("1.25")]
    # e-result 6 x .5, documents 4 x .9, reuse 2 x .4/.8, synced 4, citizen 2, per procedure 2 x 1/2, copies 2 x 1/2
    assert [s.points for s in groups["digitisation"].subs] == [
        D("3.00"), D("3.60"), D("1.00"), D("4.00"), D("2.00"), D("1.00"), D("1.00"),
    ]  # fmt: skip
    # handling 6 x 0.8 / 0.9 = 5.33; no PAKN: 6 + 6
    assert points["satisfaction"] == D("17.33")
    total = si.UnitScore(1, month(2024, 1), _facts(), groups).total
    assert (
        total
        == sum(points.values())
        == D("17.10") + D("16") + D("7.10") + D("4.00") + D("15.60") + D("17.33")
    )


@pytest.mark.django_db
def test_no_fee_bearing_procedure_gives_full_payment_points_capped_at_the_group():
    catalogue = _catalogue("abc", online="abc")
    groups = si.score(
        _facts(fee_due=0, paid_online=0, codes_paid_online=set()), catalogue, MANUAL, _weights()
    )
    assert [s.points for s in groups["payment"].subs] == [D("6"), D("2"), D("2.5")]
    assert groups["payment"].points == D("10")  # 10.5 by the published formula, capped at 10


@pytest.mark.django_db
def test_four_pakn_all_late_cost_twelve_points_as_in_phu_tho():
    # 400 handled, 43 of them late, dissatisfied or with a PAKN: 357/400 = 89.25% -> 6 x 0.8925 / 0.9
    facts = _facts(resolved=400, handled_bad=43, pakn_due=4, pakn_on_time=0, pakn_replied=4, pakn_satisfied=0)
    groups = si.score(facts, CATALOGUE, MANUAL, _weights())
    assert groups["satisfaction"].points == D("5.95")
    no_pakn = si.score(_facts(resolved=400, handled_bad=20), CATALOGUE, MANUAL, _weights())
    assert no_pakn["satisfaction"].points == D("18")


@pytest.mark.django_db
def test_total_only_when_every_group_has_a_score():
    groups = si.score(_facts(), CATALOGUE, {}, _weights())  # the city entered nothing
    unit = si.UnitScore(1, month(2024, 1), _facts(), groups)
    assert groups["publicity"].points is None and unit.total is None
    assert groups["progress"].points == D("16.00")


@pytest.mark.django_db
def test_empty_period_has_no_progress_score():
    groups = si.score(si.Facts(), CATALOGUE, MANUAL, _weights())
    assert groups["progress"].points is None
    assert groups["online"].points is None  # no new dossier: no online share
    assert groups["satisfaction"].points is None  # nothing handled
    assert si.UnitScore(1, month(2024, 1), si.Facts(), groups).total is None


@pytest.mark.django_db
def test_weights_are_data_from_a_date():
    ServiceIndexWeight.objects.create(
        code="progress.in_time", valid_from=date(2024, 6, 1), max_points=D("10")
    )
    before = si.score(_facts(), CATALOGUE, MANUAL, _weights(date(2024, 5, 31)))
    after = si.score(_facts(), CATALOGUE, MANUAL, _weights(date(2024, 6, 30)))
    assert before["progress"].points == D("16.00") and after["progress"].points == D("8.00")


def test_competition_ranking():
    ranks = si.competition_ranks({1: D("90"), 2: D("80.5"), 3: D("80.5"), 4: D("70"), 5: None})
    assert ranks == {1: 1, 2: 2, 3: 2, 4: 4, 5: None}


def test_previous_periods():
    assert si.previous(month(2024, 1)) == month(2023, 12)
    assert si.previous(quarter(2024, 1)) == quarter(2023, 4)
    assert si.previous(year(2024)) == year(2023)
    assert si.period_key(quarter(2023, 2)) == ("quarter", 2023, 2)


# -- from the records ---------------------------------------------------------------------------


@pytest.fixture
def pakn_type(db):
    return PetitionType.objects.create(
        code="TTHC", name="Thủ tục", subject="procedure", deadline_working_days=5
    )


def _receive(ward, procedure, by, day, *, channel=Channel.IN_PERSON, **kw):
    return workflow.receive(
        ward=ward,
        procedure=procedure,
        channel=channel,
        received_at=at(2024, 3, day, 9),
        applicant_name="Nguyễn Văn A",
        by=by,
        **kw,
    )


def _world(ward, officer, birth, business, pakn_type):
    """March 2024 in one ward: four dossiers and two PAKN."""
    a = _receive(
        ward,
        birth,
        officer,
        4,
        channel=Channel.ONLINE,
        digitised_at_reception=True,
        citizen_data_connected=True,
    )
    workflow.resolve(a, by=officer, at=at(2024, 3, 4, 11), electronic_result=True, result_synced=True)
    b = _receive(ward, business, officer, 5, channel=Channel.ONLINE, paid_online=True, payment_reference="P1")
    workflow.resolve(b, by=officer, at=at(2024, 3, 6, 10), electronic_result=True)
    workflow.rate(
        b, value=Rating.Value.NOT_SATISFIED, source=Rating.Source.OFFICER, at=at(2024, 3, 6, 11), by=officer
    )
    c = _receive(ward, business, officer, 6, reused_data=True)  # 3 working days: due 11/03
    workflow.resolve(c, by=officer, at=at(2024, 3, 13, 10))  # late, and rated badly? no: once anyway
    _receive(ward, birth, officer, 28)  # same day procedure left open: overdue at the end of March
    p1 = petitions.receive(
        ward=ward,
        petition_type=pakn_type,
        source=PetitionSource.COUNTER,
        petitioner_name="Trần B",
        content="Chậm trả kết quả",
        received_at=at(2024, 3, 7, 9),
        by=officer,
        dossier=c,
    )
    return a, b, c, p1


def test_board_counts_the_records_of_the_period(officer_tuphap, ward, birth, business, pakn_type):
    a, b, c, p1 = _world(ward, officer_tuphap, birth, business, pakn_type)
    petitions.reply(p1, text="Đã xử lý", outcome="upheld", by=officer_tuphap, at=at(2024, 3, 20, 9))
    facts = si.board([ward.id], month(2024, 3)).wards[ward.id].facts
    assert (facts.received, facts.new, facts.new_online, facts.resolved) == (4, 4, 2, 3)
    assert facts.in_time == 2  # a and b; c late, the last one overdue
    assert (facts.e_result, facts.synced, facts.digitised, facts.reused, facts.citizen) == (2, 1, 1, 1, 1)
    assert (facts.fee_due, facts.paid_online) == (2, 1)
    assert facts.handled_bad == 2  # b dissatisfied; c late and with a PAKN, counted once
    assert facts.codes_paid_online == {business.code} and facts.codes_citizen == {birth.code}
    assert (facts.pakn_due, facts.pakn_on_time, facts.pakn_replied, facts.pakn_satisfied) == (1, 0, 1, 0)


def test_pakn_answered_on_time_and_satisfied(officer_tuphap, ward, birth, business, pakn_type):
    *_rest, p1 = _world(ward, officer_tuphap, birth, business, pakn_type)
    petitions.reply(p1, text="Đã xử lý", outcome="upheld", by=officer_tuphap, at=at(2024, 3, 12, 9))
    p1.refresh_from_db()
    petitions.record_satisfaction(
        p1, satisfaction=PetitionSatisfaction.SATISFIED, by=officer_tuphap, at=at(2024, 3, 12, 10)
    )
    unit = si.board([ward.id], month(2024, 3)).wards[ward.id]
    assert (unit.facts.pakn_on_time, unit.facts.pakn_satisfied) == (1, 1)
    subs = {s.sub.code: s.points for s in unit.groups["satisfaction"].subs}
    assert subs["satisfaction.pakn_on_time"] == D("6.00") and subs["satisfaction.pakn_satisfied"] == D("6.00")


def test_city_metrics_of_a_quarter_add_up_its_months(
    officer_tuphap, ward, other_ward, birth, business, pakn_type
):
    for n, (num, den) in enumerate([(1, 2), (2, 2), (3, 4)], start=1):
        ServiceIndexEntry.objects.create(
            ward=ward, code="publicity.publication", kind="month", year=2024, number=n,
            numerator=num, denominator=den, entered_by=officer_tuphap,
        )  # fmt: skip
    result = si.board([ward.id, other_ward.id], quarter(2024, 1))
    sub = result.wards[ward.id].groups["publicity"].subs[0]
    assert (sub.ratio.numerator, sub.ratio.denominator) == (6, 8)
    # the other ward has no entry: the city's figure waits for it
    assert result.city.groups["publicity"].subs[0].ratio is None


def test_query_count_does_not_grow_with_the_data(
    officer_tuphap, ward, other_ward, birth, business, pakn_type, django_assert_num_queries
):
    periods = [month(2024, 3), month(2024, 2)]
    # weights, catalogue, city entries, official scores; then per period the dossiers and the PAKN
    with django_assert_num_queries(4 + 2 * 2):
        si.boards([ward.id, other_ward.id], periods)
    _world(ward, officer_tuphap, birth, business, pakn_type)
    _receive(other_ward, birth, officer_tuphap, 8)
    with django_assert_num_queries(4 + 2 * 2):
        result = si.boards([ward.id, other_ward.id], periods)
    assert result[0].city.facts.received == 5
