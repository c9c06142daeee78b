"""The PAKN register: receiving a citizen's petition or recommendation, handing it to an officer,
replying, and recording the petitioner's satisfaction.

Each function changes the petition row and appends its event in one transaction; the history rows
(django-simple-history) are the field-level audit, the events the timeline people read.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import calendar
from dossiers.models import (
    Dossier,
    Petition,
    PetitionEvent,
    PetitionOutcome,
    PetitionReply,
    PetitionSatisfaction,
    PetitionSource,
    PetitionStatus,
    PetitionType,
)
from parindex.base.models import Role, Ward

User = get_user_model()

# The petitioner's signed link to the status page (not the dossiers' salt: a dossier's token never
# opens a petition).
TOKEN_SALT = "dossiers.petition_status"

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def due_on_for(petition_type: PetitionType, received_at: datetime) -> date:
    """The handling deadline: the type's number of working days after the day of receipt.

    The one place a petition's deadline is computed (the calendar module owns the arithmetic).
    """
    return calendar.add_working_days(calendar.local_date(received_at), petition_type.deadline_working_days)


def officials_of(ward: Ward | int) -> QuerySet:
    """Accounts that can handle a petition of the ward, or be the official it is about."""
    ward_id = ward if isinstance(ward, int) else ward.id
    return User.objects.filter(
        membership__ward_id=ward_id, membership__role__in=[Role.OFFICER, Role.LEADER], is_active=True
    ).order_by("last_name", "first_name", "username")


def _new_code(ward: Ward, received_at: datetime) -> str:
    day = calendar.local_date(received_at)
    while True:
        suffix = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        code = "PA-{}-{:%y%m%d}-{}".format(ward.code, day, suffix)
        if not Petition.objects.filter(code=code).exists():
            return code


def _check_moment(at: datetime, petition: Petition | None = None) -> None:
    if at > timezone.now():
        raise ValidationError(_("Thời điểm không được ở tương lai."))
    # Forms take moments to the minute: a reply typed in the minute of a reception is not "before" it.
    if petition is not None and at < petition.received_at.replace(second=0, microsecond=0):
        raise ValidationError(_("Thời điểm không được trước thời điểm tiếp nhận phản ánh."))


def _check_links(ward: Ward | int, *, dossier: Dossier | None, official, handler=None) -> None:
    ward_id = ward if isinstance(ward, int) else ward.id
    if dossier is not None and dossier.ward_id != ward_id:
        raise ValidationError({"dossier": _("Hồ sơ liên quan phải thuộc phường tiếp nhận phản ánh.")})
    people = set(officials_of(ward_id).values_list("id", flat=True)) if (official or handler) else set()
    if official is not None and official.id not in people:
        raise ValidationError({"official": _("Cán bộ bị phản ánh phải là cán bộ của phường.")})
    if handler is not None and handler.id not in people:
        raise ValidationError({"handled_by": _("Cán bộ xử lý phải là cán bộ của phường.")})


def _event(petition: Petition, kind: str, *, by, at: datetime, note: str = "") -> None:
    PetitionEvent.objects.create(petition=petition, kind=kind, at=at, by=by, note=note)


def _save(petition: Petition, by) -> None:
    petition._history_user = by
    petition.full_clean()
    petition.save()


@transaction.atomic
def receive(
    *,
    ward: Ward,
    petition_type: PetitionType,
    source: str,
    petitioner_name: str,
    content: str,
    received_at: datetime,
    by,
    petitioner_phone: str = "",
    petitioner_email: str = "",
    petitioner_address: str = "",
    petitioner_id_number: str = "",
    dossier: Dossier | None = None,
    official=None,
) -> Petition:
    """Log a petition; its deadline follows from its type. ``by=None``: the citizen sent it from
    the public page (its source must say so)."""
    if by is None and source != PetitionSource.PUBLIC_PAGE:
        raise ValidationError(_("Phản ánh do cán bộ tiếp nhận phải ghi người tiếp nhận."))
    _check_moment(received_at)
    if not petition_type.active:
        raise ValidationError({"petition_type": _("Loại phản ánh này không còn được dùng.")})
    if not content.strip() or not petitioner_name.strip():
        raise ValidationError(_("Nhập họ tên người phản ánh và nội dung phản ánh."))
    _check_links(ward, dossier=dossier, official=official)
    petition = Petition(
        ward=ward,
        code=_new_code(ward, received_at),
        type=petition_type,
        source=source,
        petitioner_name=petitioner_name.strip(),
        petitioner_phone=petitioner_phone.strip(),
        petitioner_email=petitioner_email.strip(),
        petitioner_address=petitioner_address.strip(),
        petitioner_id_number=petitioner_id_number.strip(),
        content=content.strip(),
        received_at=received_at,
        due_on=due_on_for(petition_type, received_at),
        dossier=dossier,
        official=official,
        created_by=by,
    )
    _save(petition, by)
    _event(petition, "received", by=by, at=received_at)
    return petition


def _need_open(petition: Petition, doing: str) -> None:
    if not petition.is_open:
        raise ValidationError(
            _("Không thể {doing}: phản ánh {code} đã được trả lời.").format(doing=doing, code=petition.code)
        )


def _locked(petition: Petition) -> Petition:
    return Petition.objects.select_for_update().get(pk=petition.pk)


@transaction.atomic
def assign(petition: Petition, *, handler, by, at: datetime) -> Petition:
    """Hand the petition to an officer of the ward."""
    petition = _locked(petition)
    _need_open(petition, _("giao xử lý"))
    _check_moment(at, petition)
    _check_links(petition.ward_id, dossier=None, official=None, handler=handler)
    petition.handled_by = handler
    petition.status = PetitionStatus.HANDLING
    _save(petition, by)
    _event(petition, "assigned", by=by, at=at, note=handler.get_full_name() or handler.get_username())
    return petition


@transaction.atomic
def link(petition: Petition, *, dossier: Dossier | None, official, by, at: datetime) -> Petition:
    """Set the dossier and the official the petition concerns."""
    petition = _locked(petition)
    _check_moment(at, petition)
    _check_links(petition.ward_id, dossier=dossier, official=official)
    petition.dossier = dossier
    petition.official = official
    _save(petition, by)
    _event(petition, "linked", by=by, at=at)
    return petition


@transaction.atomic
def reply(
    petition: Petition, *, text: str, by, at: datetime, outcome: str = "", final: bool = True
) -> Petition:
    """A reply to the petitioner; the final one closes the petition with its outcome."""
    petition = _locked(petition)
    _need_open(petition, _("trả lời"))
    _check_moment(at, petition)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Nhập nội dung trả lời.")})
    if final and outcome not in PetitionOutcome.values:
        raise ValidationError({"outcome": _("Chọn kết quả xử lý.")})
    at = max(at, petition.received_at)  # the timeline stays in order within that minute
    PetitionReply.objects.create(petition=petition, text=text, final=final, at=at, by=by)
    if final:
        petition.status = PetitionStatus.REPLIED
        petition.outcome = outcome
        petition.replied_at = at
        petition.replied_on = calendar.local_date(at)
        if petition.handled_by_id is None:
            petition.handled_by = by
    elif petition.status == PetitionStatus.RECEIVED:
        petition.status = PetitionStatus.HANDLING
    _save(petition, by)
    _event(petition, "replied" if final else "progress", by=by, at=at, note=text[:300])
    return petition


@transaction.atomic
def record_satisfaction(petition: Petition, *, satisfaction: str, by, at: datetime) -> Petition:
    """The petitioner's satisfaction with the reply, as they told the ward."""
    petition = _locked(petition)
    if petition.status != PetitionStatus.REPLIED:
        raise ValidationError(_("Chỉ ghi nhận mức độ hài lòng sau khi đã trả lời."))
    if satisfaction not in PetitionSatisfaction.values:
        raise ValidationError({"satisfaction": _("Chọn mức độ hài lòng.")})
    if rated_by_petitioner(petition):
        # The petitioner's own answer is what the service index counts: nobody overwrites it.
        raise ValidationError(_("Người phản ánh đã tự đánh giá trên trang công khai; không sửa được."))
    _check_moment(at, petition)
    petition.satisfaction = satisfaction
    _save(petition, by)
    _event(petition, "rated", by=by, at=at, note=PetitionSatisfaction(satisfaction).label)
    return petition


