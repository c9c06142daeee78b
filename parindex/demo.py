"""The demo: the city of Phan Thiết, Bình Hưng ward telling the 2023 article's story, and five
neighbouring wards with ordinary data. See docs/demo-data.md for how the article's figures are
reproduced and how its channel gap (369 + 236 + 27 = 632, not 708) is resolved.

Everything is generated from a fixed seed through the same functions the UI calls
(``dossiers.workflow``, ``tasks.demo``, ``parindex.staffing.services``), so every dossier has its
real event history, apology letters and ratings. Running it twice changes nothing (the command
only seeds an empty database).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from dossiers import calendar, deadlines, facts, workflow
from dossiers.demo import load_catalogue, load_catalogue_documents
from dossiers.models import Agency, Channel, Dossier, Field, Outcome, Procedure, Rating
from parindex.analytics.targets import create_default_targets
from parindex.base.models import City, Membership, Role, Ward
from parindex.staffing.demo import load_demo_staffing
from tasks import criteria
from tasks.demo import load_default_criteria, load_demo_plan
from tasks.models import Criterion

User = get_user_model()
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "cchc@2023"

# The article's period and figures (DOMAIN.md section 0).
STORY_START = date(2023, 1, 1)
STORY_END = date(2023, 5, 31)
ARTICLE = {
    "received": 741,
    "carried_over": 33,
    "online": 236,
    "post": 27,
    "in_person": 445,  # 741 - 33 - 236 - 27: the article's 369 left 76 counter dossiers out
    "resolved": 710,
    "before": 643,
    "on_time": 50,
    "late": 17,  # all in the land field, late at the city land registration office
    "in_progress": 31,  # all within the deadline
    "apologies": 17,
    "tasks_done": 42,
    "tasks_total": 56,
}

# Bình Hưng's 708 new dossiers by field and procedure code.
STORY_MIX: dict[str, int] = {
    "1.001193": 30,  # birth registration (same day)
    "1.000656": 10,  # death registration (same day)
    "1.000894": 15,  # marriage (same day)
    "1.004873": 100,  # marital status certificate (3 days)
    "1.004746": 25,  # recognition of parents/children
    "2.000815": 10,  # copy certification (same day)
    "2.000884": 5,  # signature certification (same day)
    "1.004227": 95,  # land: registration of changes
    "2.000889": 55,  # land: first registration
    "1.003554": 10,  # land: dispute mediation
    "1.009994": 60,  # construction permit
    "2.000720": 110,  # household business
    "1.001776": 140,  # social allowance
    "1.000954": 20,  # culture: cultured family title
    "1.010736": 8,  # environment
    "1.000775": 15,  # emulation and commendation
}
LAND_OFFICE = "CN-VPDKDD"

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thu", "Đức", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
    "Khoa",
    "Linh",
    "Nhung",
]
STREETS = [
    "Trần Hưng Đạo",
    "Lê Hồng Phong",
    "Nguyễn Hội",
    "Hải Thượng Lãn Ông",
    "Từ Văn Tư",
    "Kim Đồng",
    "Phạm Hồng Thái",
    "Trưng Trắc",
    "Ngư Ông",
]

OTHER_WARDS = [
    ("PTH", "Phường Phú Thủy", 260),
    ("DL", "Phường Đức Long", 300),
    ("HL", "Phường Hưng Long", 190),
    ("MN", "Phường Mũi Né", 240),
    ("PTA", "Phường Phú Tài", 210),
]


@dataclass
class People:
    chairperson: User
    tuphap: User
    diachinh: User
    vanhoa: User
    ketoan: User
    city_viewer: User
    administrator: User


def _user(username: str, full_name: str, *, role: str, ward=None, city=None, title: str = "") -> User:
    family, _, given = full_name.rpartition(" ")
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": given, "last_name": family}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(
        user=user, defaults={"role": role, "ward": ward, "city": city, "title": title}
    )
    return user


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


# Digitisation and payment facts of QĐ 766 (docs/demo-data.md): Bình Hưng digitises at the
# counter but rarely reuses stored data, connects fewer applicants to the population database and
# syncs few results to the citizen's storage; its neighbours do better. Drawn from a second
# generator, so the article's figures (drawn from the first) never move.
FACTS_PROFILES = {
    "BH": {"reuse": 0.12, "citizen": 0.62, "synced": 0.25},
    "other": {"reuse": 0.45, "citizen": 0.9, "synced": 0.75},
}


class Story:
    """Builds one ward's dossiers with a seeded random generator."""

    def __init__(self, ward: Ward, seed: int):
        self.ward = ward
        self.rng = random.Random(seed)
        self.facts = random.Random(seed + 766)
        self.profile = FACTS_PROFILES.get(ward.code, FACTS_PROFILES["other"])
        self.payments = 0
        self.procedures = {p.code: p for p in Procedure.objects.select_related("field")}
        self.land_office = Agency.objects.get(code=LAND_OFFICE)
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.open_ones: list[tuple[object, User]] = []

    # -- small helpers -------------------------------------------------------------------------
    def partner(self, dossier) -> Agency:
        """The agency a dossier of this field is handed to (the land office for land)."""
        code = {"DD": LAND_OFFICE, "HKD": "THUE", "XD": "QLDT"}.get(dossier.field.code, LAND_OFFICE)
        return self.agencies.get(code, self.land_office)

    def hop_plan(self, field_code: str, share: float) -> tuple[bool, bool]:
        """(passes through another agency, electronically). Only dossiers that move between
        agencies can be circulated electronically; about half of them are."""
        hop = field_code in ("DD", "HKD", "XD") and self.rng.random() < share
        return hop, hop and self.rng.random() < 0.47

    def applicant(self) -> dict:
        rng = self.rng
        name = "{} {} {}".format(rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN))
        return {
            "applicant_name": name,
            "applicant_id_number": "0" + "".join(str(rng.randint(0, 9)) for _ in range(11)),
            "applicant_phone": "0" + rng.choice("389") + "".join(str(rng.randint(0, 9)) for _ in range(8)),
            "applicant_address": "{} {}, {}".format(rng.randint(1, 300), rng.choice(STREETS), self.ward.name),
        }

    def working_days(self, start: date, end: date) -> list[date]:
        days, d = [], start
        while d <= end:
            if calendar.is_working_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days

    def receive(self, code: str, channel: str, received: datetime, by: User, *, e_circulated: bool):
        procedure = self.procedures[code]
        fee = procedure.fee
        # Online payment opened on 01/04/2023 (the article); counter applicants may pay by QR too.
        share = 0.8 if channel == Channel.ONLINE else 0.3
        paid_online = bool(fee) and received.date() >= date(2023, 4, 1) and self.rng.random() < share
        reference = ""
        if paid_online:
            self.payments += 1
            reference = "PAYGOV-{}-{:%y%m%d}-{:04d}".format(self.ward.code, received, self.payments)
        return workflow.receive(
            ward=self.ward,
            procedure=procedure,
            channel=channel,
            received_at=received,
            by=by,
            documents="Tờ khai theo mẫu\nBản sao giấy tờ tùy thân",
            paid_online=paid_online,
            digitised_at_reception=channel == Channel.ONLINE or self.rng.random() < 0.88,
            e_circulated=e_circulated,
            payment_reference=reference,
            reused_data=self.facts.random() < self.profile["reuse"],
            citizen_data_connected=self.facts.random() < self.profile["citizen"],
            **self.applicant(),
        )

    def synced(self, electronic: bool) -> bool:
        """Whether an electronic result also went to the citizen's storage."""
        return electronic and self.facts.random() < self.profile["synced"]

    def rate(self, dossier, moment: datetime, *, land: bool, late: bool, by: User) -> None:
        if self.rng.random() > 0.62:
            return
        roll = self.rng.random()
        if late:
            value = Rating.Value.NOT_SATISFIED if roll < 0.7 else Rating.Value.SATISFIED
        elif land:
            value = (
                Rating.Value.VERY_SATISFIED
                if roll < 0.35
                else (Rating.Value.SATISFIED if roll < 0.83 else Rating.Value.NOT_SATISFIED)
            )
        else:
            value = (
                Rating.Value.VERY_SATISFIED
                if roll < 0.5
                else (Rating.Value.SATISFIED if roll < 0.91 else Rating.Value.NOT_SATISFIED)
            )
        public = self.rng.random() < 0.3
        workflow.rate(
            dossier,
            value=value,
            source=Rating.Source.PUBLIC if public else Rating.Source.OFFICER,
            at=moment + timedelta(minutes=10),
            by=None if public else by,
        )

    # -- life cycles ---------------------------------------------------------------------------
    def finish_open(self, after: date) -> None:
        """Resolve, within their deadlines, the dossiers left open at the end of the story: they
        were in progress on 31/05/2023, not forgotten for years."""
        for dossier, by in self.open_ones:
            dossier.refresh_from_db()
            first = calendar.next_working_day(after)
            moment = at(first, 8, 0)
            if dossier.status == "supplement":
                workflow.resume(dossier, by=by, at=moment)
            elif dossier.status == "at_agency":
                workflow.return_from_agency(dossier, by=by, at=moment)
            dossier.refresh_from_db()
            days = self.working_days(first, max(first, dossier.due_date - timedelta(days=1)))
            done = at(self.rng.choice(days), self.rng.randint(9, 15), self.rng.randint(0, 59))
            electronic = self.rng.random() < 0.66
            workflow.resolve(
                dossier, by=by, at=done, electronic_result=electronic, result_synced=self.synced(electronic)
            )
            workflow.return_result(dossier, by=by, at=done + timedelta(hours=1))
        self.open_ones.clear()

    def resolve_before(
        self,
        dossier,
        by: User,
        *,
        not_before: date | None = None,
        latest: date | None = None,
        hop: bool = False,
        supplement: bool = False,
    ) -> datetime:
        """Take a dossier to a result strictly before its due date (and no later than ``latest``),
        and return it to the applicant."""
        start_day = max(calendar.local_date(dossier.received_at), not_before or date.min)
        moment = max(dossier.received_at + timedelta(minutes=20), at(start_day, 8, 0))
        workflow.start(dossier, by=by, at=moment)
        if supplement:
            workflow.request_supplement(
                dossier,
                by=by,
                at=moment + timedelta(minutes=30),
                items="Bổ sung bản sao giấy tờ chứng minh nơi cư trú",
                stage="Thẩm định hồ sơ",
            )
            back = calendar.next_working_day(calendar.local_date(moment))
            moment = at(back, 9, self.rng.randint(0, 50))
            workflow.resume(dossier, by=by, at=moment)
            dossier.refresh_from_db()
        last = dossier.due_date - timedelta(days=1)
        if latest is not None:
            last = min(last, latest)
        candidates = self.working_days(calendar.local_date(moment), last)
        if not candidates:
            raise ValueError("dossier {} cannot be resolved before {}".format(dossier.code, dossier.due_date))
        day = self.rng.choice(candidates)
        if hop and day > calendar.local_date(moment):
            workflow.send_to_agency(
                dossier,
                agency=self.partner(dossier),
                by=by,
                at=moment + timedelta(hours=1),
                due_date=day,
                electronic=dossier.e_circulated,
            )
            workflow.return_from_agency(dossier, by=by, at=at(day, 8, 30))
        done = max(at(day, self.rng.randint(9, 15), self.rng.randint(0, 59)), moment + timedelta(hours=1))
        refused = self.rng.random() < 0.02
        electronic = self.rng.random() < 0.66
        workflow.resolve(
            dossier,
            by=by,
            at=done,
            outcome=Outcome.REFUSED if refused else Outcome.APPROVED,
            note="Không đủ điều kiện theo quy định." if refused else "",
            electronic_result=electronic,
            result_synced=self.synced(electronic),
        )
        returned = done + timedelta(hours=1)
        workflow.return_result(dossier, by=by, at=returned)
        return returned

    def resolve_same_day(self, dossier, by: User) -> datetime:
        done = dossier.received_at + timedelta(minutes=self.rng.randint(15, 25))
        workflow.start(dossier, by=by, at=dossier.received_at + timedelta(minutes=5))
        electronic = self.rng.random() < 0.5
        workflow.resolve(
            dossier, by=by, at=done, electronic_result=electronic, result_synced=self.synced(electronic)
        )
        workflow.return_result(dossier, by=by, at=done + timedelta(minutes=5))
        return done

    def resolve_late_at_land_office(self, dossier, by: User, chair: User) -> datetime:
        """Sent to the land registration office, which returns it after the ward's due date; the
        ward apologises the working day before the due date."""
        received_day = calendar.local_date(dossier.received_at)
        sent = at(calendar.next_working_day(received_day), 9, 0)
        workflow.start(dossier, by=by, at=sent - timedelta(minutes=30))
        office_due = calendar.add_working_days(
            received_day, max(1, self.procedures[dossier.procedure.code].processing_days - 2)
        )
        workflow.send_to_agency(
            dossier,
            agency=self.land_office,
            by=by,
            at=sent,
            due_date=office_due,
            receiver="Bộ phận tiếp nhận Chi nhánh VPĐKĐĐ",
            electronic=dossier.e_circulated,
        )
        apology_day = dossier.due_date - timedelta(days=1)
        while not calendar.is_working_day(apology_day):
            apology_day -= timedelta(days=1)
        new_due = calendar.add_working_days(dossier.due_date, 8)
        workflow.issue_apology(
            dossier,
            by=chair,
            at=at(max(apology_day, sent.date()), 14, 0),
            reason="Hồ sơ còn chờ kết quả xác minh, đo đạc tại Chi nhánh Văn phòng đăng ký đất đai thành phố.",
            agency_at_fault=self.land_office,
            new_due_date=new_due,
        )
        back_day = calendar.add_working_days(dossier.due_date, self.rng.randint(2, 6))
        workflow.return_from_agency(dossier, by=by, at=at(back_day, 10, 0), result_note="Trả kết quả chậm")
        done = at(back_day, 15, 0)
        workflow.resolve(dossier, by=by, at=done)
        workflow.return_result(dossier, by=by, at=done + timedelta(hours=1))
        return done

    def leave_open(self, dossier, by: User, kind: int) -> None:
        """Still open at the end of the period: in progress (0), waiting for a supplement (1) or
        at another agency (2). ``finish_open`` closes them after the story's period."""
        self.open_ones.append((dossier, by))
        received = dossier.received_at
        workflow.start(dossier, by=by, at=received + timedelta(minutes=30))
        if kind == 1:
            workflow.request_supplement(
                dossier,
                by=by,
                at=received + timedelta(hours=2),
                items="Bổ sung sơ đồ thửa đất có xác nhận",
                stage="Thẩm định hồ sơ",
            )
        elif kind == 2:
            due = max(dossier.due_date - timedelta(days=2), calendar.local_date(received) + timedelta(days=1))
            workflow.send_to_agency(
                dossier,
                agency=self.partner(dossier),
                by=by,
                at=received + timedelta(hours=3),
                due_date=due,
                electronic=dossier.e_circulated,
            )


