"""Enter pressed three times logs one dossier; no page breaks the Content-Security-Policy."""

import re
import time

import pytest
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_started
from pytest_django.live_server_helper import LiveServer

from dossiers import workflow
from dossiers.demo import load_catalogue
from dossiers.models import Dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class OneRequestAtATime(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


@pytest.fixture(scope="module")
def live_server():
    """The live server of these tests answers one request at a time, in arrival order.

    Its threads would share the one in-memory SQLite connection of the test run, which fails
    with "database table is locked" when the three submissions overlap (PostgreSQL and an SQLite
    file wait for the lock instead; tests/test_idempotency.py covers the overlap on PostgreSQL).
    """
    server = LiveServer("localhost", start=False)
    server.thread.server_class = OneRequestAtATime
    server.start()
    yield server
    server.stop()


def test_enter_pressed_three_times_logs_one_dossier(page, login, officer_tuphap, monkeypatch):
    load_catalogue()
    login("tuphap")
    page.goto(page.base_url + "/dossiers/new/")
    page.fill("#id_procedure", "2.000720 - Đăng ký thành lập hộ kinh doanh")
    page.fill("#id_applicant_name", "Nguyễn Văn An")
    # A slow save, as on a busy day: the officer presses Enter again while the first one runs.
    receive = workflow.receive
    monkeypatch.setattr(workflow, "receive", lambda **kw: (time.sleep(0.5), receive(**kw))[1])
    received = []

    def count(sender, environ, **kwargs):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/dossiers/new/":
            received.append(environ["PATH_INFO"])

    request_started.connect(count)
    try:
        page.focus("#id_applicant_name")
        for _ in range(3):
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/dossiers/\d+/$"))
        page.wait_for_load_state("networkidle")
    finally:
        request_started.disconnect(count)
    # The server got the form more than once (Chromium may drop one it had not sent yet).
    assert len(received) >= 2
    dossier = Dossier.objects.get()
    assert page.url.endswith("/dossiers/{}/".format(dossier.pk))
    assert page.get_by_test_id("dossier-code").inner_text() == dossier.code


def test_main_pages_raise_no_content_security_policy_violation(page, login, officer_tuphap):
    load_catalogue()
    login("tuphap")
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(page.base_url + "/dossiers/new/")
    page.fill("#id_procedure", "2.000720 - Đăng ký thành lập hộ kinh doanh")
    page.fill("#id_applicant_name", "Nguyễn Văn An")
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    page.wait_for_url(re.compile(r"/dossiers/\d+/$"))
    page.get_by_test_id("print-receipt").click()
    page.wait_for_load_state("networkidle")
    # The print button works through static/js/print.js: window.print is called.
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="In").click()
    assert page.evaluate("window.printed") is True
    for path in ("/", "/dossiers/?q=an", "/tasks/", "/staffing/", "/dashboard/", "/reports/"):
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
    # htmx requests on the register (search as you type) still run.
    page.goto(page.base_url + "/dossiers/")
    with page.expect_response(
        lambda r: "/dossiers/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.fill("input[name=q]", "nguyen")
    assert violations == []