def rated_by_petitioner(petition: Petition) -> bool:
    return petition.events.filter(kind="rated", by__isnull=True).exists()


@transaction.atomic
def rate_by_petitioner(petition: Petition, *, satisfaction: str, at: datetime) -> Petition:
    """The petitioner's own rating of the reply from the public page: once, after the reply, and
    not over an answer an officer already recorded (``record_satisfaction``), which in turn never
    overwrites the petitioner's own."""
    if _locked(petition).satisfaction:
        raise ValidationError(_("Phản ánh này đã được đánh giá."))
    return record_satisfaction(petition, satisfaction=satisfaction, by=None, at=at)


# -- the petitioner's own view (no login) -------------------------------------------------------

_DIGITS = re.compile(r"^\d{4}$")


def find_for_petitioner(code: str, last_four: str) -> Petition | None:
    """The petition with this tracking code whose phone or ID number ends with ``last_four``;
    None otherwise: an unknown code and wrong digits are one answer (``dossiers.lookup.find``)."""
    code = (code or "").strip().upper()
    last_four = (last_four or "").strip()
    if not code or len(code) > 40 or not code.isprintable() or not _DIGITS.match(last_four):
        return None
    petition = Petition.objects.filter(code__iexact=code).first()
    if petition is None:
        return None
    numbers = (re.sub(r"\D", "", petition.petitioner_phone), re.sub(r"\D", "", petition.petitioner_id_number))
    return petition if any(len(n) >= 4 and n.endswith(last_four) for n in numbers) else None


def public_token(petition: Petition) -> str:
    return signing.dumps({"p": petition.pk}, salt=TOKEN_SALT, compress=True)


def petition_for_token(token: str) -> Petition | None:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        return Petition.objects.select_related("ward", "type").get(pk=payload["p"])
    except (signing.BadSignature, Petition.DoesNotExist, KeyError, TypeError, ValueError):
        return None
