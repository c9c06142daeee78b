"""`migrate` creates the database cache table, whichever settings it runs with."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.cache import caches
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from tests.test_settings import LEAKY, ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-cache-check-0123456789",
    "ALLOWED_HOSTS": "cchc.example.gov.vn",
}


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in LEAKY}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "parindex.settings"},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_migrate_in_development_settings_creates_the_production_cache_table(tmp_path):
    db = tmp_path / "fresh.sqlite3"
    url = "sqlite:///{}".format(db)
    migrated = run("manage.py", "migrate", "--noinput", "--verbosity", "0", DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr
    tables = {row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "parindex_cache" in tables
    # The production settings (database cache) then work on that database at once.
    used = run(
        "-c",
        "import django; django.setup(); from django.core.cache import cache; "
        "cache.set('rating-ip', 3, 60); print(cache.get('rating-ip'))",
        DATABASE_URL=url,
        **PRODUCTION,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "3"


@pytest.mark.django_db
def test_migrate_creates_every_configured_database_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "other_cache"},
    }
    assert "other_cache" not in connection.introspection.table_names()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert "other_cache" in connection.introspection.table_names()
    caches["shared"].set("k", "v", 60)
    assert caches["shared"].get("k") == "v"
