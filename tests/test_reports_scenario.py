"""A month of dossiers for the report tests (import with ``from tests.reports_fixtures import *``).

March 2023 in Phường Bình Hưng, every dossier moved through ``dossiers.workflow`` so the history is
real: carried over from February, new by each channel, resolved before / on time / late, still
open within the deadline and overdue, withdrawn, an apology letter, hostile applicant text.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dossiers import workflow
from dossiers.models import Channel, Procedure
from parindex.base.periods import Period
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

MARCH = Period(date(2023, 3, 1), date(2023, 3, 31))
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil","x")',
    "+84 912 345 678",
    "-1+2",
    "@SUM(A1)",
    "Lê\x07 Văn\x0c Bell",
]


def make_month(ward, by, *, extra: int = 0, other_ward=None) -> list:
    """About 30 (+ ``extra``) dossiers; returns them."""
    birth = Procedure.objects.get(code="1.001193")
    land = Procedure.objects.get(code="1.004227")
    business = Procedure.objects.get(code="2.000720")
    made = []

    def receive(procedure, when, channel=Channel.IN_PERSON, name="Nguyễn Văn An", ward_=None, **kw):
        d = workflow.receive(
            ward=ward_ or ward,
            procedure=procedure,
            channel=channel,
            received_at=when,
            applicant_name=name,
            applicant_address="12 Trần Hưng Đạo",
            applicant_phone="0912345678",
            by=by,
            **kw,
        )
        made.append(d)
        return d

    # Carried over from February: one resolved late in March, one still open (overdue).
    d = receive(land, at(2023, 2, 20))
    workflow.start(d, by=by, at=at(2023, 2, 21))
    workflow.resolve(d, by=by, at=at(2023, 3, 10))
    workflow.return_result(d, by=by, at=at(2023, 3, 13))
    d = receive(land, at(2023, 2, 22), channel=Channel.ONLINE)
    workflow.start(d, by=by, at=at(2023, 2, 22, 10))
    workflow.issue_apology(
        d,
        by=by,
        at=at(2023, 3, 7),
        reason="Chờ ý kiến Văn phòng đăng ký đất đai",
        new_due_date=date(2023, 3, 20),
    )
    # Resolved in February: not in March's report at all.
    d = receive(birth, at(2023, 2, 10))
    workflow.resolve(d, by=by, at=at(2023, 2, 10, 11))
    # New in March, by channel and outcome.
    day = date(2023, 3, 1)
    channels = [Channel.IN_PERSON, Channel.ONLINE, Channel.POST]
    for i in range(24 + extra):
        when = at(day.year, day.month, day.day, 8 + i % 6)
        channel = channels[i % 3]
        name = HOSTILE_NAMES[i] if i < len(HOSTILE_NAMES) else "Trần Thị {}".format(i)
        procedure = [birth, land, business][i % 3]
        d = receive(procedure, when, channel=channel, name=name)
        kind = i % 6
        if kind == 0:  # same day, resolved within the hour
            workflow.resolve(d, by=by, at=when + timedelta(hours=1))
        elif kind == 1:  # land, resolved early
            workflow.start(d, by=by, at=when + timedelta(hours=1))
            workflow.resolve(d, by=by, at=when + timedelta(days=2))
            workflow.return_result(d, by=by, at=when + timedelta(days=3))
        elif kind == 2 and day.day < 20:  # business, left open past the deadline
            workflow.start(d, by=by, at=when + timedelta(hours=2))
        elif kind == 3:
            workflow.withdraw(d, by=by, at=when + timedelta(hours=3), reason="Công dân xin rút")
        elif kind == 4:  # land received late March: open within the deadline at the end
            pass
        day = min(day + timedelta(days=1), date(2023, 3, 31))
    if other_ward is not None:
        receive(birth, at(2023, 3, 5), ward_=other_ward, name="Người phường khác")
    return made


@pytest.fixture
def march(ward, other_ward, officer_datdai, catalogue):
    return make_month(ward, officer_datdai, other_ward=other_ward)
