"""Notices in the portal (and by e-mail when ``NOTIFY_BY_EMAIL`` is on and the person has one).

Scheduled work may run twice for the same day (a timer fired again, an operator's rerun): each
notice carries a key and a person gets a given key once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from parindex.base.jobs.models import Notification
from parindex.base.models import Ward

logger = logging.getLogger(__name__)


def notify(users: Iterable, *, key: str, text: str, url: str = "", ward: Ward | None = None) -> int:
    """Give each of ``users`` the notice once; returns how many were new."""
    users = list({u.pk: u for u in users}.values())
    already = set(
        Notification.objects.filter(recipient__in=users, key=key).values_list("recipient_id", flat=True)
    )
    fresh = [u for u in users if u.pk not in already]
    Notification.objects.bulk_create(
        [Notification(recipient=u, ward=ward, key=key[:200], text=text[:500], url=url[:300]) for u in fresh],
        ignore_conflicts=True,  # a concurrent run gave the same notice: the unique key keeps one
    )
    if settings.NOTIFY_BY_EMAIL:
        # After the commit: a slow mail server holds no transaction, a rolled-back notice sends nothing.
        transaction.on_commit(lambda: _mail([u for u in fresh if u.email], key=key, text=text, url=url))
    return len(fresh)


def _mail(users: list, *, key: str, text: str, url: str) -> None:
    body = "{}\n\n{}{}".format(text, settings.PORTAL_URL, url) if url else text
    for user in users:
        try:
            send_mail(text[:150], body, None, [user.email])
        except OSError:
            # The portal notice is the record; a mail server that is down must not stop the run.
            logger.warning("could not e-mail notice %s to user %s", key, user.pk)
