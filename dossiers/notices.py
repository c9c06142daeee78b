"""Notices to the applicant by e-mail or SMS, logged on the dossier's timeline.

``notify`` records a queued ``Notice`` for the channel the applicant chose at the counter (none
without consent) and hands its id to ``send_notice`` once the officer's move is committed
(``transaction.on_commit``). ``send_notice`` is the one unit of sending: it never raises, it marks
the notice sent or failed with the error. When the task queue lands, wrap it as a task and enqueue
it from ``notify`` instead of calling it.

Texts are ``NoticeTemplate`` rows the administrator edits; an event without a row uses the text
below. SMS go out without diacritics when the gateway needs it (``SMS_ASCII_ONLY``).
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone
from unidecode import unidecode

from dossiers import lookup, privacy
from dossiers.models import Dossier, Notice, NoticeChannel, NoticeEvent, NoticeTemplate
from parindex.base import sms

logger = logging.getLogger(__name__)

E = NoticeEvent

# (subject, text) per event when the administrator has written no template for it.
DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    E.RECEPTION: (
        "Thông báo đã tiếp nhận hồ sơ {{ code }}",
        "{{ ward }} đã tiếp nhận hồ sơ {{ code }} ({{ procedure }}), hẹn trả kết quả ngày {{ due }}. "
        "Tra cứu: {{ link }}",
    ),
    E.SUPPLEMENT: (
        "Hồ sơ {{ code }} cần bổ sung",
        "Hồ sơ {{ code }} cần bổ sung: {{ items }}. Tra cứu: {{ link }}",
    ),
    E.APPOINTMENT_MOVED: (
        "Hồ sơ {{ code }}: ngày hẹn trả mới",
        "Hồ sơ {{ code }} có ngày hẹn trả mới: {{ due }}. Tra cứu: {{ link }}",
    ),
    E.APOLOGY: (
        "Thư xin lỗi về hồ sơ {{ code }}",
        "{{ ward }} xin lỗi vì hồ sơ {{ code }} chậm so với hẹn, hẹn lại ngày {{ new_due }}. "
        "Tra cứu: {{ link }}",
    ),
    E.RESULT_READY: (
        "Hồ sơ {{ code }} đã có kết quả",
        "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả, mời ông/bà đến nhận. Tra cứu: {{ link }}",
    ),
    E.RATING: (
        "Mời đánh giá việc giải quyết hồ sơ {{ code }}",
        "Mời ông/bà đánh giá mức độ hài lòng với hồ sơ {{ code }}: {{ link }}",
    ),
}

# The officer's moves that notify the applicant.
MOVE_EVENTS = {
    "request_supplement": E.SUPPLEMENT,
    "issue_apology": E.APOLOGY,
    "resolve": E.RESULT_READY,
    "return_result": E.RATING,
}


def address_of(dossier: Dossier, channel: str) -> str:
    if channel == NoticeChannel.EMAIL:
        return dossier.applicant_email
    if channel == NoticeChannel.SMS:
        return dossier.applicant_phone
    return ""


def _masked(channel: str, address: str) -> str:
    return privacy.mask_email(address) if channel == NoticeChannel.EMAIL else privacy.mask_phone(address)


def link_for(dossier: Dossier, base_url: str = "") -> str:
    base = settings.PUBLIC_BASE_URL or base_url.rstrip("/")
    return base + reverse("lookup:status", args=[lookup.public_token(dossier)])


def _context(dossier: Dossier, link: str) -> dict:
    supplement = dossier.supplements.order_by("-requested_at").first()
    apology = dossier.apologies.order_by("-issued_at").first()
    due = lookup.due_moment(dossier)
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "ward": dossier.ward.name,
        "due": due.strftime("%d/%m/%Y") if due else "",
        "items": supplement.items.replace("\n", "; ") if supplement else "",
        "new_due": apology.new_due_date.strftime("%d/%m/%Y") if apology else "",
        "link": link,
    }


def render(event: str, channel: str, dossier: Dossier, link: str) -> tuple[str, str]:
    row = NoticeTemplate.objects.filter(event=event, channel=channel).first()
    subject, text = (row.subject, row.text) if row else DEFAULT_TEXTS[event]
    context = Context(_context(dossier, link), autoescape=False)
    subject = Template(subject).render(context).strip() if subject else ""
    text = Template(text).render(context).strip()
    if channel == NoticeChannel.SMS and settings.SMS_ASCII_ONLY:
        subject, text = unidecode(subject), unidecode(text)
    return subject, text


def notify(dossier: Dossier, event: str, *, base_url: str = "") -> Notice | None:
    """Queue one notice for the applicant's chosen channel; nothing without consent or address.

    Never raises: an officer's move is done whatever happens to its notice."""
    try:
        if not dossier.notify_consent or not dossier.notify_channel:
            return None
        channel = dossier.notify_channel
        address = address_of(dossier, channel)
        if not address:
            return None
        notice = Notice(dossier=dossier, event=event, channel=channel, address=_masked(channel, address))
        try:
            notice.subject, notice.text = render(event, channel, dossier, link_for(dossier, base_url))
        except TemplateSyntaxError as exc:
            notice.status, notice.error = Notice.Status.FAILED, "template: {}".format(exc)
            notice.text = ""
            notice.save()
            return notice
        notice.save()
        transaction.on_commit(partial(send_notice, notice.pk))
        return notice
    except Exception:
        logger.exception("notice %s for dossier %s not recorded", event, dossier.pk)
        return None


def after_move(dossier: Dossier, move: str, *, due_before, base_url: str = "") -> list[Notice]:
    """The notices an officer's move triggers; a move that changed the appointment says so."""
    sent = []
    event = MOVE_EVENTS.get(move)
    if event:
        sent.append(notify(dossier, event, base_url=base_url))
    # The apology letter announces its new date itself.
    if move != "issue_apology" and due_before is not None and lookup.due_moment(dossier) != due_before:
        sent.append(notify(dossier, E.APPOINTMENT_MOVED, base_url=base_url))
    return [n for n in sent if n is not None]


def send_notice(notice_id: int) -> str:
    """Deliver one queued notice; returns its final status. The task queue's unit of work."""
    notice = (
        Notice.objects.select_related("dossier").filter(pk=notice_id, status=Notice.Status.QUEUED).first()
    )
    if notice is None:
        return ""
    address = address_of(notice.dossier, notice.channel)
    try:
        if not address:
            raise ValueError("no address on the dossier")
        if notice.channel == NoticeChannel.EMAIL:
            if not settings.EMAIL_HOST:
                raise ValueError("e-mail is not configured (EMAIL_HOST)")
            send_mail(notice.subject, notice.text, None, [address])
        else:
            sms.backend().send(address, notice.text)
    except Exception as exc:
        logger.warning("notice %s failed: %s", notice.pk, exc)
        notice.status = Notice.Status.FAILED
        # A refusal may quote the address: the log keeps it masked, like the notice row.
        error = "{}: {}".format(type(exc).__name__, exc)
        notice.error = (error.replace(address, notice.address) if address else error)[:1000]
    else:
        notice.status = Notice.Status.SENT
        notice.sent_at = timezone.now()
    notice.save(update_fields=["status", "error", "sent_at"])
    return notice.status
