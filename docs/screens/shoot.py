"""Screenshots of the main pages at 1366x768 and 390x844, in Vietnamese, from the demo data.

    .venv/bin/python docs/screens/shoot.py            # writes docs/screens/*.png

Builds a throw-away SQLite database with ``seed_demo``, serves it with ``runserver`` on a free
port, and drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser) through
Playwright, logged in as the demo people of README.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
PASSWORD = "cchc@2023"
PERIOD = "kind=custom&from=2023-01-01&to=2023-05-31"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

# (file name, login, path or a callable finding it on the page)
PAGES = [
    ("login", None, "/accounts/login/"),
    ("home-officer", "tuphap", "/"),
    ("register", "tuphap", "/dossiers/?list="),
    ("new-dossier", "tuphap", "/dossiers/new/"),
    ("dossier", "tuphap", "first-dossier"),
    ("receipt-01", "tuphap", "first-receipt"),
    ("dashboard", "chutich", "/dashboard/?" + PERIOD),
    ("reports", "chutich", "/reports/?ward=BH&from=2023-01-01&to=2023-05-31"),
    ("plan", "chutich", "/tasks/?year=2023"),
    ("plan-progress", "chutich", "/tasks/progress/?year=2023"),
    ("staffing", "chutich", "/staffing/"),
    ("city", "thanhpho", "/dashboard/city/?" + PERIOD),
    ("online-inbox", "tuphap", "/dossiers/online/"),
    ("service-index", "thanhpho", "/dashboard/index766/?kind=month&year=2023&month=5"),
    ("public-pakn", None, "/phan-anh/?ward=BH"),
    ("public-results", None, "/cong-khai/BH/?year=2023"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the demo server did not start at {}".format(url))


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _open(page, base: str, target: str) -> None:
    if target.startswith("/"):
        page.goto(base + target)
        return
    page.goto(base + "/dossiers/?list=")
    href = page.get_by_test_id("dossier-table").locator("tbody tr td a").first.get_attribute("href")
    page.goto(base + href + ("print/01/" if target == "first-receipt" else ""))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": "sqlite:///{}/demo.sqlite3".format(tmp), "DEBUG": "1"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "seed_demo", "--if-empty"], env=env, check=True, cwd=ROOT)
        port = _free_port()
        server = subprocess.Popen(
            [*manage, "runserver", "127.0.0.1:{}".format(port), "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = "http://127.0.0.1:{}".format(port)
        try:
            _wait(base + "/healthz")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for size_name, viewport in SIZES.items():
                    contexts: dict[str | None, object] = {}
                    for name, username, target in PAGES:
                        if username not in contexts:
                            context = browser.new_context(viewport=viewport, locale="vi-VN")
                            page = context.new_page()
                            if username:
                                _login(page, base, username)
                            contexts[username] = page
                        page = contexts[username]
                        _open(page, base, target)
                        page.wait_for_load_state("networkidle")
                        path = OUT / "{}-{}.png".format(name, size_name)
                        page.screenshot(path=str(path))
                        print(path.relative_to(ROOT))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
