"""The facts maintained on write (dossiers/facts.py) give the live engine's figures.

1. Property: for random histories played through the workflow (receptions in any order, so later
   entries are back-dated against earlier ones; supplements, resumes, extensions, hand-overs,
   apology letters, resolutions, withdrawals, stops, refusals, ratings, edits of the flags) and
   random periods (calendar months, 15th-14th months, custom, ended or running), every figure
   from the facts equals the live engine's, the monthly trend included; and the facts kept move by
   move equal a rebuild from scratch.
2. ``manage.py facts check`` names a difference and ``facts rebuild`` repairs it.
3. The workflow keeps the facts in the move's own transaction.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bench import generate_load
from dossiers import calendar, facts, workflow
from dossiers.demo import load_catalogue
from dossiers.fact_models import COLUMNS, DayFact, MonthFact, YearFact
from dossiers.models import (
    Agency,
    ApologyLetter,
    Channel,
    Dossier,
    DossierEvent,
    DueChange,
    Hop,
    Procedure,
    Rating,
)
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.models import City, Ward

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY0 = date(2024, 1, 20)  # Tết 2024 (08-14/02) falls inside the random histories
NOW = datetime(2030, 1, 1, 9, tzinfo=VN)
# 10 working days (with a verification extension), 3 working days, same day
CODES = ("1.004227", "2.000720", "1.001193")
STEPS = (
    "start",
    "supplement",
    "resume",
    "send",
    "back",
    "extend",
    "apology",
    "resolve",
    "withdraw",
    "stop",
    "reject",
    "rate",
    "edit",
    "return",
)

step = st.tuples(st.sampled_from(STEPS), st.integers(1, 60 * 24 * 12))
history = st.lists(
    st.tuples(
        st.integers(-45, 70),  # reception day after DAY0 (from 06/12/2023: across a year's end)
        st.integers(0, 23 * 60 + 59),  # minute of that day
        st.sampled_from(CODES),
        st.sampled_from([Channel.IN_PERSON, Channel.ONLINE, Channel.POST]),
        st.booleans(),  # second ward
        st.lists(step, max_size=7),
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def a_period(draw) -> periods.Period:
    kind = draw(st.sampled_from(["month", "official_month", "year", "custom"]))
    if kind == "month":  # 12/2023 to 05/2024
        month = draw(st.integers(-1, 4))
        return periods.month(2024, 1 + month) if month >= 0 else periods.month(2023, 12)
    if kind == "official_month":  # 15/12/2023-14/01/2024 to 15/04-14/05/2024
        return periods.official_month(2024, draw(st.integers(1, 5)))
    if kind == "year":  # whole years (the yearly facts) and a year to date
        return draw(
            st.sampled_from([periods.year(2023), periods.year(2024)])
            | st.integers(0, 120).map(lambda n: periods.year_to_date(DAY0 + timedelta(days=n)))
        )
    start = DAY0 + timedelta(days=draw(st.integers(-50, 90)))
    return periods.custom(start, start + timedelta(days=draw(st.integers(0, 60))))


def _play(dossier, move: str, moment: datetime, user, agency) -> None:
    """Apply one move when the state machine allows it (else nothing happens)."""
    try:
        if move == "start":
            workflow.start(dossier, by=user, at=moment)
        elif move == "supplement":
            workflow.request_supplement(dossier, by=user, at=moment, items="Giấy tờ")
        elif move == "resume":
            workflow.resume(dossier, by=user, at=moment)
        elif move == "send":
            workflow.send_to_agency(
                dossier,
                agency=agency,
                by=user,
                at=moment,
                due_date=calendar.local_date(moment) + timedelta(days=2),
                electronic=moment.minute % 2 == 0,
            )
        elif move == "back":
            workflow.return_from_agency(dossier, by=user, at=moment)
        elif move == "extend":
            workflow.extend_verification(dossier, by=user, at=moment, reason="Xác minh")
        elif move == "apology":
            workflow.issue_apology(
                dossier,
                by=user,
                at=moment,
                reason="Chậm",
                new_due_date=max(dossier.due_date, calendar.local_date(moment)) + timedelta(days=5),
            )
        elif move == "resolve":
            workflow.resolve(dossier, by=user, at=moment, electronic_result=moment.minute % 2 == 1)
        elif move == "withdraw":
            workflow.withdraw(dossier, by=user, at=moment, reason="Rút")
        elif move == "stop":
            workflow.stop(dossier, by=user, at=moment, reason="Dừng")
        elif move == "reject":
            workflow.reject_at_reception(dossier, by=user, at=moment, reason="Thiếu giấy tờ")
        elif move == "rate":
            workflow.rate(
                dossier, value=("very", "yes", "no")[moment.minute % 3], source="officer", at=moment
            )
        elif move == "return":
            workflow.return_result(dossier, by=user, at=moment)
        elif move == "edit":
            dossier.refresh_from_db()
            workflow.edit(
                dossier,
                by=user,
                at=moment,
                expected_version=dossier.version,
                changes={
                    "e_circulated": not dossier.e_circulated,
                    "fee": Decimal(moment.minute % 2 * 50000),
                    "paid_online": moment.minute % 3 == 0,
                    "digitised_at_reception": not dossier.digitised_at_reception,
                },
            )
    except workflow.WorkflowError:
        pass  # an illegal move in this state: the random history skips it


def _last_moment() -> datetime:
    """The latest moment the random history recorded (receptions, moves, ratings, letters)."""
    from django.db.models import Max

    moments = [
        Dossier.objects.aggregate(m=Max("received_at"))["m"],
        DossierEvent.objects.aggregate(m=Max("at"))["m"],
        Rating.objects.aggregate(m=Max("rated_at"))["m"],
        ApologyLetter.objects.aggregate(m=Max("issued_at"))["m"],
        DueChange.objects.aggregate(m=Max("effective_at"))["m"],
        Hop.objects.aggregate(m=Max("returned_at"))["m"],
    ]
    return max([m for m in moments if m is not None], default=NOW)


def _day_facts() -> dict:
    """The daily facts, summed per (ward, field, day), zero rows left out."""
    rows = DayFact.objects.values_list("ward_id", "field_id", "day", *COLUMNS)
    return {r[:3]: r[3:] for r in rows if any(r[3:])}


class RandomHistories(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth import get_user_model

        load_catalogue()
        cls.city = City.objects.create(code="PT", name="Phan Thiết")
        cls.ward = Ward.objects.create(city=cls.city, code="BH", name="Phường Bình Hưng")
        cls.ward2 = Ward.objects.create(city=cls.city, code="PH", name="Phường Phú Hài")
        cls.user = get_user_model().objects.create_user("diachinh", password="x")
        cls.agency = Agency.objects.get(code="VPDKDD")
        cls.procs = {p.code: p for p in Procedure.objects.filter(code__in=CODES)}

    def setUp(self):
        calendar.clear_cache()

    def build(self, items) -> None:
        # Dossiers are entered one after the other in the order drawn: a dossier received on an
        # earlier day than one entered before it is a back-dated entry for every figure.
        for day, minute, code, channel, second, steps in items:
            received = datetime.combine(
                DAY0 + timedelta(days=day), time(minute // 60, minute % 60), tzinfo=VN
            )
            d = workflow.receive(
                ward=self.ward2 if second else self.ward,
                procedure=self.procs[code],
                channel=channel,
                received_at=received,
                applicant_name="Nguyễn Văn An",
                by=self.user,
                fee=Decimal(minute % 2 * 20000),
                e_circulated=minute % 5 == 0,
                digitised_at_reception=minute % 3 == 0,
            )
            moment = received
            for move, gap in steps:
                moment = moment + timedelta(minutes=gap)
                _play(d, move, moment, self.user, self.agency)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(history, st.lists(a_period(), min_size=1, max_size=3), st.integers(0, 60 * 24 * 40))
    def test_facts_give_the_live_engines_figures(self, items, some_periods, now_offset):
        self.build(items)
        ward_ids = [self.ward.id, self.ward2.id]
        # No moment after now is ever recorded (the workflow refuses it): a period judged while
        # it runs is judged after the history's last moment.
        last = _last_moment()
        for period in some_periods:
            # Once after the period has ended, once while it runs (now inside it or after it):
            # given by the caller (a running period's stock counted live) and as the clock's
            # (its stock from the facts at the end of today).
            running = max(period.start_at + timedelta(minutes=now_offset), last)
            for now in (NOW, running):
                assert indicators.facts_differences(ward_ids, period, now=now) == [], (period, now)
                assert indicators.facts_differences([self.ward.id], period, now=now) == [], (period, now)
            with mock.patch("django.utils.timezone.now", return_value=running):
                assert indicators.facts_differences(ward_ids, period) == [], (period, running)
        kept = _day_facts()
        facts.rebuild()
        assert _day_facts() == kept


@pytest.fixture
def history_made(db, ward, officer_datdai):
    load_catalogue()
    birth = Procedure.objects.get(code="2.000720")
    land = Procedure.objects.get(code="1.004227")
    made = []
    for i, proc in enumerate([birth, land, birth, land]):
        d = workflow.receive(
            ward=ward,
            procedure=proc,
            channel=Channel.IN_PERSON,
            received_at=datetime(2024, 3, 4 + i, 9, tzinfo=VN),
            applicant_name="Trần Văn Bình",
            by=officer_datdai,
        )
        made.append(d)
    workflow.start(made[0], by=officer_datdai, at=datetime(2024, 3, 4, 10, tzinfo=VN))
    workflow.resolve(made[0], by=officer_datdai, at=datetime(2024, 3, 5, 10, tzinfo=VN))
    workflow.request_supplement(
        made[1], by=officer_datdai, at=datetime(2024, 3, 6, 10, tzinfo=VN), items="Hợp đồng"
    )
    return made


def test_the_move_updates_the_facts_in_its_transaction(history_made, ward):
    march = periods.month(2024, 3)
    counts = sum(indicators.dossier_counts([ward.id], march).values(), indicators.DossierCounts())
    assert (counts.received, counts.resolved, counts.in_progress) == (4, 1, 3)
    # The stored daily rows: four receptions and one resolution in March.
    total = DayFact.objects.filter(ward=ward).aggregate(new=Sum("new_in_person"), done=Sum("resolved"))
    assert total == {"new": 4, "done": 1}
    month = MonthFact.objects.get(ward=ward, field=history_made[0].field, month=date(2024, 3, 1))
    assert (month.new_in_person, month.resolved_before + month.resolved_on_time) == (2, 1)
    # A move that fails rolls back its facts with it.
    with pytest.raises(workflow.WorkflowError):
        workflow.resolve(
            history_made[1], by=history_made[1].created_by, at=datetime(2024, 3, 7, 9, tzinfo=VN)
        )
    assert DayFact.objects.filter(ward=ward).aggregate(done=Sum("resolved")) == {"done": 1}


def test_check_names_a_difference_and_rebuild_repairs_it(history_made, ward, capsys):
    call_command("facts", "check")
    assert "agree with the live engine" in capsys.readouterr().out
    row = DayFact.objects.filter(ward=ward, new_in_person__gt=0).order_by("day").first()
    DayFact.objects.filter(pk=row.pk).update(new_in_person=row.new_in_person + 1)
    with pytest.raises(CommandError, match="differences"):
        call_command("facts", "check")
    err = capsys.readouterr().err
    found = re.search(r"15/02/2024-14/03/2024 BH \w+: received_in_person facts (\d+) != live (\d+)", err)
    assert found and int(found[1]) == int(found[2]) + 1
    assert "monthly rollup ward {}".format(ward.id) in err
    call_command("facts", "rebuild", "--ward", "BH")
    call_command("facts", "check")
    assert "agree" in capsys.readouterr().out
    # The yearly table is checked against its months the same way.
    year = YearFact.objects.filter(ward=ward, year=date(2024, 1, 1), new_in_person__gt=0).first()
    assert year is not None
    YearFact.objects.filter(pk=year.pk).update(new_in_person=year.new_in_person + 2)
    with pytest.raises(CommandError, match="differences"):
        call_command("facts", "check")
    assert "yearly rollup ward {} field {} 2024: ".format(ward.id, year.field_id) in capsys.readouterr().err
    call_command("facts", "rebuild", "--ward", "BH")
    call_command("facts", "check")
    assert "agree" in capsys.readouterr().out


def test_rebuild_of_some_days_and_bad_arguments(history_made, ward):
    before = _day_facts()
    call_command("facts", "rebuild", "--from", "2024-03-05", "--to", "2024-03-06")
    assert _day_facts() == before
    with pytest.raises(CommandError):
        call_command("facts", "rebuild", "--ward", "XX")
    with pytest.raises(CommandError):
        call_command("facts", "rebuild", "--from", "2024-13-01")
    with pytest.raises(CommandError):
        call_command("facts", "rebuild", "--from", "2024-03-06", "--to", "2024-03-05")


def test_dossiers_written_directly_have_no_facts_until_rebuilt(history_made, ward):
    """The facts follow the workflow; a bulk load (generate_load, imports of raw rows) rebuilds."""
    assert Dossier.objects.filter(ward=ward).count() == 4
    DayFact.objects.all().delete()
    MonthFact.objects.all().delete()
    YearFact.objects.all().delete()
    march = periods.month(2024, 3)
    assert indicators.dossier_counts([ward.id], march) == {}
    facts.rebuild()
    assert indicators.facts_differences([ward.id], march) == []


def test_a_bucket_the_facts_do_not_hold_is_counted_live(
    history_made, ward, monkeypatch, django_assert_num_queries
):
    march = periods.month(2024, 3)
    workflow.edit(
        history_made[2],
        by=history_made[2].created_by,
        at=datetime(2024, 3, 8, 9, tzinfo=VN),
        expected_version=history_made[2].version,
        changes={"digitised_at_reception": True},
    )
    with django_assert_num_queries(2):  # facts (ratings included), letters
        service = indicators.service_counts([ward.id], march)
    assert sum(s.digitised for _c, s in service.values()) == 1
    monkeypatch.setattr(indicators, "FACT_SERVICE_BUCKETS", ("circulated", "e_circulated"))
    with django_assert_num_queries(3):  # and the live aggregate for the buckets left
        service = indicators.service_counts([ward.id], march)
    assert sum(s.digitised for _c, s in service.values()) == 1
    assert indicators.facts_differences([ward.id], march) == []


@pytest.mark.django_db(transaction=True)
def test_facts_check_is_green_on_generated_load_data(capsys):
    """generate_load writes its rows with COPY / bulk_create and then builds their facts: the check
    compares them with the engine month by month (the bench does the same at every size)."""
    call_command(
        generate_load.Command(),
        wards=1,
        years=2,
        per_ward_year=100,
        seed=3,
        city="LOADFACTS",
        end=date(2024, 6, 28),
    )
    ward = Ward.objects.filter(city__code="LOADFACTS").order_by("code").first()
    capsys.readouterr()
    call_command("facts", "check", "--ward", ward.code)
    assert "1 wards x" in capsys.readouterr().out
    call_command(generate_load.Command(), city="LOADFACTS", cleanup=True)
    assert not DayFact.objects.filter(ward=ward).exists()


def test_the_migration_adds_the_ratings_already_given(history_made, ward):
    """dossiers/0020 fills the new columns and each rated dossier's stored contribution, so the
    facts agree with the engine and a later refresh adds nothing twice."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from dossiers.fact_models import DossierFact

    done = history_made[0]
    workflow.rate(done, value="yes", source="officer", at=datetime(2024, 3, 9, 8, tzinfo=VN))
    march = periods.month(2024, 3)
    assert indicators.facts_differences([ward.id], march) == []
    with_ratings = _day_facts()
    # The facts as they were before the migration: no rating columns, no rating entries.
    DayFact.objects.update(rated=0, rated_satisfied=0)
    MonthFact.objects.update(rated=0, rated_satisfied=0)
    fact = DossierFact.objects.get(dossier=done)
    fact.entries = [e for e in fact.entries if not e[3].startswith("rated")]
    fact.save()
    found = indicators.facts_differences([ward.id], march)
    assert {(f[2], f[3], f[4]) for f in found} == {("rated", 0, 1), ("rated_satisfied", 0, 1)}

    migration = importlib.import_module("dossiers.migrations.0020_facts_ratings")
    migration.fill(apps, type("Editor", (), {"connection": connection})())
    assert indicators.facts_differences([ward.id], march) == []
    assert _day_facts() == with_ratings
    facts.refresh([done.pk])
    assert _day_facts() == with_ratings


