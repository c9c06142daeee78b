"""The read replica router against a real PostgreSQL streaming replica.

The test starts its own primary cluster (initdb, replication allowed) and a standby made from it
with pg_basebackup, on free ports, so it touches no other database on the machine. It is skipped,
with the reason shown, where PostgreSQL's server programs or a postgres account are missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def _skip_reason() -> str | None:
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        return "PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) are not installed"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as the postgres account"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no postgres account to run the clusters"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(PG_BIN / args[0]), *args[1:]]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def clusters():
    # Directly under the system temp folder: pytest's own folders are private to this user, and
    # the clusters run as postgres.
    base = Path(tempfile.mkdtemp(prefix="parindex-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    primary, standby = base / "primary", base / "standby"
    p_port, s_port = _free_port(), _free_port()
    _pg("initdb", "-D", str(primary), "-U", "postgres", "-A", "trust", "--no-sync")
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n".format(p_port, base)
        )
    with (primary / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    started = []
    try:
        _pg("pg_ctl", "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start")
        started.append(primary)
        _pg(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
            "-D", str(standby), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write("port = {}\nhot_standby = on\n".format(s_port))
        _pg("pg_ctl", "-D", str(standby), "-l", str(base / "standby.log"), "-w", "start")
        started.append(standby)
        _pg("createdb", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "parindex")
        yield (
            "postgres://postgres@127.0.0.1:{}/parindex".format(p_port),
            "postgres://postgres@127.0.0.1:{}/parindex".format(s_port),
        )
    finally:
        for data in reversed(started):
            _pg("pg_ctl", "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_router_sends_busy_screens_to_the_replica_and_writes_locks_and_own_writes_to_the_primary(clusters):
    primary, replica = clusters
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}},
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URL": replica,
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    check = subprocess.run(
        [sys.executable, "tests/replica_check.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert "replica routing OK" in check.stdout
