"""One submission of a form that creates a record creates one record, however often it is sent.

A form that creates something carries a one-time token (``{% form_token "purpose" %}`` renders
the hidden field and stores the token). The view creates the record inside ``once(request,
purpose)``: the token is claimed by a conditional UPDATE in the same transaction as the create,
and the URL of the result is stored with it. A second submission of the same token (Enter
pressed three times, a double click, the browser's "resend") finds the claim and is sent to the
first result instead of creating another record; on PostgreSQL a concurrent second submission
waits on the row lock of the first and then sees its committed result.

A missing, unknown or expired token refuses the submission with a message and nothing written;
the form is shown again with the input and a fresh token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.base.models import FormToken

FIELD = "form_token"
# A form left open over lunch still works; the session (30 idle minutes) usually ends first.
LIFETIME = timedelta(hours=12)


class TokenRefused(Exception):
    """The token is missing, unknown, expired or another user's: nothing was written."""

    def __init__(self) -> None:
        self.message = _(
            "Biểu mẫu đã hết hạn hoặc không hợp lệ, chưa có gì được lưu. Hãy kiểm tra và gửi lại."
        )
        super().__init__(self.message)


class AlreadyDone(Exception):
    """The token was used by an earlier submission, whose result is at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(url)


def _owner(request: HttpRequest):
    """The token's user; None for a citizen on a public page (the random key is the only secret)."""
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def issue(request: HttpRequest, purpose: str) -> str:
    """A new token for ``purpose`` and the request's user (the form's hidden field value)."""
    now = timezone.now()
    # Expired tokens go as new ones come: the table stays the size of a day's forms.
    FormToken.objects.filter(created_at__lt=now - LIFETIME).delete()
    key = secrets.token_urlsafe(32)
    FormToken.objects.create(key=key, user=_owner(request), purpose=purpose, created_at=now)
    return key


def _tokens(request: HttpRequest, purpose: str):
    key = request.POST.get(FIELD, "")
    if not key or len(key) > 100 or not key.isprintable():
        # Not a token this module issued (PostgreSQL would refuse a NUL byte in the query).
        return FormToken.objects.none()
    owner = _owner(request)
    return FormToken.objects.filter(
        Q(user=owner) if owner is not None else Q(user__isnull=True),
        key=key,
        purpose=purpose,
        created_at__gte=timezone.now() - LIFETIME,
    )


def previous_result(request: HttpRequest, purpose: str) -> str | None:
    """The URL of the first result when this submission's token was already used, else None.

    Views check it before validating the form: a repeated submission may no longer be valid
    (the number is now taken) and should still lead to the first result."""
    return (
        _tokens(request, purpose).filter(used_at__isnull=False).values_list("result_url", flat=True).first()
    )


class Claim:
    def __init__(self) -> None:
        self.url = ""

    def done(self, url: str) -> None:
        """Record where the created record is shown: repeated submissions are sent there."""
        self.url = url


@contextmanager
def once(request: HttpRequest, purpose: str) -> Iterator[Claim]:
    """Claim the submission's token, then run the block that creates the record, atomically.

    Raises ``AlreadyDone`` when an earlier submission used the token and ``TokenRefused`` when
    there is no usable token. An exception inside the block, or a block that records no result
    (``claim.done``), rolls back the claim with everything else: the same form can be corrected
    and sent again."""
    with transaction.atomic():
        claimed = _tokens(request, purpose).filter(used_at__isnull=True).update(used_at=timezone.now())
        if not claimed:
            url = previous_result(request, purpose)
            if url is not None:
                raise AlreadyDone(url)
            raise TokenRefused
        claim = Claim()
        yield claim
        if not claim.url:
            # The block refused the input without raising (a form error): nothing is kept and
            # the token stays usable for the corrected submission.
            transaction.set_rollback(True)
            return
        _tokens(request, purpose).update(result_url=claim.url[:500])


def to_first_result(request: HttpRequest, url: str) -> HttpResponseRedirect:
    """The answer to a repeated submission: the first submission's result, and why."""
    messages.info(request, _("Biểu mẫu này đã được gửi trước đó; đây là kết quả của lần gửi đầu tiên."))
    return HttpResponseRedirect(url)
