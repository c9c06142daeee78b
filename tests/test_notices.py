"""Notices to applicants: each event on a real SMTP server and through the HTTP SMS adapter
against a local HTTP server, the consent rule, and a failing gateway that leaves the move done."""

from __future__ import annotations

import json
import re
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from freezegun import freeze_time

from dossiers import notices
from dossiers.lookup import dossier_for_token
from dossiers.models import Notice, NoticeTemplate, Status
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.form_tokens import form_token

EMAIL = "an.nguyen@example.vn"
PHONE = "0905123456"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.DEFAULT_FROM_EMAIL = "cchc@binhhung.example.vn"
    yield inbox
    controller.stop()


class _Gateway(BaseHTTPRequestHandler):
    answer = 200
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    handler = type("Gateway", (_Gateway,), {"received": [], "answer": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "parindex.base.sms.HttpBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:{}/send".format(server.server_port)
    settings.SMS_GATEWAY_KEY = "k-123"
    yield handler
    server.shutdown()
    server.server_close()


def _move(client, d, name, **data):
    return client.post(
        reverse("dossiers:move", args=[d.pk, name]), {"{}-{}".format(name, k): v for k, v in data.items()}
    )


def test_each_notice_reaches_a_real_smtp_server(
    client, smtp, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_email=EMAIL, notify_consent=True, notify_channel="email"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify(d, "reception", base_url="http://cong.example.vn/")
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        _move(client, d, "start", at="2024-03-04T10:00")
        _move(client, d, "request_supplement", at="2024-03-05T09:00", items="Hợp đồng thuê nhà")
        _move(client, d, "resume", at="2024-03-07T09:00")
        _move(
            client,
            d,
            "issue_apology",
            at="2024-03-08T09:00",
            reason="Chờ xác minh",
            new_due_date="2024-03-25",
        )
        _move(client, d, "resolve", at="2024-03-11T09:00", outcome="approved")
        _move(client, d, "return_result", at="2024-03-11T10:00")
    d.refresh_from_db()
    assert d.status == Status.RETURNED
    events = list(Notice.objects.values_list("event", "channel", "address", "status"))
    assert events == [
        (e, "email", "a•••@example.vn", "sent")
        for e in ("reception", "supplement", "moved", "apology", "result", "rating")
    ]
    assert [rcpt for rcpt, _m in smtp.messages] == [[EMAIL]] * 6
    subjects = [m["Subject"] for _r, m in smtp.messages]
    assert all(d.code in s for s in subjects)
    bodies = [m.get_content() for _r, m in smtp.messages]
    token = re.search(r"http://cong\.example\.vn/tra-cuu/([^/\s]+)/", bodies[0]).group(1)
    assert dossier_for_token(token) == d
    assert "Hợp đồng thuê nhà" in bodies[1] and "25/03/2024" in bodies[3]
    assert smtp.messages[0][1]["From"] == "cchc@binhhung.example.vn"
    # The dossier's timeline lists them with the address masked.
    page = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    timeline = page.split('data-testid="notices"')[1].split("</ol>")[0]
    assert timeline.count("a•••@example.vn") == 6 and EMAIL not in timeline


def test_sms_goes_through_the_http_adapter_without_diacritics(
    client, gateway, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    NoticeTemplate.objects.create(
        event="result", channel="sms", text="Hồ sơ {{ code }} đã có kết quả tại {{ ward }}."
    )
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_phone=PHONE, notify_consent=True, notify_channel="sms"
    )
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        _move(client, d, "resolve", at="2024-03-05T09:00", outcome="approved")
    ((auth, body),) = gateway.received
    assert auth == "Bearer k-123" and body["to"] == PHONE and body["text"].isascii()
    assert body["text"].startswith("Ho so {} da co ket qua tai ".format(d.code))
    notice = Notice.objects.get()
    assert (notice.channel, notice.address, notice.status, notice.error) == ("sms", "090••••456", "sent", "")


def test_a_failing_gateway_leaves_the_move_done_and_the_notice_failed(
    client, gateway, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    gateway.answer = 503
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_phone=PHONE, notify_consent=True, notify_channel="sms"
    )
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        response = _move(client, d, "resolve", at="2024-03-05T09:00", outcome="approved")
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RESOLVED
    notice = Notice.objects.get()
    assert notice.status == "failed" and "503" in notice.error and PHONE not in notice.error


def test_an_unreachable_smtp_server_fails_the_notice_not_the_move(
    client, settings, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_email=EMAIL, notify_consent=True, notify_channel="email"
    )
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        assert _move(client, d, "resolve", at="2024-03-05T09:00", outcome="approved").status_code == 302
    d.refresh_from_db()
    notice = Notice.objects.get()
    assert d.status == Status.RESOLVED and notice.status == "failed" and "ConnectionRefused" in notice.error


def test_no_consent_no_notice(
    client, smtp, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    d = make_dossier(business, at(2024, 3, 4, 9), applicant_email=EMAIL, notify_channel="email")
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        _move(client, d, "resolve", at="2024-03-05T09:00", outcome="approved")
    assert (d.notify_consent, d.notify_channel) == (False, "")
    assert not Notice.objects.exists() and smtp.messages == []


def test_the_counter_records_consent_and_channel(
    client, officer_tuphap, birth, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.vn"
    client.force_login(officer_tuphap)
    with freeze_time("2024-03-06 10:00:00+07:00"):
        page = client.get(reverse("dossiers:create"))
        data = {
            "procedure": "1.001193 - Đăng ký khai sinh",
            "channel": "in_person",
            "received_at": "2024-03-06T09:30",
            "applicant_name": "Phạm Thị Hoa",
            "sets": "1",
            "notify_consent": "on",
            "notify_channel": "email",
        }
        refused = client.post(reverse("dossiers:create"), {**form_token(page), **data})
        assert refused.status_code == 200 and "cần địa chỉ thư" in refused.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("dossiers:create"), {**form_token(refused), **data, "applicant_email": EMAIL}
            )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.dossier.notify_consent, notice.dossier.notify_channel) == (True, "email")
    assert (notice.event, notice.status) == ("reception", "sent")
    assert [m.to for m in mailoutbox] == [[EMAIL]]


def test_a_broken_template_is_logged_failed_and_the_move_stands(
    client, make_dossier, business, officer_datdai, django_capture_on_commit_callbacks
):
    NoticeTemplate.objects.create(event="result", channel="sms", text="{% if %}")
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_phone=PHONE, notify_consent=True, notify_channel="sms"
    )
    client.force_login(officer_datdai)
    with django_capture_on_commit_callbacks(execute=True):
        assert _move(client, d, "resolve", at="2024-03-05T09:00", outcome="approved").status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RESOLVED
    assert Notice.objects.get().status == "failed"


def test_send_notice_is_one_call_that_never_raises(make_dossier, business, settings):
    settings.SMS_BACKEND = "parindex.base.sms.LogBackend"
    d = make_dossier(
        business, at(2024, 3, 4, 9), applicant_phone=PHONE, notify_consent=True, notify_channel="sms"
    )
    notice = notices.notify(d, "reception")
    assert notices.send_notice(notice.pk) == "sent"
    assert notices.send_notice(notice.pk) == ""  # already sent: not sent twice
