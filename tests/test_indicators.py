"""The indicator engine: Biểu 06 counts, carry-over, drill-down buckets, query counts, identities.

Dossier rows are created directly (bulk_create with consistent field values) so the engine is
tested against the facts it reads, independently of the workflow functions.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dossiers import facts
from dossiers.buckets import BUCKETS, bucket_queryset
from dossiers.models import ApologyLetter, Dossier, Field, Hop, Procedure, Rating, Status
from parindex.analytics.indicators import (
    COUNT_BUCKETS,
    DossierCounts,
    dossier_counts,
    ratio,
    service_counts,
)
from parindex.base import periods
from parindex.base.models import City, Ward

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_codes = itertools.count(1)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


def make_field(code: str = "HT", name: str = "Tư pháp - Hộ tịch", order: int = 1) -> Field:
    return Field.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})[0]


def make_procedure(field: Field) -> Procedure:
    return Procedure.objects.get_or_create(
        code="P-" + field.code,
        valid_from=date(2020, 1, 1),
        defaults={"field": field, "name": "Thủ tục " + field.name, "processing_days": 5},
    )[0]


def dossier(
    ward: Ward,
    field: Field,
    user,
    *,
    received: datetime,
    due: date | None,
    resolved: datetime | None = None,
    status: str | None = None,
    channel: str = "in_person",
    **extra,
) -> Dossier:
    """An unsaved dossier with consistent status and dates."""
    if status is None:
        status = Status.RETURNED if resolved else Status.IN_PROGRESS
    return Dossier(
        ward=ward,
        code="HS-{:06d}".format(next(_codes)),
        # A day-based due date ends at the close of that day (dossiers/deadlines.py).
        due_at=datetime.combine(due, time(17, 0), tzinfo=VN) if due else None,
        due_since=received,
        procedure=make_procedure(field),
        field=field,
        channel=channel,
        status=status,
        received_at=received,
        due_date=due,
        original_due_date=due,
        resolved_at=resolved,
        resolved_on=resolved.astimezone(VN).date() if resolved else None,
        applicant_name="Nguyễn Văn A",
        created_by=user,
        **extra,
    )


@pytest.fixture
def fields_(db):
    return make_field("HT", "Tư pháp - Hộ tịch", 1), make_field("DD", "Đất đai", 2)


@pytest.fixture
def scenario(ward, other_ward, officer_tuphap, fields_):
    """A March 2024 story for Bình Hưng (calendar month 01/03-31/03/2024), one row per bucket."""
    ht, dd = fields_
    u = officer_tuphap
    rows = {
        # carried over from February, resolved in March on the due day
        "carried_on_time": dossier(
            ward,
            ht,
            u,
            received=at(date(2024, 2, 26)),
            due=date(2024, 3, 4),
            resolved=at(date(2024, 3, 4), 16),
        ),
        # carried over, still open at the end of March, overdue
        "carried_overdue": dossier(ward, dd, u, received=at(date(2024, 2, 20)), due=date(2024, 3, 1)),
        # resolved in February: not in March at all
        "closed_before": dossier(
            ward,
            ht,
            u,
            received=at(date(2024, 2, 1)),
            due=date(2024, 2, 8),
            resolved=at(date(2024, 2, 29), 23, 59),
        ),
        # new online, resolved early, e-circulated with an e-result and paid online
        "online_before": dossier(
            ward,
            dd,
            u,
            received=at(date(2024, 3, 1), 0, 0),
            due=date(2024, 3, 8),
            resolved=at(date(2024, 3, 5)),
            channel="online",
            e_circulated=True,
            electronic_result=True,
            fee=50000,
            paid_online=True,
            digitised_at_reception=True,
        ),
        # new by post, resolved late (a day after the due date), with an apology letter
        "post_late": dossier(
            ward,
            dd,
            u,
            received=at(date(2024, 3, 4)),
            due=date(2024, 3, 11),
            resolved=at(date(2024, 3, 12)),
            channel="post",
            fee=20000,
        ),
        # new in person, withdrawn after the due date: counts on time
        "withdrawn": dossier(
            ward,
            ht,
            u,
            received=at(date(2024, 3, 5)),
            due=date(2024, 3, 6),
            resolved=at(date(2024, 3, 20)),
            status=Status.WITHDRAWN,
        ),
        # new in person, still open, due on the last day of the period: within
        "open_due_last_day": dossier(ward, ht, u, received=at(date(2024, 3, 25)), due=date(2024, 3, 31)),
        # new, resolved after the end of March: in progress in March, overdue
        "resolved_after": dossier(
            ward,
            dd,
            u,
            received=at(date(2024, 3, 18)),
            due=date(2024, 3, 25),
            resolved=at(date(2024, 4, 1), 0, 0),
            channel="online",
        ),
        # refused at the counter: never received for handling
        "rejected": dossier(
            ward,
            ht,
            u,
            received=at(date(2024, 3, 6)),
            due=None,
            status=Status.REJECTED,
        ),
        # received in April: not in March
        "april": dossier(ward, ht, u, received=at(date(2024, 4, 1), 0, 0), due=date(2024, 4, 5)),
        # another ward's dossier
        "other_ward": dossier(other_ward, ht, u, received=at(date(2024, 3, 7)), due=date(2024, 3, 8)),
    }
    Dossier.objects.bulk_create(rows.values())
    rows = {name: Dossier.objects.get(code=d.code) for name, d in rows.items()}
    ApologyLetter.objects.create(
        dossier=rows["post_late"],
        ward=ward,
        field=dd,
        issued_at=at(date(2024, 3, 10)),
        issued_by=u,
        reason="Chậm tại văn phòng đăng ký đất đai",
        new_due_date=date(2024, 3, 12),
    )
    from dossiers.models import Agency

    agency = Agency.objects.create(code="VPDK", name="Văn phòng đăng ký đất đai")
    Hop.objects.create(
        dossier=rows["post_late"],
        agency=agency,
        sent_at=at(date(2024, 3, 5)),
        sent_by=u,
        due_date=date(2024, 3, 8),
        electronic=False,
    )
    Rating.objects.create(
        dossier=rows["online_before"],
        ward=ward,
        field=dd,
        value="very",
        source="public",
        rated_at=at(date(2024, 3, 6)),
    )
    Rating.objects.create(
        dossier=rows["post_late"],
        ward=ward,
        field=dd,
        value="no",
        source="officer",
        rated_at=at(date(2024, 3, 12)),
    )
    Rating.objects.create(
        dossier=rows["carried_on_time"],
        ward=ward,
        field=ht,
        value="yes",
        source="officer",
        rated_at=at(date(2024, 3, 4)),
    )
    facts.rebuild()  # rows written directly: build their facts as the workflow would
    return rows


MARCH = periods.month(2024, 3)


def test_march_counts_per_field_follow_the_definitions(scenario, ward, fields_):
    ht, dd = fields_
    counts = dossier_counts([ward.id], MARCH)
    assert set(counts) == {(ward.id, ht.id), (ward.id, dd.id)}
    assert counts[(ward.id, ht.id)] == DossierCounts(
        received=3,
        received_online=0,
        received_in_person=2,
        received_post=0,
        carried_over=1,
        resolved=2,
        resolved_before=0,
        resolved_on_time=2,
        resolved_late=0,
        in_progress=1,
        in_progress_within=1,
        in_progress_overdue=0,
    )
    assert counts[(ward.id, dd.id)] == DossierCounts(
        received=4,
        received_online=2,
        received_in_person=0,
        received_post=1,
        carried_over=1,
        resolved=2,
        resolved_before=1,
        resolved_on_time=0,
        resolved_late=1,
        in_progress=2,
        in_progress_within=0,
        in_progress_overdue=2,
    )
    for cell in counts.values():
        assert cell.identity_errors() == []


def test_carry_over_is_derived_from_dates(scenario, ward):
    total = sum(dossier_counts([ward.id], MARCH).values(), DossierCounts())
    assert total.carried_over == 2
    april = sum(dossier_counts([ward.id], periods.month(2024, 4)).values(), DossierCounts())
    # April carries over March's three still-open dossiers: due-last-day, resolved-after (resolved
    # at 00:00 on 01/04, i.e. inside April) and the February overdue one.
    assert april.carried_over == 3
    assert april.received_new == 1
    assert april.resolved == 1
    assert april.in_progress == 3


def test_field_filter_and_ward_scope(scenario, ward, other_ward, fields_):
    ht, dd = fields_
    only_dd = dossier_counts([ward.id], MARCH, field_id=dd.id)
    assert list(only_dd) == [(ward.id, dd.id)]
    both = dossier_counts([ward.id, other_ward.id], MARCH)
    assert both[(other_ward.id, ht.id)].received == 1


def test_service_counts_ratings_and_apologies(scenario, ward, fields_):
    ht, dd = fields_
    cells = service_counts([ward.id], MARCH)
    _, land = cells[(ward.id, dd.id)]
    assert land.circulated == 2  # online_before (flag) and post_late (hop)
    assert land.e_circulated == 1
    assert land.fee_due == 2 and land.paid_online == 1
    assert land.digitised == 1
    assert land.electronic_result == 1
    assert land.needs_apology == 3  # post_late resolved late, carried_overdue and resolved_after
    assert land.apology_missing == 2
    assert land.apology_issued == 1
    assert (land.rated, land.rated_satisfied) == (2, 1)
    _, civil = cells[(ward.id, ht.id)]
    assert (civil.rated, civil.rated_satisfied) == (1, 1)
    assert str(ratio(land.rated_satisfied, land.rated)) == "50,0%"


@pytest.mark.parametrize("field_code", [None, "DD"])
def test_drill_down_returns_exactly_the_counted_dossiers(scenario, ward, other_ward, fields_, field_code):
    field_id = Field.objects.get(code=field_code).id if field_code else None
    wards = [ward.id, other_ward.id]
    cells = service_counts(wards, MARCH, field_id=field_id)
    counts = sum((c for c, _ in cells.values()), DossierCounts())
    service = None
    for _, s in cells.values():
        service = s if service is None else service + s
    expected = {name: getattr(counts, name) for name in COUNT_BUCKETS}
    expected["received_new"] = counts.received_new
    expected["received_offline"] = counts.received_offline
    expected.update({name: getattr(service, name) for name in BUCKETS if hasattr(service, name)})
    assert set(expected) == set(BUCKETS)
    for name in BUCKETS:
        qs = bucket_queryset(wards, MARCH, name, field_id=field_id)
        assert len(qs) == expected[name], name


def test_drill_down_names_the_dossiers(scenario, ward):
    codes = set(bucket_queryset([ward.id], MARCH, "in_progress_overdue").values_list("code", flat=True))
    assert codes == {scenario["carried_overdue"].code, scenario["resolved_after"].code}
    late = bucket_queryset([ward.id], MARCH, "resolved_late").get()
    assert late == scenario["post_late"]


def test_unknown_bucket_is_refused(ward):
    with pytest.raises(ValueError):
        bucket_queryset([ward.id], MARCH, "everything")


def test_official_month_differs_from_calendar_month(scenario, ward):
    # Official March 2024 = 15/02 - 14/03: the February dossiers are new, not carried over.
    official = periods.official_month(2024, 3)
    assert (official.start, official.end) == (date(2024, 2, 15), date(2024, 3, 14))
    total = sum(dossier_counts([ward.id], official).values(), DossierCounts())
    assert total.carried_over == 1  # closed_before was received 01/02 and resolved 29/02
    # New: carried_on_time, carried_overdue (February), online_before, post_late, withdrawn.
    assert total.received_new == 5
    # closed_before (resolved 29/02, due 08/02) now falls inside the period, late.
    assert total.resolved_late == 2
    # The withdrawn dossier is still open on 14/03 and overdue (due 06/03).
    assert total.in_progress_overdue == 2
    assert total.identity_errors() == []


# --- Query counts -------------------------------------------------------------------------------


def _bulk(wards: list[Ward], field: Field, user, n: int) -> None:
    rows = []
    for i in range(n):
        day = date(2024, 1, 1) + timedelta(days=i % 120)
        resolved = at(day + timedelta(days=i % 9)) if i % 3 else None
        rows.append(
            dossier(
                wards[i % len(wards)],
                field,
                user,
                received=at(day),
                due=day + timedelta(days=5),
                resolved=resolved,
                channel=("online", "in_person", "post")[i % 3],
            )
        )
    Dossier.objects.bulk_create(rows)
    facts.rebuild()


@pytest.mark.parametrize(("n_dossiers", "n_wards"), [(10, 1), (10_000, 5)])
def test_counts_take_one_query_whatever_the_size(
    city, officer_tuphap, fields_, django_assert_num_queries, n_dossiers, n_wards
):
    wards = [
        Ward.objects.create(city=city, code="W{}".format(i), name="P{}".format(i)) for i in range(n_wards)
    ]
    _bulk(wards, fields_[0], officer_tuphap, n_dossiers)
    ids = [w.id for w in wards]
    # 1 query: the grouped dossier aggregate.
    with django_assert_num_queries(1):
        counts = dossier_counts(ids, periods.quarter(2024, 1))
    assert sum(c.received for c in counts.values()) > 0
    # 2 queries: the facts (ratings included) and the apology letters.
    with django_assert_num_queries(2):
        service_counts(ids, periods.quarter(2024, 1))
    # A running period judged at a moment the caller gives: the facts and the open dossiers
    # counted live (a moment in the past may lie before moments already recorded).
    noon = datetime(2024, 2, 20, 12, tzinfo=VN)
    with django_assert_num_queries(2):
        running = dossier_counts(ids, periods.quarter(2024, 1), now=noon)
    assert sum(c.received for c in running.values()) == sum(
        c.received for c in dossier_counts(ids, periods.quarter(2024, 1), now=noon, live=True).values()
    )
    # On the clock, after every recorded moment (the last is 07/05; nothing is recorded after
    # now + CLOCK_SKEW): all from the facts, 1 query, the same figures as the live engine's.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 5, 10, 15, tzinfo=VN)):
        with django_assert_num_queries(1):
            clock = dossier_counts(ids, periods.quarter(2024, 2))
        assert clock == dossier_counts(ids, periods.quarter(2024, 2), live=True)
        assert sum(c.in_progress for c in clock.values()) > 0
    # In the minutes before midnight a move may already be dated tomorrow: counted live.
    late = datetime(2024, 5, 10, 23, 58, tzinfo=VN)
    with mock.patch("django.utils.timezone.now", return_value=late), django_assert_num_queries(2):
        dossier_counts(ids, periods.quarter(2024, 2))


# --- Property test: identities on random histories ----------------------------------------------

DAY0 = date(2024, 1, 1)


@st.composite
def histories(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    items = []
    for _ in range(n):
        received = draw(st.integers(0, 200))
        hour = draw(st.integers(0, 23))
        due = draw(st.one_of(st.none(), st.integers(0, 30)))
        resolved = draw(st.one_of(st.none(), st.integers(0, 60)))
        status = draw(st.sampled_from(["returned", "withdrawn", "stopped", "rejected", "supplement"]))
        channel = draw(st.sampled_from(["online", "in_person", "post"]))
        items.append((received, hour, due, resolved, status, channel))
    start = draw(st.integers(0, 230))
    length = draw(st.integers(0, 120))
    return items, start, length


class TestIdentitiesOnRandomHistories(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth import get_user_model

        cls.city = City.objects.create(code="PT", name="Phan Thiết")
        cls.ward = Ward.objects.create(city=cls.city, code="BH", name="Phường Bình Hưng")
        cls.user = get_user_model().objects.create_user("tuphap", password="x")
        cls.field = make_field()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(histories())
    def test_identities_hold_for_any_period(self, history):
        items, start, length = history
        rows = []
        for received, hour, due, resolved, status, channel in items:
            received_at = at(DAY0 + timedelta(days=received), hour)
            closed = status in ("returned", "withdrawn", "stopped")
            if status == "supplement" and resolved is not None:
                closed, status = True, "returned"
            resolved_at = received_at + timedelta(days=resolved or 0, hours=1) if closed else None
            rows.append(
                dossier(
                    self.ward,
                    self.field,
                    self.user,
                    received=received_at,
                    due=None if due is None else received_at.date() + timedelta(days=due),
                    resolved=resolved_at,
                    status=status,
                    channel=channel,
                )
            )
        Dossier.objects.bulk_create(rows)
        facts.rebuild()
        period = periods.custom(DAY0 + timedelta(days=start), DAY0 + timedelta(days=start + length))
        total = sum(dossier_counts([self.ward.id], period).values(), DossierCounts())
        assert total.identity_errors() == []
        # Carried over + new = everything accepted and open at some moment of the period.
        accepted = [d for d in rows if d.status != "rejected"]
        expected = [
            d
            for d in accepted
            if d.received_at < period.end_at and (d.resolved_at is None or d.resolved_at >= period.start_at)
        ]
        assert total.received == len(expected)
        Dossier.objects.all().delete()