def _people(city: City, ward: Ward) -> People:
    return People(
        chairperson=_user(
            "chutich", "Trần Văn Hùng", role=Role.LEADER, ward=ward, title="Chủ tịch UBND phường"
        ),
        tuphap=_user(
            "tuphap", "Nguyễn Thị Lan", role=Role.OFFICER, ward=ward, title="Công chức Tư pháp - Hộ tịch"
        ),
        diachinh=_user(
            "diachinh",
            "Lê Văn Minh",
            role=Role.OFFICER,
            ward=ward,
            title="Công chức Địa chính - Xây dựng - Đô thị và Môi trường",
        ),
        vanhoa=_user(
            "vanhoa", "Trương Văn Phúc", role=Role.OFFICER, ward=ward, title="Công chức Văn hóa - Xã hội"
        ),
        ketoan=_user(
            "ketoan", "Ngô Thị Hạnh", role=Role.OFFICER, ward=ward, title="Công chức Tài chính - Kế toán"
        ),
        city_viewer=_user(
            "thanhpho",
            "Võ Thị Hoa",
            role=Role.CITY_VIEWER,
            city=city,
            title="Chuyên viên Phòng Nội vụ thành phố",
        ),
        administrator=_user(
            "quantri", "Đặng Quốc Bảo", role=Role.ADMIN, city=city, title="Quản trị hệ thống"
        ),
    )


