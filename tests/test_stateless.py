"""Stateless app servers: settings for Redis sessions/cache, S3 storage and the queue; no session
write per request; working-day maths without a cache round trip per calculation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from freezegun import freeze_time

from dossiers import calendar
from dossiers.models import CalendarDay
from tests.test_settings import start_django

SHOW = "import django; django.setup(); from django.conf import settings as s; print({})"


def _settings(expr: str, **env: str):
    import subprocess
    import sys

    from tests.test_settings import LEAKY, ROOT

    clean = {k: v for k, v in __import__("os").environ.items() if k not in LEAKY | {"TASKS_BACKEND"}}
    return subprocess.run(
        [sys.executable, "-c", SHOW.format(expr)],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "parindex.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cache_url_puts_cache_and_sessions_in_redis():
    shown = _settings(
        "(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], s.SESSION_ENGINE)",
        CACHE_URL="redis://127.0.0.1:6379/3",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str(
        (
            "django.core.cache.backends.redis.RedisCache",
            "redis://127.0.0.1:6379/3",
            "django.contrib.sessions.backends.cache",
        )
    )
    assert "CACHE_URL must start with redis://" in start_django(CACHE_URL="memcached://x").stderr


def test_s3_bucket_selects_private_s3_storage():
    shown = _settings(
        "(s.STORAGES['default']['BACKEND'], s.STORAGES['default']['OPTIONS']['bucket_name'], "
        "s.STORAGES['default']['OPTIONS']['endpoint_url'], s.STORAGES['default']['OPTIONS']['default_acl'])",
        S3_BUCKET="cchc-files",
        S3_ENDPOINT_URL="https://s3.example.vn",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str(
        ("storages.backends.s3.S3Storage", "cchc-files", "https://s3.example.vn", "private")
    )
    local = _settings("s.STORAGES['default']['BACKEND']")
    assert local.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_queue_backend_comes_from_the_environment():
    assert _settings("s.TASKS['default']['BACKEND']").stdout.strip() == "django_tasks_db.DatabaseBackend"
    rq = _settings(
        "(s.TASKS['default']['BACKEND'], s.RQ_QUEUES['default']['URL'])",
        TASKS_BACKEND="rq",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert rq.stdout.strip() == str(("django_tasks_rq.RQBackend", "redis://127.0.0.1:6379/0"))
    assert "TASKS_BACKEND=rq needs REDIS_URL" in start_django(TASKS_BACKEND="rq").stderr
    assert "TASKS_BACKEND must be one of" in start_django(TASKS_BACKEND="celery").stderr


@pytest.mark.django_db
def test_pages_do_not_write_the_session_until_a_minute_has_passed(client, officer_tuphap, monkeypatch):
    saves = []
    original = SessionStore.save

    def counting(self, *args, **kwargs):
        saves.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SessionStore, "save", counting)
    with freeze_time("2026-03-02 08:00:00") as frozen:
        client.force_login(officer_tuphap)
        assert client.get("/").status_code == 200
        saves.clear()
        for _ in range(3):
            frozen.tick(timedelta(seconds=15))
            assert client.get("/").status_code == 200
        assert saves == []
        frozen.tick(timedelta(seconds=20))  # 65 s since the last renewal
        assert client.get("/").status_code == 200
        assert saves == [1]


@pytest.mark.django_db
def test_working_day_maths_reads_the_shared_version_once_per_interval(monkeypatch):
    reads = []
    real_get = calendar.cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(calendar.cache, "get", counting_get)
    now = [1000.0]
    monkeypatch.setattr(calendar.time_module, "monotonic", lambda: now[0])
    friday = date(2024, 3, 1)
    assert calendar.next_working_day(friday) == date(2024, 3, 4)
    for n in range(200):
        calendar.add_working_days(friday, n % 10)
    assert len(reads) == 1
    # This process's own change is seen at once (the signal resets the memo).
    CalendarDay.objects.create(date=date(2024, 3, 4), kind="off", note="test")
    assert calendar.next_working_day(friday) == date(2024, 3, 5)
    # Another process's change (only the shared version moves) is seen after the interval.
    calendar.cache.set(calendar._VERSION_KEY, "changed-elsewhere", None)
    CalendarDay.objects.filter(date=date(2024, 3, 4)).update(kind="work")  # update(): no signal here
    calendar._version_seen[1] = now[0]
    reads.clear()
    assert calendar.next_working_day(friday) == date(2024, 3, 5)
    now[0] += calendar.VERSION_CHECK_SECONDS
    assert calendar.next_working_day(friday) == date(2024, 3, 4)
    assert len(reads) == 1
