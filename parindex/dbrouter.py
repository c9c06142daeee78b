"""Reads of the busy screens from a PostgreSQL streaming replica, when one is configured.

With ``DATABASE_REPLICA_URL`` set, the GET requests of the dashboards, report and list pages
(``REPLICA_VIEWS``) read from the replica; everything else stays on the primary:

- every write, and every locked read (``select_for_update``, ``get_or_create``: Django routes
  them through ``db_for_write``);
- any read inside a transaction on the primary (it may read what the transaction wrote);
- read-after-write: for ``REPLICA_PIN_SECONDS`` after a person's POST, their pages read from the
  primary, so a dossier they just saved is on the list they are sent back to, whatever the lag.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
# URL names whose GET pages only read: the dashboards, reports and lists.
REPLICA_VIEWS = frozenset(
    {
        "dashboard",
        "city_dashboard",
        "reports:index",
        "dossiers:index",
        "staffing:index",
        "tasks:index",
        "tasks:progress",
    }
)

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


class replica_reads:  # noqa: N801 - used like a function: ``with replica_reads():``
    """Route this block's plain reads to the replica (the middleware does it for REPLICA_VIEWS)."""

    def __enter__(self):
        self._token = _replica_reads.set(True)
        return self

    def __exit__(self, *exc) -> None:
        _replica_reads.reset(self._token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both sides

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