def _handler(people: People, field_code: str) -> User:
    return {
        "TP-HT": people.tuphap,
        "CT": people.tuphap,
        "DD": people.diachinh,
        "XD": people.diachinh,
        "MT": people.diachinh,
        "HKD": people.ketoan,
    }.get(field_code, people.vanhoa)


def _story_days(story: Story) -> list[date]:
    return story.working_days(STORY_START, STORY_END)


def seed_binh_hung(ward: Ward, people: People) -> None:
    """741 dossiers handled in Jan-May 2023, exactly as docs/demo-data.md lays them out."""
    story = Story(ward, seed=20230531)
    rng = story.rng
    procs = story.procedures

    # 2022's tail: 120 dossiers resolved in 2022, and 33 still open on 01/01/2023 (carried over).
    tail_resolved = 0
    tail = story.working_days(date(2022, 11, 15), date(2022, 12, 16))
    while tail_resolved < 120:
        code = rng.choice(["1.004873", "1.001776", "2.000720", "1.004227"])
        received = at(rng.choice(tail), rng.randint(8, 14), rng.randint(0, 59))
        if deadlines.due_date_for(procs[code], received, Channel.IN_PERSON) > date(2022, 12, 30):
            continue
        officer = _handler(people, procs[code].field.code)
        hop, electronic = story.hop_plan(procs[code].field.code, 0.5)
        d = story.receive(code, Channel.IN_PERSON, received, officer, e_circulated=electronic)
        story.resolve_before(d, officer, latest=date(2022, 12, 30), hop=hop)
        tail_resolved += 1
    carried = 0
    tail_days = story.working_days(date(2022, 12, 19), date(2022, 12, 30))
    while carried < ARTICLE["carried_over"]:
        code = rng.choice(["1.004227", "2.000889", "1.009994", "1.001776"])
        received = at(rng.choice(tail_days), rng.randint(8, 15), rng.randint(0, 59))
        if deadlines.due_date_for(procs[code], received, Channel.IN_PERSON) < date(2023, 1, 5):
            continue
        officer = _handler(people, procs[code].field.code)
        hop, electronic = story.hop_plan(procs[code].field.code, 0.5)
        d = story.receive(code, Channel.IN_PERSON, received, officer, e_circulated=electronic)
        returned = story.resolve_before(d, officer, not_before=date(2023, 1, 3), latest=STORY_END, hop=hop)
        story.rate(d, returned, land=procs[code].field.code == "DD", late=False, by=officer)
        carried += 1

    # The 708 new dossiers: decide each one's channel and fate first, then play them out.
    codes = [code for code, n in STORY_MIX.items() for _ in range(n)]
    rng.shuffle(codes)
    same_day = [c for c in codes if procs[c].same_day]
    multi = [c for c in codes if not procs[c].same_day]
    land_multi = [i for i, c in enumerate(multi) if c in ("1.004227", "2.000889")]
    late_idx = set(rng.sample(land_multi, ARTICLE["late"]))
    rest = [i for i in range(len(multi)) if i not in late_idx]
    open_idx = set(rng.sample(rest, ARTICLE["in_progress"]))
    withdrawn_idx = set(rng.sample([i for i in rest if i not in open_idx], 2))
    # 70 same-day dossiers: 48 on time (before 15:00) + 22 after 15:00 (due next day: before).
    # 2 withdrawals count as resolved on time: 48 + 2 = 50.
    on_time_same_day = ARTICLE["on_time"] - len(withdrawn_idx)

    plans: list[tuple[str, str, str]] = []  # (code, fate, channel)
    for i, code in enumerate(same_day):
        plans.append((code, "same_day_on_time" if i < on_time_same_day else "same_day_late_hour", ""))
    for i, code in enumerate(multi):
        fate = (
            "late"
            if i in late_idx
            else "open"
            if i in open_idx
            else "withdrawn"
            if i in withdrawn_idx
            else "before"
        )
        plans.append((code, fate, ""))
    # Channels: online only where the procedure is offered online; 236 online, 27 post, the rest in person.
    online_ok = [i for i, (c, f, _) in enumerate(plans) if procs[c].online_level != "none" and f != "late"]
    online = set(rng.sample(online_ok, ARTICLE["online"]))
    post_ok = [
        i
        for i in range(len(plans))
        if i not in online and plans[i][1] not in ("same_day_on_time", "same_day_late_hour")
    ]
    post = set(rng.sample(post_ok, ARTICLE["post"]))
    plans = [
        (c, f, Channel.ONLINE if i in online else Channel.POST if i in post else Channel.IN_PERSON)
        for i, (c, f, _) in enumerate(plans)
    ]

    days = _story_days(story)
    resolvable_days = [d for d in days if d <= date(2023, 5, 12)]
    open_days = [d for d in days if d >= date(2023, 5, 22)]
    order = list(range(len(plans)))
    rng.shuffle(order)
    for i in order:
        code, fate, channel = plans[i]
        proc = procs[code]
        officer = _handler(people, proc.field.code)
        hop, e_circ = story.hop_plan(proc.field.code, 0.5)
        if fate == "same_day_on_time":
            received = at(
                rng.choice(days),
                rng.randint(7, 14),
                rng.randint(30, 59) if rng.random() < 0.2 else rng.randint(0, 59),
            )
            d = story.receive(code, channel, received, officer, e_circulated=e_circ)
            done = story.resolve_same_day(d, officer)
            story.rate(d, done, land=False, late=False, by=officer)
        elif fate == "same_day_late_hour":
            received = at(rng.choice(days[:-1]), 15, rng.randint(5, 50))
            d = story.receive(code, channel, received, officer, e_circulated=e_circ)
            done = story.resolve_same_day(d, officer)
            story.rate(d, done, land=False, late=False, by=officer)
        elif fate == "late":
            received = at(
                rng.choice([d for d in resolvable_days if date(2023, 2, 1) <= d <= date(2023, 4, 10)]),
                9,
                rng.randint(0, 59),
            )
            d = story.receive(code, channel, received, officer, e_circulated=rng.random() < 0.47)
            done = story.resolve_late_at_land_office(d, officer, people.chairperson)
            story.rate(d, done, land=True, late=True, by=officer)
        elif fate == "open":
            while True:
                received = at(rng.choice(open_days), rng.randint(8, 15), rng.randint(0, 59))
                if deadlines.due_date_for(proc, received, channel) > STORY_END:
                    break
            d = story.receive(code, channel, received, officer, e_circulated=e_circ)
            story.leave_open(d, officer, kind=2 if hop else rng.randint(0, 1))
        elif fate == "withdrawn":
            received = at(rng.choice(resolvable_days), 10, 0)
            d = story.receive(code, channel, received, officer, e_circulated=e_circ)
            workflow.start(d, by=officer, at=received + timedelta(hours=1))
            workflow.withdraw(
                d, by=officer, at=received + timedelta(days=1), reason="Công dân có đơn xin rút hồ sơ."
            )
        else:  # resolved before the due date
            while True:
                received = at(rng.choice(resolvable_days), rng.randint(7, 15), rng.randint(0, 59))
                if deadlines.due_date_for(proc, received, channel) <= date(2023, 5, 31):
                    break
            d = story.receive(code, channel, received, officer, e_circulated=e_circ)
            returned = story.resolve_before(
                d, officer, latest=STORY_END, hop=hop, supplement=rng.random() < 0.06
            )
            story.rate(d, returned, land=proc.field.code == "DD", late=False, by=officer)

    # Three dossiers refused at the counter (form 03): never "received for handling".
    for _ in range(3):
        received = at(rng.choice(days), 10, 0)
        d = story.receive("1.009994", Channel.IN_PERSON, received, people.diachinh, e_circulated=False)
        workflow.reject_at_reception(
            d,
            by=people.diachinh,
            at=received + timedelta(minutes=15),
            reason="Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường.",
        )
    story.finish_open(STORY_END)
    _seed_online_inbox(ward, people)


