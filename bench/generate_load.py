"""``python bench/load.py --wards 100 --years 5 --per-ward-year 2000``: province-scale load data.

A city (code ``LOAD`` by default; always starting with ``LOAD``) with ``--wards`` wards, each with
``--per-ward-year`` dossiers in each of the ``--years`` calendar years ending with ``--end``'s
year, their whole history (events, hand-overs, supplement pauses, apology letters, ratings), the
ward's people (a leader and five officers with accounts), a reform plan per year and the staffing
table. ``--cleanup`` deletes exactly that city and everything under it.

Why not the workflow functions: they take ~20 queries per dossier; a million would take hours.
Instead each dossier's timeline is played out in memory with the same rules (due dates from the
working-day calendar, due moments at the close of the due day, pauses that move the due moment by
the working minutes stopped, each change of the due moment as a DueChange row, hops returned
before/on time/late, letters issued before the due moment (a few after it, flagged), closing facts
written with the event that closes). It also writes the cases that matter at a period's end:
dossiers still waiting for a supplement past their original due date, and late hops of dossiers
the ward still finished on time) and the rows go to
PostgreSQL with COPY (``bulk_create`` on other databases, for the tests). The denormalised facts
(status, outcome, due_at/due_date/due_since/due_paused, resolved_at/resolved_on, field, flags) are exactly what the workflow
would have left, so the engine's Biểu 06 identities hold. Per-model history rows (simple_history)
are not generated.

Deterministic: the same arguments (``--seed``, ``--end`` included) give the same rows.
"""

from __future__ import annotations

import bisect
import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from unidecode import unidecode

from dossiers import calendar, facts
from dossiers.demo import load_catalogue
from dossiers.fact_models import AgencyDayFact, DayFact, DossierFact, MonthFact, YearFact
from dossiers.models import (
    Agency,
    ApologyLetter,
    CodeCounter,
    Dossier,
    DossierEvent,
    DueChange,
    Hop,
    LogCounter,
    Procedure,
    Rating,
    SupplementRequest,
)
from parindex.base.models import City, Membership, Role, Ward
from parindex.demo import FAMILY, GIVEN, MIDDLE, STORY_MIX, STREETS

User = get_user_model()
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PREFIX = "LOAD"
PASSWORD = "cchc@2023"
FLUSH_DOSSIERS = 50_000  # rows kept in memory before they are written

# Handler per field code (as in the demo): the officer who logs and handles the dossier.
HANDLER = {"TP-HT": 1, "CT": 1, "DD": 2, "XD": 2, "MT": 2, "HKD": 4}  # else 3 (culture-social)
PEOPLE = [
    ("chutich", Role.LEADER, "Chủ tịch UBND phường"),
    ("tuphap", Role.OFFICER, "Công chức Tư pháp - Hộ tịch"),
    ("diachinh", Role.OFFICER, "Công chức Địa chính - Xây dựng - Đô thị và Môi trường"),
    ("vanhoa", Role.OFFICER, "Công chức Văn hóa - Xã hội"),
    ("ketoan", Role.OFFICER, "Công chức Tài chính - Kế toán"),
    ("motcua", Role.OFFICER, "Công chức Bộ phận Một cửa"),
]
PARTNER = {"DD": "CN-VPDKDD", "HKD": "THUE", "XD": "QLDT"}

DOSSIER_COLUMNS = [
    "id",
    "ward_id",
    "code",
    "official_code",
    "received_by_ward_id",
    "transfer_accepted_at",
    "transfer_accepted_by_id",
    "result_at_counter",
    "procedure_id",
    "field_id",
    "channel",
    "status",
    "outcome",
    "received_at",
    "backdate_reason",
    "due_at",
    "due_date",
    "original_due_date",
    "due_since",
    "due_paused",
    "paused_minutes",
    "resolved_at",
    "resolved_on",
    "returned_at",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "documents",
    "sets",
    "fee",
    "paid_online",
    "payment_reference",
    "digitised_at_reception",
    "reused_data",
    "citizen_data_connected",
    "e_circulated",
    "electronic_result",
    "result_synced",
    "cancel_reason",
    "cancel_basis",
    "result_delivery",
    "log_year",
    "log_volume",
    "log_number",
    "notify_consent",
    "notify_channel",
    "search_text",
    "version",
    "created_by_id",
    "assignee_id",
    "created_at",
    "updated_at",
]
EVENT_COLUMNS = ["dossier_id", "kind", "from_status", "to_status", "at", "by_id", "note", "recorded_at"]
HOP_COLUMNS = [
    "dossier_id",
    "agency_id",
    "sent_at",
    "sent_by_id",
    "receiver",
    "due_date",
    "returned_at",
    "result",
    "electronic",
    "note",
]
SUPPLEMENT_COLUMNS = [
    "dossier_id",
    "requested_at",
    "requested_by_id",
    "stage",
    "items",
    "legal_basis",
    "resumed_at",
    "paused_minutes",
]
APOLOGY_COLUMNS = [
    "dossier_id",
    "ward_id",
    "field_id",
    "issued_at",
    "issued_by_id",
    "reason",
    "agency_at_fault_id",
    "new_due_date",
    "issued_late",
]
DUE_CHANGE_COLUMNS = ["dossier_id", "kind", "effective_at", "due_at", "note", "recorded_at"]
RATING_COLUMNS = ["dossier_id", "ward_id", "field_id", "value", "source", "comment", "rated_at"]

