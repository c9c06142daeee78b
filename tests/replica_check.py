"""Run by tests/test_replica.py in a process whose DATABASE_URL is a primary and whose
DATABASE_REPLICA_URL is its streaming replica: checks where the router sends each kind of read."""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.db.utils import InternalError, NotSupportedError, OperationalError  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from parindex.base.models import City, Membership, Role, Ward  # noqa: E402
from parindex.dbrouter import replica_reads  # noqa: E402


def wait_for_replica(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("replica did not catch up")


city = City.objects.create(code="RP", name="Replica city")
ward = Ward.objects.create(city=city, code="RP1", name="Phường Replica")
user = get_user_model().objects.create_user("replica_officer", password="x-very-long-pass-1")
Membership.objects.create(user=user, role=Role.OFFICER, ward=ward)

# The replica is a real standby: it replays the primary's writes and refuses its own.
wait_for_replica(lambda: Ward.objects.using("replica").filter(code="RP1").exists())
try:
    with transaction.atomic(using="replica"):
        City.objects.using("replica").create(code="NO", name="refused")
except (InternalError, NotSupportedError, OperationalError) as exc:
    assert "read-only" in str(exc), exc
else:
    raise AssertionError("the replica accepted a write")

with replica_reads():
    assert Ward.objects.all().db == "replica"
    assert Ward.objects.select_for_update().db == "default"  # locked reads: primary
    assert Ward.objects.get(code="RP1").name == "Phường Replica"
    with transaction.atomic():
        Ward.objects.filter(pk=ward.pk).update(name="Phường Replica 2")
        assert Ward.objects.all().db == "default"  # read-after-write inside the transaction
        assert Ward.objects.get(pk=ward.pk).name == "Phường Replica 2"
assert Ward.objects.all().db == "default"  # outside the busy screens: primary

client = Client()
client.force_login(user)
with CaptureQueriesContext(connections["replica"]) as on_replica:
    assert client.get("/dossiers/").status_code == 200
assert any("dossiers_dossier" in q["sql"] for q in on_replica.captured_queries), on_replica.captured_queries
with CaptureQueriesContext(connections["replica"]) as on_replica:
    assert client.get("/dossiers/new/").status_code == 200  # not a busy read-only screen
assert on_replica.captured_queries == []
# After a POST this browser reads its own writes from the primary for a while.
client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
with CaptureQueriesContext(connections["replica"]) as on_replica:
    assert client.get("/dossiers/").status_code == 200
assert on_replica.captured_queries == []
print("replica routing OK")