# Online submissions in the inbox at the story's end: not dossiers yet, so no figure counts them.
INBOX = [
    ("G22.44-230530-0007", "1.001193", at(date(2023, 5, 30), 16, 10), "Trương Thị Mai"),
    ("G22.44-230531-0002", "1.000656", at(date(2023, 5, 31), 9, 25), "Lâm Văn Phúc"),
    ("G22.44-230531-0005", "1.004873", at(date(2023, 5, 31), 14, 40), "Hà Minh Khoa"),
]


def _seed_online_inbox(ward: Ward, people: People) -> None:
    for n, (code, procedure, submitted, name) in enumerate(INBOX):
        submission, created = workflow.submit_online(
            ward=ward,
            procedure=Procedure.objects.in_force_on(submitted.date()).get(code=procedure),
            submitted_at=submitted,
            applicant_name=name,
            by=people.tuphap,
            official_code=code,
            applicant_phone="09{:08d}".format(31052300 + n),
            applicant_address="Khu phố {}, phường Bình Hưng".format(n + 2),
            paid_online=True,
        )
        if created and n == 0:
            workflow.refuse_submission(
                submission,
                by=people.tuphap,
                at=at(date(2023, 5, 31), 8, 0),
                reason="Tờ khai thiếu chữ ký của người đi đăng ký; đề nghị nộp lại.",
            )


