"""What the applicant may read about their own dossier without logging in.

A dossier is found either by its signed token (the QR code on form 01, the links in notices) or by
its code plus the last four digits of the applicant's phone or ID number. The page never carries
the full name, ID, phone, e-mail or address: only what the ward would tell anyone holding the
receipt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core import signing

from dossiers import privacy
from dossiers.models import Dossier, Rating, Status
from dossiers.workflow import MOVE_LABELS

# The salt the rating links printed before the lookup existed were signed with: those QR codes on
# paper receipts keep working.
TOKEN_SALT = "dossiers.public_rating"

# Moves the applicant sees on the timeline (edits and officer-entered ratings are internal).
PUBLIC_STEPS = set(MOVE_LABELS) - {"edit", "rate"}

# A result exists: the applicant may collect it and rate the service.
RESULT_STATUSES = (Status.RESOLVED, Status.RETURNED)

DIGITS = re.compile(r"^\d{4}$")


def public_token(dossier: Dossier) -> str:
    return signing.dumps({"d": dossier.pk}, salt=TOKEN_SALT, compress=True)


def dossier_for_token(token: str) -> Dossier | None:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        return Dossier.objects.select_related("ward", "procedure", "received_by_ward").get(pk=payload["d"])
    except (signing.BadSignature, Dossier.DoesNotExist, KeyError, TypeError, ValueError):
        return None


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def find(code: str, last_four: str) -> Dossier | None:
    """The one dossier with this code whose phone or ID ends with ``last_four``; None otherwise
    (unknown code and wrong digits are the same answer to the caller)."""
    code = (code or "").strip().upper()
    last_four = (last_four or "").strip()
    if not code or not DIGITS.match(last_four):
        return None
    found = [
        d
        for d in Dossier.objects.filter(code__iexact=code).exclude(status=Status.REJECTED)
        if any(
            len(v) >= 4 and v.endswith(last_four)
            for v in (_digits(d.applicant_phone), _digits(d.applicant_id_number))
        )
    ]
    return found[0] if len(found) == 1 else None


def due_moment(dossier: Dossier) -> datetime | None:
    """The appointment the applicant holds: the due moment in force (dossiers/deadlines.py)."""
    return dossier.due_at


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime


@dataclass(frozen=True)
class PublicStatus:
    dossier: Dossier
    masked_name: str
    status_label: str
    steps: list[Step]
    due: date | datetime | None
    supplement: object | None  # the open supplement request, with what is missing
    apology: object | None  # the latest apology letter, with the new appointment
    result_ready: bool
    resolved_at: datetime | None
    returned_at: datetime | None


def public_status(dossier: Dossier) -> PublicStatus:
    steps = [
        Step(label=MOVE_LABELS[e.kind], at=e.at)
        for e in dossier.events.filter(kind__in=PUBLIC_STEPS).order_by("at", "pk")
    ]
    supplement = None
    if dossier.status == Status.SUPPLEMENT:
        supplement = dossier.supplements.filter(resumed_at__isnull=True).order_by("-requested_at").first()
    apology = dossier.apologies.select_related("agency_at_fault").order_by("-issued_at").first()
    return PublicStatus(
        dossier=dossier,
        masked_name=privacy.mask_name(dossier.applicant_name),
        status_label=dossier.get_status_display(),
        steps=steps,
        due=due_moment(dossier),
        supplement=supplement,
        apology=apology,
        result_ready=dossier.status in RESULT_STATUSES,
        resolved_at=dossier.resolved_at if dossier.status in RESULT_STATUSES else None,
        returned_at=dossier.returned_at,
    )


def has_rating(dossier: Dossier) -> bool:
    return Rating.objects.filter(dossier=dossier).exists()
