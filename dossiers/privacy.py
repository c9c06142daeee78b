"""Personal data of applicants (Nghị định 13/2023): shown in full only to those who need it.

The rule is ``parindex.base.access.may_see_personal_data`` (the ward's leaders and the ward's officers
handling the dossier's field); everyone else reads masked values: enough to tell two applicants
apart, not enough to contact or identify them. Anyone who may read a dossier can ask to see its
values in full once (``show``), with a reason. Every response that carries unmasked values, a
page, a printed form, an export or a report, leaves one ``AccessLog`` row per dossier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dossiers.models import Dossier, Petition
from parindex.base.access import (
    is_receiving_counter,
    may_see_personal_data,
    may_see_petitioner_data,
)
from parindex.base.audit import log_access, log_accesses


def mask_id(value: str) -> str:
    """Keep the last 3 digits of an ID or tax code."""
    value = value or ""
    if len(value) <= 3:
        return "•" * len(value)
    return "•" * (len(value) - 3) + value[-3:]


def mask_phone(value: str) -> str:
    value = value or ""
    if len(value) <= 6:
        return "•" * len(value)
    return value[:3] + "•" * (len(value) - 6) + value[-3:]


def mask_address(value: str) -> str:
    """Keep only the last part (ward, commune) of an address: house and street are personal."""
    value = (value or "").strip()
    if not value:
        return ""
    tail = value.rsplit(",", 1)[-1].strip() if "," in value else ""
    return "•••, " + tail if tail else "•••"


def mask_name(value: str) -> str:
    """Initials and the given name ("Nguyễn Văn An" -> "N. V. An"): the applicant recognises the
    dossier as theirs, a stranger learns little."""
    words = (value or "").split()
    if len(words) <= 1:
        return words[0][:1] + "•••" if words else ""
    return " ".join([w[:1] + "." for w in words[:-1]] + [words[-1]])


def mask_email(value: str) -> str:
    """Keep the first letter and the domain: the mailbox itself is personal."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return "•••"
    return local[:1] + "•••@" + domain


# The dossier's personal fields and their masks (also applied to the audit trail's old and new values).
MASKS: dict[str, Callable[[str], str]] = {
    "applicant_id_number": mask_id,
    "applicant_phone": mask_phone,
    "applicant_email": mask_email,
    "applicant_address": mask_address,
}


@dataclass(frozen=True)
class PersonalData:
    id_number: str
    phone: str
    email: str
    address: str
    masked: bool


def personal_data(dossier, *, full: bool) -> PersonalData:
    values = {name: getattr(dossier, name, "") or "" for name in MASKS}
    if not full:
        values = {name: MASKS[name](value) for name, value in values.items()}
    return PersonalData(
        id_number=values["applicant_id_number"],
        phone=values["applicant_phone"],
        email=values["applicant_email"],
        address=values["applicant_address"],
        masked=not full,
    )


def may_see(user, dossier) -> bool:
    return may_see_personal_data(user, ward_id=dossier.ward_id, field_id=dossier.field_id)


def entered_values(dossier) -> dict[str, str]:
    """The personal values as the dossier was first recorded (its first history row): what the
    counter that received it entered."""
    first = dossier.history.order_by("history_date", "history_id").first()
    return {name: (getattr(first, name, "") or "") if first else "" for name in MASKS}


def counter_personal_data(dossier) -> PersonalData:
    """What the counter that received ``dossier`` for another unit reads: the values it entered
    itself in full, anything the competent unit changed or added since masked."""
    entered = entered_values(dossier)
    values = {}
    masked = False
    for name, mask in MASKS.items():
        current = getattr(dossier, name, "") or ""
        if current and current != entered[name]:
            values[name] = mask(current)
            masked = True
        else:
            values[name] = current
    return PersonalData(
        id_number=values["applicant_id_number"],
        phone=values["applicant_phone"],
        email=values["applicant_email"],
        address=values["applicant_address"],
        masked=masked,
    )


def for_reader(user, dossier, *, full: bool, action: str) -> PersonalData:
    """The personal data one page or printed form shows ``user``: in full when ``full`` (the
    caller applied the rule or a logged "show"), the counter's own entries for the counter that
    received the dossier for another unit (logged as a read), masked otherwise."""
    if full or not is_receiving_counter(user, dossier):
        return personal_data(dossier, full=full)
    data = counter_personal_data(dossier)
    if any((data.id_number, data.phone, data.email, data.address)):
        log_read(user, dossier, action=action + " (counter)")
    return data


def log_read(user, dossier, *, action: str, note: str = "") -> None:
    """One unmasked read of one dossier (its page, a printed form, an explicit "show")."""
    log_access(user=user, obj=dossier, action=action, ward=dossier.ward, note=note)


class UnmaskedReads:
    """The rule applied row by row for one response (a list page, an export, a report's log):
    ``reads(dossier)`` says whether ``user`` sees it in full and remembers the dossiers that were,
    so that ``log`` records them all in one insert once the response is built.

    With ``user=None`` nobody is reading (a report stored to be sent up): everything is masked."""

    def __init__(self, user) -> None:
        self.user = user
        self.refs: list[tuple[int, int]] = []

    def __call__(self, dossier) -> bool:
        if self.user is None or not may_see(self.user, dossier):
            return False
        self.refs.append((dossier.pk, dossier.ward_id))
        return True

    def log(self, *, action: str, note: str = "") -> int:
        if not self.refs:
            return 0
        return log_accesses(user=self.user, model=Dossier, refs=self.refs, action=action, note=note)


# -- petitioners (the PAKN register) ---------------------------------------------------------------

# A petition's personal fields and their masks. The name is masked too: a petition may be a
# complaint about the ward's own staff, and the petitioner is only known to those handling it.
PETITION_MASKS: dict[str, Callable[[str], str]] = {
    "petitioner_name": mask_name,
    "petitioner_id_number": mask_id,
    "petitioner_phone": mask_phone,
    "petitioner_email": mask_email,
    "petitioner_address": mask_address,
}


@dataclass(frozen=True)
class PetitionerData:
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    masked: bool


def petitioner_data(petition: Petition, *, full: bool) -> PetitionerData:
    values = {name: getattr(petition, name, "") or "" for name in PETITION_MASKS}
    if not full:
        values = {name: PETITION_MASKS[name](value) for name, value in values.items()}
    return PetitionerData(
        name=values["petitioner_name"],
        id_number=values["petitioner_id_number"],
        phone=values["petitioner_phone"],
        email=values["petitioner_email"],
        address=values["petitioner_address"],
        masked=not full,
    )


def may_see_petitioner(user, petition: Petition) -> bool:
    return may_see_petitioner_data(
        user,
        ward_id=petition.ward_id,
        handler_id=petition.handled_by_id,
        receiver_id=petition.created_by_id,
        official_id=petition.official_id,
    )


def log_petition_read(user, petition: Petition, *, action: str, note: str = "") -> None:
    log_access(user=user, obj=petition, action=action, ward=petition.ward, note=note)


class UnmaskedPetitionReads(UnmaskedReads):
    """``UnmaskedReads`` for a list of petitions."""

    def __call__(self, petition) -> bool:
        if self.user is None or not may_see_petitioner(self.user, petition):
            return False
        self.refs.append((petition.pk, petition.ward_id))
        return True

    def log(self, *, action: str, note: str = "") -> int:
        if not self.refs:
            return 0
        return log_accesses(user=self.user, model=Petition, refs=self.refs, action=action, note=note)