def seed_other_ward(ward: Ward, officer: User, leader: User, new: int, seed: int) -> None:
    """An ordinary ward: mostly on time, a few late, some open at the end of May."""
    story = Story(ward, seed=seed)
    rng = story.rng
    procs = list(story.procedures.values())
    days = _story_days(story)
    for _ in range(new):
        proc = rng.choice(procs)
        channel = (
            Channel.ONLINE
            if proc.online_level != "none" and rng.random() < 0.35
            else (Channel.POST if rng.random() < 0.04 else Channel.IN_PERSON)
        )
        received = at(rng.choice(days), rng.randint(7, 14), rng.randint(0, 59))
        hop, electronic = story.hop_plan(proc.field.code, 0.6)
        d = story.receive(proc.code, channel, received, officer, e_circulated=electronic)
        if proc.same_day:
            done = story.resolve_same_day(d, officer)
            story.rate(d, done, land=False, late=False, by=officer)
            continue
        if d.due_date > date(2023, 5, 26) and rng.random() < 0.8:
            story.leave_open(d, officer, kind=2 if hop else rng.randint(0, 1))
            continue
        if proc.field.code == "DD" and hop and rng.random() < 0.2:
            done = story.resolve_late_at_land_office(d, officer, leader)
            story.rate(d, done, land=True, late=True, by=officer)
            continue
        returned = story.resolve_before(d, officer, hop=hop)
        story.rate(d, returned, land=proc.field.code == "DD", late=False, by=officer)
    story.finish_open(STORY_END)


