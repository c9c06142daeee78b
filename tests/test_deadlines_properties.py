"""Property tests of the deadline rulebook on random histories played through the workflow
(supplements, resumes, hand-overs, apology letters, closing moves, back-dated entries):

1. the engine's bucket of every dossier equals ``deadlines.classify`` at the same cut-off;
2. appending any later events never changes an ended period's Biểu 06 counts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dossiers import buckets, calendar, deadlines, workflow
from dossiers.demo import load_catalogue
from dossiers.models import Agency, Channel, Dossier, Procedure, Status
from parindex.analytics import indicators
from parindex.base import periods
from parindex.base.models import City, Ward

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY0 = date(2024, 2, 1)  # Tết 2024 (08-14/02) falls inside the random histories
NOW = datetime(2030, 1, 1, 9, tzinfo=VN)
CODES = ("1.004227", "2.000720", "1.001193")  # 10 working days, 3 working days, same day
STEPS = ("supplement", "resume", "send", "back", "apology", "resolve", "withdraw", "start")
JUDGED = ("resolved_before", "resolved_on_time", "resolved_late", "in_progress_within", "in_progress_overdue")
KIND_OF = {
    "resolved_before": deadlines.BEFORE,
    "resolved_on_time": deadlines.ON_TIME,
    "resolved_late": deadlines.LATE,
    "in_progress_within": deadlines.WITHIN,
    "in_progress_overdue": deadlines.OVERDUE,
}

# (move, minutes after the previous): gaps up to twelve days, so due moments pass while open.
step = st.tuples(st.sampled_from(STEPS), st.integers(1, 60 * 24 * 12))
history = st.lists(
    st.tuples(
        st.integers(0, 50),  # reception day after DAY0
        st.integers(0, 23 * 60 + 59),  # minute of that day
        st.sampled_from(CODES),
        st.sampled_from([Channel.IN_PERSON, Channel.ONLINE, Channel.POST]),
        st.lists(step, max_size=6),
    ),
    min_size=1,
    max_size=5,
)
# Events after a period's end: (which dossier, move, minutes after the end).
later_events = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(STEPS), st.integers(0, 60 * 24 * 20)), min_size=1, max_size=8
)
cut = st.tuples(st.integers(0, 60), st.integers(0, 40))  # period start after DAY0, length in days


def _play(dossier, move: str, moment: datetime, user, agency) -> None:
    """Apply one random move when the state machine allows it (else nothing happens)."""
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
                due_date=calendar.local_date(moment) + timedelta(days=3),
            )
        elif move == "back":
            workflow.return_from_agency(dossier, by=user, at=moment)
        elif move == "apology":
            workflow.issue_apology(
                dossier,
                by=user,
                at=moment,
                reason="Chậm",
                new_due_date=max(dossier.due_date, calendar.local_date(moment)) + timedelta(days=5),
            )
        elif move == "resolve":
            workflow.resolve(dossier, by=user, at=moment)
        elif move == "withdraw":
            workflow.withdraw(dossier, by=user, at=moment, reason="Rút")
    except workflow.WorkflowError:
        pass  # an illegal move in this state: the random history simply skips it


class RandomHistories(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from django.contrib.auth import get_user_model

        load_catalogue()
        cls.city = City.objects.create(code="PT", name="Phan Thiết")
        cls.ward = Ward.objects.create(city=cls.city, code="BH", name="Phường Bình Hưng")
        cls.user = get_user_model().objects.create_user("diachinh", password="x")
        cls.agency = Agency.objects.get(code="VPDKDD")
        cls.procs = {p.code: p for p in Procedure.objects.filter(code__in=CODES)}

    def setUp(self):
        calendar.clear_cache()

    def build(self, items, *, until: datetime | None = None):
        """Play the histories; with ``until``, only the events before it (the rest is returned)."""
        later = []
        for day, minute, code, channel, steps in items:
            received = datetime.combine(
                DAY0 + timedelta(days=day), time(minute // 60, minute % 60), tzinfo=VN
            )
            if until is not None and received >= until:
                continue
            d = workflow.receive(
                ward=self.ward,
                procedure=self.procs[code],
                channel=channel,
                received_at=received,
                applicant_name="Nguyễn Văn An",
                by=self.user,
            )
            moment = received
            for move, gap in steps:
                moment = moment + timedelta(minutes=gap)
                if until is not None and moment >= until:
                    later.append((d, move, moment))
                    continue
                _play(d, move, moment, self.user, self.agency)
        return later

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(history, cut, st.integers(0, 60 * 24 * 30))
    def test_engine_bucket_equals_the_dossier_classification(self, items, window, now_offset):
        self.build(items)
        start, length = window
        period = periods.custom(DAY0 + timedelta(days=start), DAY0 + timedelta(days=start + length))
        # Once after the period has ended, once while it runs (now inside it).
        for now in (NOW, period.start_at + timedelta(minutes=now_offset)):
            judge = deadlines.judged_at(period.end_at, now=now)
            expected = {name: set() for name in JUDGED}
            for d in Dossier.objects.exclude(status=Status.REJECTED).prefetch_related("due_changes"):
                if d.received_at >= period.end_at or (d.resolved_at and d.resolved_at < period.start_at):
                    continue
                kind = deadlines.classify(d, at=period.end_at, now=now, judge=judge)
                for name in JUDGED:
                    if KIND_OF[name] == kind:
                        expected[name].add(d.id)
            for name in JUDGED:
                got = set(
                    buckets.bucket_queryset([self.ward.id], period, name, now=now).values_list(
                        "id", flat=True
                    )
                )
                assert got == expected[name], (name, now)
            counts = sum(
                indicators.dossier_counts([self.ward.id], period, now=now).values(),
                indicators.DossierCounts(),
            )
            assert counts.identity_errors() == []
            assert counts.in_progress_within == len(expected["in_progress_within"])

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(history, cut, later_events)
    def test_later_events_never_change_an_ended_period(self, items, window, events):
        start, length = window
        period = periods.custom(DAY0 + timedelta(days=start), DAY0 + timedelta(days=start + length))
        self.build(items, until=period.end_at)  # what had happened by the period's end
        before = indicators.dossier_counts([self.ward.id], period, now=NOW)
        dossiers = list(Dossier.objects.order_by("id"))
        for index, move, minutes in sorted(events, key=lambda e: e[2]):
            if dossiers:
                d = dossiers[index % len(dossiers)]
                _play(d, move, period.end_at + timedelta(minutes=minutes), self.user, self.agency)
        # A back-dated entry received after the period's end changes nothing either.
        self.build([(start + length + 1, 9 * 60, CODES[0], Channel.IN_PERSON, [("supplement", 30)])])
        assert indicators.dossier_counts([self.ward.id], period, now=NOW) == before
