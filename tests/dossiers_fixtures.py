"""Fixtures shared by the dossier tests (import with ``from tests.dossiers_fixtures import *``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dossiers import calendar
from dossiers.demo import load_catalogue
from dossiers.models import Agency, Channel, Field, Procedure

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(autouse=True)
def fresh_calendar():
    # Overrides created in a rolled-back test must not leak into the next through the cache.
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def catalogue(db) -> None:
    load_catalogue()


@pytest.fixture
def birth(catalogue) -> Procedure:
    return Procedure.objects.get(code="1.001193")


@pytest.fixture
def land(catalogue) -> Procedure:
    """Đăng ký biến động: 10 working days, through the land registration office."""
    return Procedure.objects.get(code="1.004227")


@pytest.fixture
def business(catalogue) -> Procedure:
    """Đăng ký hộ kinh doanh: 3 working days, fee 100 000."""
    return Procedure.objects.get(code="2.000720")


@pytest.fixture
def land_office(catalogue) -> Agency:
    return Agency.objects.get(code="VPDKDD")


@pytest.fixture
def land_field(catalogue) -> Field:
    return Field.objects.get(code="DD")


@pytest.fixture
def make_dossier(ward, officer_datdai):
    from dossiers import workflow

    def make(
        procedure,
        received_at,
        *,
        by=None,
        channel=Channel.IN_PERSON,
        name="Nguyễn Văn An",
        ward_=None,
        **kwargs,
    ):
        return workflow.receive(
            ward=ward_ or ward,
            procedure=procedure,
            channel=channel,
            received_at=received_at,
            applicant_name=name,
            by=by or officer_datdai,
            **kwargs,
        )

    return make
