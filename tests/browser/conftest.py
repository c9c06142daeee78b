"""Playwright driving Debian's Chromium (/usr/bin/chromium); never a downloaded browser.

Skipped with a visible reason where Chromium is absent, except when REQUIRE_BROWSER=1 (CI), where
a missing browser is an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but Chromium is not installed at {CHROMIUM}")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    # Requests the page started after its last step (htmx blocks loaded after the page) must end
    # before the test's data is flushed: one still writing would leave rows for the next test.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A page that polls for ever (a job page) never goes idle; it only reads.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=10_000)
    context.close()


@pytest.fixture
def login(page):
    """Log in through the real form as ``username`` (password from tests/conftest.make_user)."""

    def do_login(username: str, password: str = "matkhau-demo-2026") -> None:
        page.goto(page.base_url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do_login