def seed_cross_ward(counter: Ward, counter_officer: User, competent: Ward, officer: User) -> Dossier:
    """Reception regardless of administrative boundary (Nghị định 118/2025), once: a birth
    registration of a Phú Thủy family taken in at Bình Hưng's counter, accepted and resolved by
    Phú Thủy, the certificate collected back at Bình Hưng's counter. Bình Hưng's figures do not
    move (Biểu 06 counts it at Phú Thủy; Bình Hưng shows it as "received for other units")."""
    day = date(2023, 5, 22)
    dossier = workflow.receive(
        ward=competent,
        received_by=counter,
        result_at_counter=True,
        procedure=Procedure.objects.in_force_on(day).get(code="1.001193"),
        channel=Channel.IN_PERSON,
        received_at=at(day, 9, 0),
        by=counter_officer,
        applicant_name="Lê Thị Hồng Nhung",
        applicant_phone="0913052201",
        applicant_address="Khu phố 3, phường Phú Thủy",
        documents="Tờ khai đăng ký khai sinh (bản chính, 1)\nGiấy chứng sinh (bản chính, 1)",
    )
    workflow.accept_transfer(dossier, by=officer, at=at(day, 9, 20))
    workflow.start(dossier, by=officer, at=at(day, 9, 25))
    workflow.resolve(dossier, by=officer, at=at(day, 10, 30))
    workflow.return_result(dossier, by=counter_officer, at=at(day, 15, 0))
    return dossier


def _assign_fields(people: People, extra_officers: list[User]) -> None:
    fields = {f.code: f for f in Field.objects.all()}
    for code in ("TP-HT", "CT"):
        fields[code].officers.add(people.tuphap)
    for code in ("DD", "XD", "MT"):
        fields[code].officers.add(people.diachinh)
    for code in ("LDXH", "VH", "GD", "TDKT"):
        fields[code].officers.add(people.vanhoa)
    fields["HKD"].officers.add(people.ketoan)
    for officer in extra_officers:
        for field in fields.values():
            field.officers.add(officer)