def test_the_migration_fills_the_years_from_the_months(history_made, ward, django_assert_num_queries):
    """dossiers/0022 fills the yearly table from the monthly one; a year period then reads one
    row per (ward, field) and agrees with the engine."""
    import importlib

    from django.apps import apps
    from django.db import connection

    workflow.receive(
        ward=ward,
        procedure=history_made[0].procedure,
        channel=Channel.ONLINE,
        received_at=datetime(2023, 12, 28, 9, tzinfo=VN),
        applicant_name="Lê Thị Cúc",
        by=history_made[0].created_by,
    )
    rows = ("ward_id", "field_id", "year", *COLUMNS)
    kept = sorted(YearFact.objects.values_list(*rows))
    assert [
        (r[2], r[3 + COLUMNS.index("new_online")]) for r in kept if r[3 + COLUMNS.index("new_online")]
    ] == [(date(2023, 1, 1), 1)]
    YearFact.objects.all().delete()
    migration = importlib.import_module("dossiers.migrations.0022_facts_years")
    migration.fill(apps, type("Editor", (), {"connection": connection})())
    assert sorted(YearFact.objects.values_list(*rows)) == kept
    assert facts.rollup_differences([ward.id]) == []
    for period in (
        periods.year(2023),
        periods.year(2024),
        periods.custom(date(2023, 12, 1), date(2024, 3, 31)),
    ):
        assert indicators.facts_differences([ward.id], period) == [], period
    counts = indicators.dossier_counts([ward.id], periods.year(2024))
    total = sum(counts.values(), indicators.DossierCounts())
    # the one received in December 2023 is carried over into 2024, still open, with the four of March
    assert (total.carried_over, total.received, total.resolved, total.in_progress) == (1, 5, 1, 4)
    with django_assert_num_queries(1):
        indicators.dossier_counts([ward.id], periods.year(2024))
