"""The queue for real: gunicorn servers and worker processes over one database file, one storage
folder and (for the rq backend) the Redis at 127.0.0.1:6379.

These tests start processes, so they build their own small world with ``generate_load`` in a
SQLite file (the fast suite's in-memory database is invisible to other processes). Redis tests are
skipped with the reason shown when no Redis answers; CI sets REQUIRE_REDIS=1 so they cannot be.
"""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
WARD, OTHER = "LOADQ-001", "LOADQ-002"
PASSWORD = "cchc@2023"  # generate_load's demo password
PERIOD = {"from": "2024-01-01", "to": "2024-06-28"}
REDIS_URL = os.environ.get("QUEUE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _redis_up() -> bool:
    parsed = urllib.parse.urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_up() and not os.environ.get("REQUIRE_REDIS"),
    reason="no Redis at {} (start redis-server, or set REQUIRE_REDIS=1 to fail instead)".format(REDIS_URL),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """Environment shared by every process of one test: database file, media folder, backend."""

    def __init__(self, base: Path, backend: str) -> None:
        self.base = base
        self.env = {
            **os.environ,
            "DATABASE_URL": "sqlite:///{}".format(base / "db.sqlite3"),
            "MEDIA_ROOT": str(base / "media"),
            "TASKS_BACKEND": backend,
            "EXPORT_INLINE_ROWS": "50",
            "DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
        }
        if backend == "rq":
            self.env["REDIS_URL"] = REDIS_URL
            # Sessions and cache in the same Redis: the two servers share them without the database.
            self.env["CACHE_URL"] = REDIS_URL
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        return self.python("manage.py", *args)

    def python(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def spawn(self, *args: str, log: str) -> subprocess.Popen:
        out = (self.base / log).open("w")
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(proc)
        return proc

    def worker(self) -> subprocess.Popen:
        return self.spawn(
            sys.executable, "manage.py", "worker", log="worker-{}.log".format(len(self.processes))
        )

    def server(self) -> str:
        port = _free_port()
        self.spawn(
            str(Path(sys.executable).parent / "gunicorn"),
            "parindex.wsgi",
            "--bind",
            "127.0.0.1:{}".format(port),
            "--workers",
            "1",
            "--no-control-socket",
            log="gunicorn-{}.log".format(port),
        )
        url = "http://127.0.0.1:{}".format(port)
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=30)
                return url
            except OSError:  # refused until gunicorn listens
                time.sleep(0.1)
        raise AssertionError(
            "gunicorn did not start: " + (self.base / "gunicorn-{}.log".format(port)).read_text()
        )

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A person with cookies, talking to any of the servers (the session is shared state)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url: str, data: dict | None = None, files: dict | None = None):
        headers = {"Referer": url}
        body = None
        if files:
            boundary = "----queue-test-boundary"
            parts = []
            for name, value in (data or {}).items():
                parts.append(
                    '--{}\r\nContent-Disposition: form-data; name="{}"\r\n\r\n{}\r\n'.format(
                        boundary, name, value
                    ).encode()
                )
            for name, (filename, content) in files.items():
                parts.append(
                    '--{}\r\nContent-Disposition: form-data; name="{}"; filename="{}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".format(boundary, name, filename).encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + "--{}--\r\n".format(boundary).encode()
            headers["Content-Type"] = "multipart/form-data; boundary={}".format(boundary)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, server: str, username: str) -> None:
        self.request(server + "/accounts/login/")
        status, headers, _body = self.request(
            server + "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        assert status == 302, "login failed for {}".format(username)


def _wait_done(browser: Browser, server: str, job_path: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _h, body = browser.request(server + job_path)
        assert status == 200
        html = body.decode()
        state = re.search(r'data-status="(\w+)"', html).group(1)
        if state == "done":
            return html
        assert state != "failed", html
        time.sleep(0.3)
    raise AssertionError("job not done in time")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """Migrated database with two wards of load data, built once and copied per test."""
    base = tmp_path_factory.mktemp("queue-template")
    world = World(base, "database")
    world.manage("migrate", "--noinput", "-v0")
    world.python(
        "bench/load.py", "--wards", "2", "--years", "1", "--per-ward-year", "600", "--seed", "5",
        "--city", "LOADQ", "--end", "2024-06-28",
    )  # fmt: skip
    return base / "db.sqlite3"


@pytest.fixture
def world(request, template_db, tmp_path):
    backend = request.param
    (tmp_path / "db.sqlite3").write_bytes(template_db.read_bytes())
    w = World(tmp_path, backend)
    yield w
    w.stop()


def _export_path(ward: str) -> str:
    return "/reports/download/?" + urllib.parse.urlencode({"ward": ward, **PERIOD})


def _check_workbook(content: bytes) -> int:
    ws = load_workbook(io.BytesIO(content), read_only=True)["Sổ theo dõi"]
    return sum(1 for row in ws.iter_rows(min_row=4, values_only=True) if row[2])


@pytest.mark.parametrize("world", ["database", pytest.param("rq", marks=needs_redis)], indirect=True)
def test_two_servers_share_exports_imports_and_sessions_and_a_dead_workers_job_is_requeued(world):
    worker = world.worker()
    first, second = world.server(), world.server()
    leader = Browser()
    leader.login(first, "loadq_001_chutich")

    started = time.monotonic()
    status, headers, _body = leader.request(first + _export_path(WARD))
    answered = time.monotonic() - started
    assert status == 302 and headers["Location"].startswith("/jobs/")
    assert answered < 2.0  # the request does not build the workbook (a 2-core shared machine: slack)
    job_path = headers["Location"]

    html = _wait_done(leader, second, job_path)
    rows = int(
        re.search(r'data-testid="job-rows">([\d.,]+) /', html).group(1).replace(".", "").replace(",", "")
    )
    status, headers, content = leader.request(second + job_path + "file/")
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    assert _check_workbook(content) == rows > 50

    # The other ward's officer sees neither the job nor its file, on either server.
    stranger = Browser()
    stranger.login(second, "loadq_002_tuphap")
    for server in (first, second):
        assert stranger.request(server + job_path)[0] == 404
        assert stranger.request(server + job_path + "file/")[0] == 404

    # Import preview on one server, confirmation on the other: the upload is staged in the shared
    # storage, the worker builds the preview into its job, the other server shows and confirms it.
    started = time.monotonic()
    status, headers, _body = leader.request(
        first + "/reports/import/",
        {"ward": WARD, "action": "preview", "csrfmiddlewaretoken": leader.csrf()},
        files={"file": ("so-theo-doi.xlsx", content)},
    )
    answered = time.monotonic() - started
    assert status == 302 and "preview=" in headers["Location"], _body.decode()[-2000:]
    assert answered < 2.0  # the request stages the file; the worker parses it
    preview_path = headers["Location"]
    deadline = time.monotonic() + 120
    while True:
        status, _h, body = leader.request(second + preview_path)
        html = body.decode()
        assert status == 200 and 'data-status="failed"' not in html, html[-2000:]
        if 'data-testid="import-preview"' in html:
            break
        assert 'data-testid="job-status"' in html and time.monotonic() < deadline  # still reading
        time.sleep(0.3)
    token = re.search(r'name="token" value="(\w+)"', html).group(1)
    # The one-time form token issued with the preview is checked on the other server (database).
    form_token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    status, headers, _body = leader.request(
        first + "/reports/import/",
        {
            "ward": WARD,
            "action": "confirm",
            "token": token,
            "form_token": form_token,
            "csrfmiddlewaretoken": leader.csrf(),
        },
    )
    assert status == 302 and headers["Location"].startswith("/jobs/"), _body.decode()[-2000:]
    html = _wait_done(leader, second, headers["Location"])
    assert "{} hồ sơ không đổi".format(rows) in html  # the log of these very dossiers

    # The worker is killed with a job in hand; the next worker to start puts it back in the queue.
    worker.kill()
    worker.wait()
    status, headers, _body = leader.request(first + _export_path(WARD))
    assert status == 302
    job_path = headers["Location"]
    world.manage(
        "shell",
        "-c",
        "from django.utils import timezone; from parindex.base.jobs.models import Job; "
        "Job.objects.filter(pk='{}').update(status='running', attempts=1, heartbeat_at=timezone.now(), "
        "worker='{}:{}')".format(job_path.strip("/").split("/")[-1], socket.gethostname(), worker.pid),
    )
    restarted = world.worker()
    log = world.base / "worker-{}.log".format(world.processes.index(restarted))
    for _ in range(300):  # the sweep, not the job page (which recovers too), must find it
        if log.exists() and "Recovered 1 interrupted job(s)." in log.read_text():
            break
        time.sleep(0.1)
    else:
        raise AssertionError("worker did not recover the job: " + log.read_text())
    html = _wait_done(leader, second, job_path)
    assert 'data-testid="job-download"' in html
