"""Shared fixtures: the organisation and named people every feature test uses."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from parindex.base.models import City, Membership, Role, Ward

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Background tasks run inside the request in the fast suite; tests/test_queue.py runs them on
    a real worker (database backend and Redis)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_calendar_and_cache():
    """A rolled-back CalendarDay fires no signal, and rate-limit counters live in the cache: start
    and end every test with both empty."""
    from django.core.cache import cache

    from dossiers import calendar

    cache.clear()
    calendar.clear_cache()
    yield
    cache.clear()
    calendar.clear_cache()


@pytest.fixture
def city(db) -> City:
    return City.objects.create(code="PT", name="Phan Thiết", province="Lâm Đồng")


@pytest.fixture
def other_city(db) -> City:
    return City.objects.create(code="LG", name="La Gi", province="Lâm Đồng")


@pytest.fixture
def ward(city) -> Ward:
    return Ward.objects.create(city=city, code="BH", name="Phường Bình Hưng")


@pytest.fixture
def other_ward(city) -> Ward:
    return Ward.objects.create(city=city, code="PTH", name="Phường Phú Thủy")


@pytest.fixture
def far_ward(other_city) -> Ward:
    return Ward.objects.create(city=other_city, code="TA", name="Phường Tân An")


@pytest.fixture
def make_user(db):
    def make(
        username: str,
        *,
        role: str,
        ward: Ward | None = None,
        city: City | None = None,
        full_name: str = "",
        title: str = "",
        is_staff: bool = False,
    ) -> User:
        first, _, last = full_name.rpartition(" ")
        user = User.objects.create_user(
            username=username,
            password="matkhau-demo-2026",
            first_name=last or username,
            last_name=first,
            is_staff=is_staff,
        )
        Membership.objects.create(user=user, role=role, ward=ward, city=city, title=title)
        return user

    return make


@pytest.fixture
def chairperson(make_user, ward) -> User:
    return make_user(
        "chutich", role=Role.LEADER, ward=ward, full_name="Trần Văn Hùng", title="Chủ tịch UBND phường"
    )


@pytest.fixture
def officer_tuphap(make_user, ward) -> User:
    return make_user(
        "tuphap",
        role=Role.OFFICER,
        ward=ward,
        full_name="Nguyễn Thị Lan",
        title="Công chức Tư pháp - Hộ tịch",
    )


@pytest.fixture
def officer_datdai(make_user, ward) -> User:
    return make_user(
        "diachinh",
        role=Role.OFFICER,
        ward=ward,
        full_name="Lê Văn Minh",
        title="Công chức Địa chính - Xây dựng",
    )


@pytest.fixture
def officer_other_ward(make_user, other_ward) -> User:
    return make_user("canbo_phuthuy", role=Role.OFFICER, ward=other_ward, full_name="Phạm Văn Tâm")


@pytest.fixture
def city_viewer(make_user, city) -> User:
    return make_user(
        "thanhpho", role=Role.CITY_VIEWER, city=city, full_name="Võ Thị Hoa", title="Chuyên viên Sở Nội vụ"
    )


@pytest.fixture
def administrator(make_user, city) -> User:
    return make_user("quantri", role=Role.ADMIN, city=city, full_name="Đặng Quốc Bảo", is_staff=True)