TABLES = [
    (Dossier, DOSSIER_COLUMNS, "dossiers"),
    (DossierEvent, EVENT_COLUMNS, "events"),
    (Hop, HOP_COLUMNS, "hops"),
    (SupplementRequest, SUPPLEMENT_COLUMNS, "supplements"),
    (DueChange, DUE_CHANGE_COLUMNS, "due_changes"),
    (ApologyLetter, APOLOGY_COLUMNS, "apologies"),
    (Rating, RATING_COLUMNS, "ratings"),
]


def _check_columns() -> None:
    """Fail loudly when the models gain or lose a column the generator does not write."""
    for model, columns, _key in TABLES:
        have = {f.column for f in model._meta.concrete_fields} - {"id"}
        want = set(columns) - {"id"}
        if have != want:
            raise CommandError(
                "{} columns changed: missing {}, unknown {}".format(
                    model.__name__, sorted(have - want), sorted(want - have)
                )
            )


class WorkingDays:
    """The working-day calendar precomputed as a sorted list: O(log n) per due date instead of a
    holidays lookup per day per dossier. Same answers as ``dossiers.calendar``."""

    def __init__(self, first: date, last: date):
        self.days: list[date] = []
        d = first
        while d <= last:
            if calendar.is_working_day(d):
                self.days.append(d)
            d += timedelta(days=1)
        self.set = frozenset(self.days)

    def is_working(self, d: date) -> bool:
        return d in self.set

    def add(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (n=0: start)."""
        if n == 0:
            return start
        return self.days[bisect.bisect_right(self.days, start) + n - 1]

    def next(self, d: date) -> date:
        return self.add(d, 1)

    def previous(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self.days[bisect.bisect_left(self.days, d) - 1]

    def between(self, first: date, last: date) -> list[date]:
        """Working days in first..last inclusive."""
        return self.days[bisect.bisect_left(self.days, first) : bisect.bisect_right(self.days, last)]

    def due_date(self, proc: Procedure, moment: datetime, channel: str) -> date:
        """``deadlines.due_date_for`` on the table (``moment`` is local time; day-based
        procedures, default working hours)."""
        day = moment.date()
        if channel == "online" and (not self.is_working(day) or moment.time() >= CLOSE):
            day = self.next(day)
        if proc.same_day:
            if day == moment.date() and (
                moment.time() >= calendar.CUTOFF_SAME_DAY or not self.is_working(day)
            ):
                return self.next(day)
            return day
        return self.add(day, proc.processing_days)


CLOSE = calendar.DEFAULT_SHIFTS[-1][1]


def _close(day: date) -> datetime:
    """The due moment of a day-based deadline ending on ``day``."""
    return datetime.combine(day, CLOSE, tzinfo=TZ)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@dataclass
class Rows:
    dossiers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    hops: list = field(default_factory=list)
    supplements: list = field(default_factory=list)
    due_changes: list = field(default_factory=list)
    apologies: list = field(default_factory=list)
    ratings: list = field(default_factory=list)

    def clear(self) -> None:
        for key in ("dossiers", "events", "hops", "supplements", "due_changes", "apologies", "ratings"):
            getattr(self, key).clear()


@dataclass
class WardPeople:
    ward: Ward
    users: list  # ids in PEOPLE order


class Generator:
    def __init__(self, *, seed: int, end: date, years: int, per_ward_year: int, out=None):
        self.seed = seed
        self.end = end
        self.first_year = end.year - years + 1
        self.years = years
        self.per_ward_year = per_ward_year
        self.end_at = _at(end + timedelta(days=1), 0)  # the data is "as of" the end of ``end``
        self.out = out
        self.cal = WorkingDays(date(self.first_year - 1, 12, 1), end + timedelta(days=400))
        self.minutes = calendar.calendar_for(None)  # working-minute arithmetic (pauses)
        self.procs = {p.code: p for p in Procedure.objects.select_related("field")}
        self.mix = [(self.procs[c], n) for c, n in STORY_MIX.items() if c in self.procs]
        self.agencies = {a.code: a.id for a in Agency.objects.all()}
        self.name_cache: dict[str, str] = {}
        self.rows = Rows()
        self.totals = {key: 0 for _m, _c, key in TABLES}
        self.ids: list[int] = []
        self.next_id = 0

    # -- helpers -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if self.out:
            self.out.write(text)

    def ascii(self, text: str) -> str:
        found = self.name_cache.get(text)
        if found is None:
            found = self.name_cache[text] = unidecode(text.lower())
        return found

    # -- one ward ------------------------------------------------------------------------------
    def ward(self, people: WardPeople, index: int) -> dict[int, int]:
        """All dossiers of one ward; returns the last code number per year (code counters)."""
        rng = random.Random("{}:{}".format(self.seed, index))
        counters = {}
        procs = [p for p, _n in self.mix]
        weights = [n for _p, n in self.mix]
        for year in range(self.first_year, self.end.year + 1):
            last = min(date(year, 12, 31), self.end)
            all_days = [
                date(year, 1, 1) + timedelta(days=i) for i in range((last - date(year, 1, 1)).days + 1)
            ]
            work_days = self.cal.between(date(year, 1, 1), last)
            plans = []
            for _ in range(self.per_ward_year):
                proc = rng.choices(procs, weights)[0]
                r = rng.random()
                if proc.online_level != "none" and r < 0.38:
                    channel = "online"
                elif r > 0.96:
                    channel = "post"
                else:
                    channel = "in_person"
                if channel == "online" and rng.random() < 0.15:  # evenings and weekends
                    moment = _at(rng.choice(all_days), rng.randint(0, 23), rng.randint(0, 59))
                else:
                    moment = _at(rng.choice(work_days), rng.randint(7, 16), rng.randint(0, 59))
                plans.append((moment, proc, channel))
            plans.sort(key=lambda p: p[0])
            for seq, (moment, proc, channel) in enumerate(plans, start=1):
                code = "{}-{}-{:06d}".format(people.ward.code, year, seq)
                self.dossier(rng, people, code, moment, proc, channel)
            counters[year] = len(plans)
            if len(self.rows.dossiers) >= FLUSH_DOSSIERS:
                self.flush()
        return counters

    def dossier(self, rng: random.Random, people: WardPeople, code: str, received, proc, channel) -> None:
        cal = self.cal
        ward_id = people.ward.id
        field_id = proc.field_id
        field_code = proc.field.code
        officer = people.users[HANDLER.get(field_code, 3)]
        leader = people.users[0]
        due = cal.due_date(proc, received, channel)
        original_due = due
        recv_day = received.date()

        # The timeline: (at, kind, to_status, note). Statuses follow workflow.ALLOWED.
        events: list[tuple[datetime, str, str, str]] = [(received, "receive", "received", "")]
        hop = None  # [sent_at, agency_id, due_date, returned_at or None, electronic]
        supplement = None  # [requested_at, resumed_at or None, paused]
        apology = None  # (issued_at, new_due, agency_id)
        outcome = ""
        cancel_reason = ""
        status_end = None  # closing status
        closed_at = None
        electronic_result = False
        returned_at = None

        late_hop = False
        r = rng.random()
        if r < 0.004:
            fate = "rejected"
        elif r < 0.012:
            fate = "withdrawn"
        elif r < 0.016:
            fate = "stopped"
        elif r < 0.05 and not proc.same_day:
            fate = "late"
        elif r < 0.11:
            fate = "on_time"
        else:
            fate = "before"

        fee = proc.fee
        share = 0.8 if channel == "online" else 0.3
        paid_online = bool(fee) and rng.random() < share
        digitised = channel == "online" or rng.random() < 0.88
        goes_out = field_code in PARTNER and rng.random() < 0.5
        e_circulated = goes_out and rng.random() < 0.47

        if fate == "rejected":
            cancel_reason = "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường."
            events.append(
                (received + timedelta(minutes=15), "reject_at_reception", "rejected", cancel_reason)
            )
            status_end = "rejected"
        else:
            moment = received + timedelta(minutes=rng.randint(5, 40))
            events.append((moment, "start", "in_progress", ""))
            if fate in ("withdrawn", "stopped"):
                closed_at = moment + timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 120))
                if fate == "withdrawn":
                    cancel_reason = "Công dân có đơn xin rút hồ sơ."
                    events.append((closed_at, "withdraw", "withdrawn", cancel_reason))
                    status_end, outcome = "withdrawn", "withdrawn"
                else:
                    cancel_reason = "Dừng giải quyết theo đề nghị của cơ quan có thẩm quyền."
                    events.append((closed_at, "stop", "stopped", cancel_reason))
                    status_end, outcome = "stopped", "stopped"
            else:
                if not proc.same_day and rng.random() < 0.06:
                    asked = moment + timedelta(minutes=30)
                    # A third of the applicants take weeks: their original due date passes while
                    # the clock is stopped (within at a period's end, whatever the date).
                    wait = rng.randint(8, 20) if rng.random() < 0.33 else 1
                    back_day = cal.add(asked.date(), wait)
                    resumed = _at(back_day, 9, rng.randint(0, 50))
                    paused = self.minutes.working_minutes_between(asked, resumed)
                    due_at = self.minutes.add_working_minutes(_close(original_due), paused)
                    supplement = [asked, resumed, paused, due_at]
                    events.append((asked, "request_supplement", "supplement", "Bổ sung giấy tờ"))
                    events.append((resumed, "resume", "in_progress", "Tạm dừng làm việc."))
                    due = due_at.date()
                    moment = resumed
                first_day = moment.date()
                if fate == "before":
                    candidates = cal.between(first_day, due - timedelta(days=1))
                    day = rng.choice(candidates) if candidates else due
                elif fate == "on_time":
                    day = max(due, first_day)
                    if goes_out and rng.random() < 0.4:
                        # The partner is late on its step, the ward still makes the due day.
                        late_hop = True
                else:  # late: the partner agency (or the ward) is slow
                    day = cal.add(due, rng.randint(1, 6))
                if goes_out and day > first_day:
                    sent = moment + timedelta(hours=1)
                    if fate == "late":
                        hop_due = cal.add(recv_day, max(1, proc.processing_days - 2))
                    elif late_hop and cal.previous(day) > sent.date():
                        hop_due = cal.previous(day)
                    else:
                        hop_due = cal.add(sent.date(), rng.randint(1, 5))
                    back = _at(day, 8, 30)
                    hop = [sent, self.agencies.get(PARTNER[field_code]), hop_due, back, e_circulated]
                    events.append((sent, "send_to_agency", "at_agency", "Chuyển cơ quan phối hợp."))
                if fate == "late" and rng.random() < 0.85:
                    letter_day = cal.previous(due)
                    issued = max(_at(letter_day, 14), events[-1][0] + timedelta(minutes=10))
                    new_due = cal.add(due, 8)
                    if new_due > issued.date():
                        agency = hop[1] if hop else None
                        apology = (issued, new_due, agency)
                        events.append(
                            (issued, "issue_apology", None, "Hẹn lại ngày {:%d/%m/%Y}.".format(new_due))
                        )
                if hop:
                    events.append((hop[3], "return_from_agency", "in_progress", "Cơ quan phối hợp trả về."))
                closed_at = max(
                    _at(day, rng.randint(9, 16), rng.randint(0, 59)), events[-1][0] + timedelta(minutes=15)
                )
                due_moment = supplement[3] if supplement else _close(due)
                if fate == "on_time" and closed_at > due_moment:
                    # On the due day up to the due moment (a pause may end it mid-morning).
                    closed_at = max(due_moment, events[-1][0] + timedelta(minutes=15))
                refused = rng.random() < 0.02
                outcome = "refused" if refused else "approved"
                if refused:
                    cancel_reason = "Không đủ điều kiện theo quy định."
                electronic_result = rng.random() < 0.6
                events.append((closed_at, "resolve", "resolved", cancel_reason))
                status_end = "resolved"
                if rng.random() < 0.95:
                    returned_at = closed_at + timedelta(hours=1)
                    events.append((returned_at, "return_result", "returned", ""))

        # Cut the timeline at the end of the data: what happened later has not happened yet.
        end_at = self.end_at
        kept = [e for e in events if e[0] < end_at]
        closed = closed_at is not None and closed_at < end_at
        if status_end == "rejected":
            closed = True
        status = "received"
        for e in kept:
            if e[2] is not None:
                status = e[2]
        if hop and hop[0] >= end_at:
            hop = None
        elif hop and hop[3] >= end_at:
            hop[3] = None
        if supplement and supplement[0] >= end_at:
            supplement = None
        elif supplement and supplement[1] >= end_at:
            supplement[1] = None
            supplement[2] = 0
            supplement[3] = None
            due = original_due
        if apology and apology[0] >= end_at:
            apology = None
        if not closed:
            outcome = ""
            electronic_result = False
            closed_at = None
            if status_end != "rejected":
                cancel_reason = ""
        if returned_at is not None and returned_at >= end_at:
            returned_at = None

        rating = None
        if closed and status in ("resolved", "returned") and rng.random() < 0.6:
            rated_at = (returned_at or closed_at) + timedelta(minutes=10)
            if rated_at < end_at:
                roll = rng.random()
                late = closed_at > (supplement[3] if supplement and supplement[3] else _close(due))
                if late:
                    value = "no" if roll < 0.7 else "yes"
                elif field_code == "DD":
                    value = "very" if roll < 0.35 else ("yes" if roll < 0.83 else "no")
                else:
                    value = "very" if roll < 0.5 else ("yes" if roll < 0.91 else "no")
                public = rng.random() < 0.3
                rating = (value, "public" if public else "officer", rated_at)
                if not public:
                    label = {"very": "Rất hài lòng", "yes": "Hài lòng", "no": "Không hài lòng"}[value]
                    kept.append((rated_at, "rate", None, label))

        dossier_id = self.ids.pop()
        # The due moment's history, cut at the end of the data like the rest of the timeline.
        due_rows = [(received, "reception", _close(original_due))]
        if supplement:
            due_rows.append((supplement[0], "pause", None))
            if supplement[1] is not None:
                due_rows.append((supplement[1], "resume", supplement[3]))
        due_row = next(d for _at_, _k, d in reversed(due_rows) if d is not None)
        due_since, due_paused = due_rows[-1][0], due_rows[-1][2] is None
        if status_end == "rejected":
            due_rows = due_rows[:1]
            due_since, due_paused = received, False
        for effective_at, kind, due_at in due_rows:
            self.rows.due_changes.append((dossier_id, kind, effective_at, due_at, "", effective_at))
        family, middle, given = rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)
        name = "{} {} {}".format(family, middle, given)
        id_number = "0{:011d}".format(rng.randrange(10**11))
        phone = "0{}{:08d}".format(rng.choice("389"), rng.randrange(10**8))
        address = "{} {}, {}".format(rng.randint(1, 300), rng.choice(STREETS), people.ward.name)
        search_text = " ".join((code.lower(), self.ascii(name), phone, id_number))
        last_at = kept[-1][0]
        moves = sum(1 for e in kept if e[1] not in ("receive", "rate"))
        resolved_at = closed_at if closed and status_end != "rejected" else None
        self.rows.dossiers.append(
            (
                dossier_id,
                ward_id,
                code,
                "",  # official_code: generated dossiers never came through the exchange
                None,  # received_by_ward_id: received at the own counter
                None,
                None,
                False,
                proc.id,
                field_id,
                channel,
                status,
                outcome,
                received,
                "",
                due_row,
                due_row.date(),
                original_due,
                due_since,
                due_paused,
                supplement[2] if supplement else 0,
                resolved_at,
                resolved_at.date() if resolved_at else None,
                returned_at,
                name,
                id_number,
                phone,
                "",
                address,
                "Tờ khai theo mẫu\nBản sao giấy tờ tùy thân",
                1,
                fee,
                paid_online,
                "",  # no payment reference in synthetic data
                digitised,
                False,  # reused data, population data and storage sync: not simulated
                False,
                e_circulated,
                electronic_result,
                False,
                cancel_reason,
                "",
                "counter",
                # the code's sequence is the log's: one entry per dossier, in reception order
                received.year,
                1,
                int(code.rsplit("-", 1)[1]),
                False,  # synthetic applicants gave no consent to notices
                "",
                search_text,
                1 + moves,
                officer,
                officer if any(e[1] == "start" for e in kept) else None,
                received,
                last_at,
            )
        )
        previous = ""
        for at, kind, to_status, note in kept:
            to_status = to_status or previous
            self.rows.events.append(
                (
                    dossier_id,
                    kind,
                    previous,
                    to_status,
                    at,
                    leader if kind == "issue_apology" else officer,
                    note,
                    at,
                )
            )
            previous = to_status
        if hop:
            sent, agency_id, hop_due, back, electronic = hop
            result = ""
            if back is not None:
                back_day = back.date()
                result = "before" if back_day < hop_due else ("on_time" if back_day == hop_due else "late")
            self.rows.hops.append(
                (dossier_id, agency_id, sent, officer, "", hop_due, back, result, electronic, "")
            )
        if supplement:
            self.rows.supplements.append(
                (
                    dossier_id,
                    supplement[0],
                    officer,
                    "Thẩm định hồ sơ",
                    "Bổ sung bản sao giấy tờ chứng minh nơi cư trú",
                    "",
                    supplement[1],
                    supplement[2],
                )
            )
        if apology:
            issued, new_due, agency_id = apology
            self.rows.apologies.append(
                (
                    dossier_id,
                    ward_id,
                    field_id,
                    issued,
                    leader,
                    "Hồ sơ còn chờ kết quả xác minh tại cơ quan phối hợp.",
                    agency_id,
                    new_due,
                    issued > due_row,
                )
            )
        if rating:
            value, source, rated_at = rating
            self.rows.ratings.append((dossier_id, ward_id, field_id, value, source, "", rated_at))

    # -- writing -------------------------------------------------------------------------------
    def reserve_ids(self, n: int) -> None:
        """Dossier ids taken from the table's own sequence, so concurrent inserts never collide."""
        table = Dossier._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                # Single writer (tests): after the table's last id and the ids not yet written.
                cursor.execute("SELECT COALESCE(MAX(id), 0) FROM {}".format(table))
                first = max(cursor.fetchone()[0] + 1, self.next_id)
                ids = list(range(first, first + n))
                self.next_id = first + n
        self.ids = ids[::-1]  # pop() hands them out in ascending order

    def flush(self) -> None:
        for model, columns, key in TABLES:
            rows = getattr(self.rows, key)
            if not rows:
                continue
            write_rows(model, columns, rows)
            self.totals[key] += len(rows)
        self.rows.clear()


def write_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL; ``bulk_create`` elsewhere (SQLite in the tests)."""
    if connection.vendor == "postgresql":
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(model._meta.db_table),
            ", ".join(connection.ops.quote_name(c) for c in columns),
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    names = [attnames[c] for c in columns]
    model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500)


# ------------------------------------------------------------------------------------------------
# The organisation around the dossiers: city, wards, people, plans, staffing, targets.


def _username(city_code: str, ward_index: int | None, key: str) -> str:
    if ward_index is None:
        return "{}_{}".format(city_code.lower(), key)
    return "{}_{:03d}_{}".format(city_code.lower(), ward_index, key)


def create_organisation(city_code: str, wards: int, first_year: int, last_year: int) -> tuple:
    city = City.objects.create(code=city_code, name="Tỉnh thử tải {}".format(city_code), province="Thử tải")
    ward_rows = Ward.objects.bulk_create(
        [
            Ward(
                city=city,
                code="{}-{:03d}".format(city_code, i),
                name="Phường {} số {:03d}".format(city_code, i),
            )
            for i in range(1, wards + 1)
        ]
    )
    ward_rows = list(Ward.objects.filter(city=city).order_by("code"))
    password = make_password(PASSWORD)
    users = []
    for i, _w in enumerate(ward_rows, start=1):
        for key, _role, _title in PEOPLE:
            users.append(
                User(
                    username=_username(city_code, i, key),
                    password=password,
                    first_name=key.capitalize(),
                    last_name="Phường {:03d}".format(i),
                )
            )
    users.append(
        User(username=_username(city_code, None, "thanhpho"), password=password, first_name="Thành phố")
    )
    User.objects.bulk_create(users)
    by_name = dict(
        User.objects.filter(username__startswith=city_code.lower() + "_").values_list("username", "id")
    )
    members = []
    people = []
    for i, w in enumerate(ward_rows, start=1):
        ids = []
        for key, role, title in PEOPLE:
            uid = by_name[_username(city_code, i, key)]
            ids.append(uid)
            members.append(Membership(user_id=uid, role=role, ward=w, title=title))
        people.append(WardPeople(w, ids))
    members.append(
        Membership(user_id=by_name[_username(city_code, None, "thanhpho")], role=Role.CITY_VIEWER, city=city)
    )
    Membership.objects.bulk_create(members)
    _plans(people, first_year, last_year)
    _staffing(people, first_year)
    from parindex.analytics.targets import create_default_targets

    for year in range(first_year, last_year + 1):
        create_default_targets(city=city, year=year)
    return city, people


def _plans(people: list[WardPeople], first_year: int, last_year: int, tasks_per_plan: int = 40) -> None:
    """A reform plan per ward and year: earlier tasks done, a few overdue, later ones open."""
    from tasks.models import Component, Plan, Task, TaskStatus

    today = timezone.localdate()
    plans = Plan.objects.bulk_create(
        [
            Plan(ward=p.ward, year=y, title="Kế hoạch cải cách hành chính năm {}".format(y))
            for p in people
            for y in range(first_year, last_year + 1)
        ]
    )
    if plans[0].pk is None:  # databases that do not return ids from bulk inserts
        plans = list(Plan.objects.filter(ward__in=[p.ward for p in people]).order_by("ward_id", "year"))
    leads = {p.ward.id: p.users for p in people}
    components = list(Component.values)
    tasks = []
    for plan in plans:
        rng = random.Random("plan:{}:{}".format(plan.ward_id, plan.year))
        for k in range(tasks_per_plan):
            due = date(plan.year, 1 + k * 12 // tasks_per_plan, 28)
            roll = rng.random()
            status, completed, reason = TaskStatus.NOT_STARTED, None, ""
            if due < today and roll < 0.85:
                status, completed = TaskStatus.DONE, due - timedelta(days=rng.randint(0, 20))
            elif roll > 0.97:
                status, reason = TaskStatus.CANCELLED, "Không còn phù hợp"
            elif roll > 0.5:
                status = TaskStatus.IN_PROGRESS
            tasks.append(
                Task(
                    plan=plan,
                    code="{}.{}".format(k % 8 + 1, k // 8 + 1),
                    title="Nhiệm vụ cải cách hành chính số {}".format(k + 1),
                    component=components[k % 8],
                    lead_id=leads[plan.ward_id][k % 6],
                    due_date=due,
                    status=status,
                    completed_on=completed,
                    cancel_reason=reason,
                    position=k,
                )
            )
    Task.objects.bulk_create(tasks, batch_size=5000)


def _staffing(people: list[WardPeople], first_year: int) -> None:
    """The demo's ten posts (15 places) per ward, 13 officials holding them: 2 vacancies."""
    from parindex.staffing.demo import POSITIONS
    from parindex.staffing.models import Holding, Official, Position

    start = date(first_year, 1, 1)
    positions = Position.objects.bulk_create(
        [
            Position(ward=p.ward, title=title, office=office, quota=quota, valid_from=start, sort_order=n)
            for p in people
            for n, (title, office, quota) in enumerate(POSITIONS)
        ]
    )
    officials = Official.objects.bulk_create(
        [
            Official(
                ward=p.ward,
                code="{}-{:02d}".format(p.ward.code, k),
                full_name="Cán bộ {:02d} {}".format(k, p.ward.name),
                user_id=p.users[k] if k < len(p.users) else None,
                start=start,
            )
            for p in people
            for k in range(13)
        ]
    )
    if positions[0].pk is None or officials[0].pk is None:
        wards = [p.ward for p in people]
        positions = list(Position.objects.filter(ward__in=wards).order_by("ward_id", "sort_order"))
        officials = list(Official.objects.filter(ward__in=wards).order_by("ward_id", "code"))
    holdings = []
    by_ward: dict[int, list] = {}
    for o in officials:
        by_ward.setdefault(o.ward_id, []).append(o)
    for pos_group_start in range(0, len(positions), len(POSITIONS)):
        group = positions[pos_group_start : pos_group_start + len(POSITIONS)]
        holders = iter(by_ward[group[0].ward_id])
        for pos in group:
            for _ in range(pos.quota):
                holder = next(holders, None)
                if holder is not None:
                    holdings.append(Holding(official=holder, position=pos, start=start))
    Holding.objects.bulk_create(holdings, batch_size=5000)


# ------------------------------------------------------------------------------------------------
# Cleanup: exactly the city and what hangs off its wards, biggest tables first, in SQL.


def cleanup(city_code: str, out=None) -> bool:
    from parindex.staffing.models import Cover, Holding, Official, Position, Recruitment
    from tasks.models import Criterion, Evidence, Plan, Task

    city = City.objects.filter(code=city_code).first()
    if city is None:
        return False
    ward_ids = list(Ward.objects.filter(city=city).values_list("id", flat=True))
    user_ids = list(
        User.objects.filter(username__startswith=city_code.lower() + "_").values_list("id", flat=True)
    )
    with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
        with connection.cursor() as cursor:

            def run(sql: str, params) -> None:
                cursor.execute(sql, params)

            q = connection.ops.quote_name
            dossier = q(Dossier._meta.db_table)
            if ward_ids:
                for model in (DossierEvent, Hop, SupplementRequest, DueChange, DossierFact):
                    run(
                        "DELETE FROM {} WHERE dossier_id IN (SELECT id FROM {} WHERE ward_id IN ({}))".format(
                            q(model._meta.db_table), dossier, ",".join(["%s"] * len(ward_ids))
                        ),
                        ward_ids,
                    )
                placeholders = ",".join(["%s"] * len(ward_ids))
                for model in (ApologyLetter, Rating, DayFact, MonthFact, YearFact, AgencyDayFact):
                    run(
                        "DELETE FROM {} WHERE ward_id IN ({})".format(q(model._meta.db_table), placeholders),
                        ward_ids,
                    )
                run("DELETE FROM {} WHERE ward_id IN ({})".format(dossier, placeholders), ward_ids)
                for model in (Dossier, ApologyLetter):
                    # Dossiers logged through the screens (the HTTP bench) left history rows.
                    history = model.history.model
                    run(
                        "DELETE FROM {} WHERE ward_id IN ({})".format(
                            q(history._meta.db_table), placeholders
                        ),
                        ward_ids,
                    )
        CodeCounter.objects.filter(ward_id__in=ward_ids).delete()
        LogCounter.objects.filter(ward_id__in=ward_ids).delete()
        Evidence.objects.filter(ward_id__in=ward_ids).delete()
        Task.objects.filter(plan__ward_id__in=ward_ids).delete()
        Plan.objects.filter(ward_id__in=ward_ids).delete()
        Criterion.objects.filter(ward_id__in=ward_ids).delete()
        Cover.objects.filter(position__ward_id__in=ward_ids).delete()
        Recruitment.objects.filter(position__ward_id__in=ward_ids).delete()
        Holding.objects.filter(position__ward_id__in=ward_ids).delete()
        Position.objects.filter(ward_id__in=ward_ids).delete()
        Official.objects.filter(ward_id__in=ward_ids).delete()
        from parindex.analytics.reports.models import SentReport
        from parindex.analytics.targets import YearTarget
        from parindex.base.models import AccessLog

        SentReport.objects.filter(ward_id__in=ward_ids).delete()
        SentReport.objects.filter(city=city).delete()
        YearTarget.objects.filter(ward_id__in=ward_ids).delete()
        YearTarget.objects.filter(city=city).delete()
        YearTarget.history.model.objects.filter(city_id=city.id).delete()
        AccessLog.objects.filter(ward_id__in=ward_ids).delete()
        AccessLog.objects.filter(user_id__in=user_ids).delete()
        Membership.objects.filter(user_id__in=user_ids).delete()
        Membership.objects.filter(ward_id__in=ward_ids).delete()
        Membership.objects.filter(city=city).delete()
        User.objects.filter(id__in=user_ids).delete()
        Ward.objects.filter(id__in=ward_ids).delete()
        city.delete()
    if out:
        out.write("Deleted city {} ({} wards, {} accounts).".format(city_code, len(ward_ids), len(user_ids)))
    return True


def remove_dossiers(ids: list[int]) -> int:
    """Delete the dossiers ``ids`` of a load city with every row that refers to them, then rebuild
    their wards' facts (the HTTP bench's creations: without this each run adds ~2,500 dossiers to
    the ward every later run measures). The portal itself never deletes a dossier (its events
    are PROTECTed); this is for load data only. Returns the number of dossiers deleted."""
    dossiers = Dossier.objects.filter(id__in=ids)
    ward_ids = sorted(set(dossiers.values_list("ward_id", flat=True)))
    if Ward.objects.filter(id__in=ward_ids).exclude(city__code__startswith=PREFIX).exists():
        raise CommandError("only dossiers of a {}* city can be removed".format(PREFIX))
    with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
        for relation in Dossier._meta.related_objects:
            if relation.field.concrete and relation.related_model is not Dossier:
                manager = relation.related_model._base_manager
                manager.filter(**{relation.field.name + "__in": ids}).delete()
        n = Dossier._base_manager.filter(id__in=ids).delete()[1].get(Dossier._meta.label, 0)
        Dossier.history.model.objects.filter(id__in=ids).delete()
    facts.rebuild(ward_ids=ward_ids)
    return n


class Command(BaseCommand):
    help = "Sinh dữ liệu thử tải (hồ sơ, nhiệm vụ, nhân sự) cho một tỉnh giả lập; --cleanup để xóa."

    def add_arguments(self, parser):
        parser.add_argument("--wards", type=int, default=100)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--per-ward-year", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--city", default=PREFIX, help="City code; must start with LOAD.")
        parser.add_argument(
            "--end",
            type=date.fromisoformat,
            default=None,
            help="Last day of the data (YYYY-MM-DD); default today. Later events are left undone.",
        )
        parser.add_argument("--cleanup", action="store_true", help="Delete the city and everything under it.")

    def handle(self, *args, wards, years, per_ward_year, seed, city, end, cleanup: bool, **options):
        if not city.startswith(PREFIX):
            raise CommandError(
                "--city must start with {} so cleanup can never touch real data.".format(PREFIX)
            )
        if cleanup:
            started = clock.monotonic()
            if not globals()["cleanup"](city, self.stdout):
                self.stdout.write("No city {}.".format(city))
            self.stdout.write("Cleanup took {:.1f} s.".format(clock.monotonic() - started))
            return
        if wards < 1 or years < 1 or per_ward_year < 1 or wards > 999:
            raise CommandError("--wards (1-999), --years and --per-ward-year must be positive")
        if City.objects.filter(code=city).exists():
            raise CommandError("City {} exists; run with --cleanup first.".format(city))
        _check_columns()
        end = end or timezone.localdate()
        started = clock.monotonic()
        load_catalogue()
        with transaction.atomic():
            first_year = end.year - years + 1
            city_obj, people = create_organisation(city, wards, first_year, end.year)
            gen = Generator(seed=seed, end=end, years=years, per_ward_year=per_ward_year, out=self.stdout)
            counters, log_counters = [], []
            for index, p in enumerate(people, start=1):
                gen.reserve_ids(years * per_ward_year)
                for year, last in gen.ward(p, index).items():
                    counters.append(CodeCounter(ward=p.ward, year=year, last=last))
                    log_counters.append(LogCounter(ward=p.ward, year=year, last=last))
                if index % 10 == 0 or index == len(people):
                    self.stdout.write(
                        "{}/{} wards, {:.0f} s".format(index, len(people), clock.monotonic() - started)
                    )
            gen.flush()
            CodeCounter.objects.bulk_create(counters)
            LogCounter.objects.bulk_create(log_counters)
        facts_started = clock.monotonic()
        n = facts.rebuild(ward_ids=[p.ward.id for p in people])
        self.stdout.write(
            "Facts of {} dossiers built in {:.0f} s.".format(n, clock.monotonic() - facts_started)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (DayFact, MonthFact, YearFact, AgencyDayFact, DossierFact):
                    cursor.execute("ANALYZE {}".format(connection.ops.quote_name(model._meta.db_table)))
                for model, _c, _k in TABLES:
                    cursor.execute("ANALYZE {}".format(connection.ops.quote_name(model._meta.db_table)))
        self.stdout.write(
            "City {}: {} in {:.0f} s (data as of {:%d/%m/%Y}).".format(
                city_obj.code,
                ", ".join("{} {}".format(n, key) for key, n in gen.totals.items()),
                clock.monotonic() - started,
                end,
            )
        )