def seed(stdout=None, *, other_wards: bool = True) -> People:
    """Build the demo; ``other_wards=False`` builds only Bình Hưng (faster, for tests)."""
    say = (lambda s: stdout.write(s)) if stdout else (lambda s: None)
    with transaction.atomic():
        load_catalogue()
        load_catalogue_documents()
        city, _ = City.objects.get_or_create(
            code="PT", defaults={"name": "Thành phố Phan Thiết", "province": "Bình Thuận"}
        )
        ward, _ = Ward.objects.get_or_create(
            code="BH",
            defaults={"city": city, "name": "Phường Bình Hưng", "address": "Khu phố 1, phường Bình Hưng"},
        )
        people = _people(city, ward)
        others = []
        for code, name, _n in OTHER_WARDS if other_wards else []:
            w, _ = Ward.objects.get_or_create(code=code, defaults={"city": city, "name": name})
            leader = _user(
                "chutich_" + code.lower(),
                "Chủ tịch " + name,
                role=Role.LEADER,
                ward=w,
                title="Chủ tịch UBND phường",
            )
            officer = _user(
                "motcua_" + code.lower(),
                "Cán bộ một cửa " + name,
                role=Role.OFFICER,
                ward=w,
                title="Công chức một cửa",
            )
            others.append((w, officer, leader))
        _assign_fields(people, [o for _, o, _ in others])
    say("Bình Hưng: the 2023 story ...")
    # The workflow keeps the facts; during the load they are computed once per dossier at the end
    # of each ward (dossiers/facts.py), in the ward's transaction.
    with transaction.atomic(), facts.deferred():
        seed_binh_hung(ward, people)
    for n, (w, officer, leader) in enumerate(others):
        say("{} ...".format(w.name))
        with transaction.atomic(), facts.deferred():
            seed_other_ward(w, officer, leader, OTHER_WARDS[n][2], seed=1000 + n)
    if others:
        # after the other wards' own data: it takes Phú Thủy's next number and no random draw
        with transaction.atomic():
            seed_cross_ward(ward, people.tuphap, others[0][0], others[0][1])
    with transaction.atomic():
        _seed_plans_staffing_targets(city, ward, people, others)
    with transaction.atomic():
        seed_service_index(city, ward, people, others)
    return people


# -- the QĐ 766 service index: PAKN, the city's figures, the portal's official scores ------------


def _petition(ward, *, by, handler, received: datetime, reply_on: date, content: str, dossier=None,
              satisfied: bool | None = None, source: str = "counter") -> None:  # fmt: skip
    from dossiers import petitions
    from dossiers.models import PetitionType

    kind = PetitionType.objects.filter(code="PA-TTHC").first() or PetitionType.objects.create(
        code="PA-TTHC", name="Phản ánh, kiến nghị về thủ tục hành chính", subject="procedure"
    )
    p = petitions.receive(
        ward=ward, petition_type=kind, source=source, petitioner_name="Nguyễn Văn Bình",
        content=content, received_at=received, by=by, dossier=dossier, petitioner_phone="0912345678",
    )  # fmt: skip
    petitions.assign(p, handler=handler, by=by, at=received + timedelta(hours=1))
    answered = at(reply_on, 10, 0)
    petitions.reply(
        p, text="UBND phường đã kiểm tra, trả lời và khắc phục.", outcome="upheld", by=handler, at=answered
    )
    if satisfied is not None:
        petitions.record_satisfaction(
            p,
            satisfaction="satisfied" if satisfied else "dissatisfied",
            by=handler,
            at=answered + timedelta(hours=2),
        )


def _seed_petitions(ward: Ward, people: People, others) -> None:
    """Bình Hưng: four citizens complain about land dossiers late at the land office and are
    answered late (the Phú Thọ case: 12 points lost), two more answered on time. Each other ward
    has at most one PAKN, answered on time."""
    late_land = list(
        Dossier.objects.filter(ward=ward, apologies__isnull=False, received_at__lt=at(date(2023, 4, 1), 0))
        .order_by("received_at")
        .distinct()[:4]
    )
    for n, dossier in enumerate(late_land):
        received = at(calendar.next_working_day(dossier.due_date), 9, 30)
        due = calendar.add_working_days(calendar.local_date(received), 10)
        _petition(
            ward, by=people.chairperson, handler=people.diachinh, received=received,
            reply_on=calendar.add_working_days(due, 3 + n), dossier=dossier, satisfied=None if n == 0 else False,
            content="Hồ sơ đất đai quá hẹn trả kết quả, đề nghị phường cho biết lý do và thời gian trả.",
        )  # fmt: skip
    for month_, satisfied in ((3, True), (5, True)):
        received = at(calendar.next_working_day(date(2023, month_, 6)), 14, 0)
        _petition(
            ward, by=people.tuphap, handler=people.tuphap, received=received,
            reply_on=calendar.add_working_days(calendar.local_date(received), 4), satisfied=satisfied,
            content="Đề nghị niêm yết rõ hơn thành phần hồ sơ chứng thực tại Bộ phận Một cửa.", source="public",
        )  # fmt: skip
    for n, (w, officer, _leader) in enumerate(others):
        if n % 2:
            continue
        received = at(calendar.next_working_day(date(2023, 2 + n, 8)), 9, 0)
        _petition(
            w, by=officer, handler=officer, received=received,
            reply_on=calendar.add_working_days(calendar.local_date(received), 5), satisfied=True,
            content="Đề nghị bố trí thêm ghế chờ tại Bộ phận Một cửa.",
        )  # fmt: skip


def seed_service_index(city: City, ward: Ward, people: People, others) -> None:
    """PAKN, the city's monthly figures for every ward (publication on time, national sync,
    electronic certified copies) for January to May 2023, and the portal's official May scores of
    Bình Hưng, so the scoreboard shows its gaps beside the other wards'."""
    from parindex.analytics.service_index_data import OfficialScore, ServiceIndexEntry

    _seed_petitions(ward, people, others)
    rng = random.Random(766)
    wards = [ward] + [w for w, _o, _l in others]
    entries = []
    for w in wards:
        sync, copies = (0.86, 0.35) if w.code == "BH" else (0.97, 0.7)
        for month_ in range(1, 6):
            for code, share, total in (
                ("publicity.publication", 1.0, 4),
                ("publicity.national_sync", sync, rng.randint(120, 180)),
                ("digitisation.e_copies", copies, rng.randint(20, 40)),
            ):
                entries.append(
                    ServiceIndexEntry(
                        ward=w,
                        code=code,
                        kind="month",
                        year=2023,
                        number=month_,
                        entered_by=people.administrator,
                        numerator=min(total, round(total * share * rng.uniform(0.97, 1.0))),
                        denominator=total,
                    )  # fmt: skip
                )
    ServiceIndexEntry.objects.bulk_create(entries, ignore_conflicts=True)
    official = {"publicity": "15.20", "progress": "18.40", "online": "7.10", "payment": "6.30",
                "digitisation": "10.90", "satisfaction": "17.10"}  # fmt: skip
    for group, points in official.items():
        OfficialScore.objects.get_or_create(
            ward=ward, kind="month", year=2023, number=5, group=group,
            defaults={"points": Decimal(points), "source": "Cổng DVC quốc gia, 06/2023", "imported_by": people.administrator},
        )  # fmt: skip


def _seed_plans_staffing_targets(city: City, ward: Ward, people: People, others) -> None:
    officials = [people.chairperson, people.tuphap, people.diachinh, people.vanhoa, people.ketoan]
    load_demo_plan(
        ward=ward,
        year=2023,
        done=ARTICLE["tasks_done"],
        total=ARTICLE["tasks_total"],
        officials=officials,
        by=people.chairperson,
        as_of=STORY_END,
    )
    for year, share in ((2022, 0.72), (2023, 0.8)):
        load_default_criteria(ward=ward, year=year, officials=officials, by=people.chairperson)
        _self_assess(ward, year, share, people.chairperson, seed=year)
    load_demo_staffing(
        ward=ward,
        officials_by_key={
            "chairperson": people.chairperson,
            "tuphap": people.tuphap,
            "datdai": people.diachinh,
            "vanhoa": people.vanhoa,
            "ketoan": people.ketoan,
        },
        as_of=STORY_END,
    )
    for n, (w, officer, leader) in enumerate(others):
        total = 40 + 4 * n
        load_demo_plan(
            ward=w,
            year=2023,
            done=total // 2 + 3 * n,
            total=total,
            officials=[leader, officer],
            by=leader,
            as_of=STORY_END,
        )

    for year in (2023, 2026):
        create_default_targets(city=city, year=year)


def _self_assess(ward: Ward, year: int, share: float, by: User, *, seed: int) -> None:
    """Self-score the leaf criteria at about ``share`` of their maximum (quarter points); a few
    are left unscored, as a ward mid-way through its self-assessment would have them."""
    rng = random.Random(seed)
    leaves = Criterion.objects.filter(ward=ward, year=year, children__isnull=True).order_by("position", "id")
    for leaf in leaves:
        if rng.random() < 0.08:
            continue
        raw = leaf.max_score * Decimal(str(min(1.0, max(0.0, rng.gauss(share, 0.15)))))
        value = (raw * 4).quantize(Decimal("1")) / 4
        criteria.score(
            leaf, by=by, self_score=min(value, leaf.max_score), comment="Có tài liệu kiểm chứng kèm theo."
        )


DEMO_LOGINS = [
    ("chutich", "Chủ tịch UBND phường Bình Hưng (lãnh đạo)"),
    ("tuphap", "Công chức Tư pháp - Hộ tịch, Bình Hưng"),
    ("diachinh", "Công chức Địa chính (đất đai), Bình Hưng"),
    ("thanhpho", "Người xem cấp thành phố Phan Thiết"),
    ("quantri", "Quản trị viên"),
]
