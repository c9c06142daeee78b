"""Request and response shapes of /api/v1/ (the OpenAPI description is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from dossiers.filters import WORKLISTS
from dossiers.models import Channel, Outcome, Status

StatusCode = Literal[tuple(Status.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
WorklistCode = Literal[tuple(WORKLISTS)]  # type: ignore[valid-type]


class DossierFilters(Schema):
    """The register's filters (same names and meaning as the register screen's query string)."""

    ward: str | None = Field(None, description="Ward code; default: every ward of the token.")
    q: str | None = Field(
        None, max_length=200, description="Code, applicant name (accents optional), phone, ID."
    )
    field: int | None = Field(None, ge=1, le=2**31 - 1, description="Field id (see /fields).")
    status: StatusCode | None = None
    channel: ChannelCode | None = None
    received_from: date | None = None
    received_to: date | None = None
    worklist: WorklistCode | None = Field(None, alias="list")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class DossierOut(Schema):
    id: int
    code: str
    official_code: str
    ward: str
    # The other ward's counter that received it for ``ward`` (reception regardless of boundary).
    received_by: str = ""
    procedure: str
    procedure_name: str
    field: str
    channel: str
    status: str
    status_label: str
    outcome: str
    received_at: datetime
    due_date: date | None
    due_at: datetime | None = Field(
        None, description="Due moment (working hours), when the rulebook sets one."
    )
    resolved_at: datetime | None
    returned_at: datetime | None
    applicant_name: str
    applicant_id_number: str = Field(description="Masked (Nghị định 13/2023).")
    applicant_phone: str = Field(description="Masked (Nghị định 13/2023).")
    sets: int
    fee: int
    paid_online: bool
    digitised_at_reception: bool
    e_circulated: bool
    electronic_result: bool
    version: int
    allowed_moves: list[str]


class DossierPage(Schema):
    items: list[DossierOut]
    next_cursor: str | None


class _ApplicantIn(Schema):
    """The ward, the procedure and the applicant, as a dossier and an online submission take them."""

    ward: str = Field(max_length=20)
    procedure: str = Field(max_length=40, description="National procedure code, e.g. 1.001193.")
    applicant_name: str = Field(max_length=200)
    applicant_id_number: str = Field("", max_length=20)
    applicant_phone: str = Field("", max_length=20)
    applicant_email: str = Field("", max_length=254)
    applicant_address: str = Field("", max_length=300)
    documents: str = Field("", max_length=5000)


class DossierIn(_ApplicantIn):
    """Same fields and rules as the register's entry form."""

    channel: ChannelCode
    received_at: datetime
    sets: int = Field(1, ge=1, le=50)
    fee: int | None = Field(None, ge=0, le=10**12 - 1)
    paid_online: bool = False
    digitised_at_reception: bool = False
    e_circulated: bool = False
    verification: bool = False
    backdate_reason: str = Field("", max_length=300, description="Required when received on an earlier day.")
    received_by: str = Field(
        "",
        max_length=20,
        description="Reception for another ward: the token's ward whose counter received it; "
        "``ward`` is then the competent ward, any ward of the counter's city/province.",
    )
    result_at_counter: bool = Field(False, description="With received_by: the result is collected there.")


class SubmissionIn(_ApplicantIn):
    """An online submission from the portal: it waits in the ward's inbox, counted in no figure,
    until an officer accepts it (the dossier is received then) or refuses it."""

    official_code: str = Field(
        "", max_length=60, description="The portal's MaHoSo: sending it again returns the first submission."
    )
    submitted_at: datetime
    fee: int | None = Field(None, ge=0, le=10**12 - 1)
    paid_online: bool = False


class SubmissionOut(Schema):
    id: int
    ward: str
    procedure: str
    official_code: str
    submitted_at: datetime
    accept_by: datetime
    state: str
    decided_at: datetime | None
    refusal_reason: str
    dossier_id: int | None
    dossier_code: str | None


class MoveIn(Schema):
    """Fields of one workflow move; each move reads the ones its screen form has."""

    at: datetime
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="Refuse if the dossier changed since.")
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=2000)
    items: str = Field("", max_length=5000)
    stage: str = Field("", max_length=100)
    legal_basis: str = Field("", max_length=300)
    agency: int | None = Field(None, ge=1, le=2**31 - 1)
    due_date: date | None = None
    receiver: str = Field("", max_length=200)
    electronic: bool = True
    outcome: Literal[Outcome.APPROVED.value, Outcome.REFUSED.value] = Outcome.APPROVED.value  # type: ignore[valid-type]
    electronic_result: bool = False
    agency_at_fault: int | None = Field(None, ge=1, le=2**31 - 1)
    new_due_date: date | None = None
    value: Literal["very", "yes", "no"] | None = None
    comment: str = Field("", max_length=500)
    to_ward: str | None = Field(
        None,
        max_length=20,
        description="refuse_transfer: the ward code to send it to (default: the counter's).",
    )


class FieldOut(Schema):
    id: int
    code: str
    name: str


class ProcedureOut(Schema):
    id: int
    code: str
    name: str
    field: str
    valid_from: date
    valid_to: date | None
    same_day: bool
    processing_days: int
    verification_days: int
    fee: int
    online_level: str


class PeriodOut(Schema):
    kind: str
    start: date
    end: date


class CountsOut(Schema):
    received: int
    received_online: int
    received_in_person: int
    received_post: int
    carried_over: int
    resolved: int
    resolved_before: int
    resolved_on_time: int
    resolved_late: int
    in_progress: int
    in_progress_within: int
    in_progress_overdue: int


class ServiceOut(Schema):
    circulated: int
    e_circulated: int
    fee_due: int
    paid_online: int
    digitised: int
    electronic_result: int
    needs_apology: int
    apology_missing: int
    apology_issued: int
    rated: int
    rated_satisfied: int


class FieldFigures(Schema):
    field: str
    field_name: str
    counts: CountsOut
    service: ServiceOut


class FiguresOut(Schema):
    ward: str
    period: PeriodOut
    total: CountsOut
    service: ServiceOut
    fields: list[FieldFigures]


class IndicatorOut(Schema):
    code: str
    label: str
    kind: str
    value: float | None = Field(description="Percentage for ratios, a count otherwise.")
    numerator: int | None
    denominator: int | None
    target: float | None
    status: str | None


class IndicatorsOut(Schema):
    ward: str
    period: PeriodOut
    indicators: list[IndicatorOut]


class PeriodQuery(Schema):
    ward: str = Field(max_length=20)
    kind: str | None = Field(
        None, max_length=20, description="ytd, month, quarter, year, custom, official_*."
    )
    # Text, not numbers and dates: ``parindex.base.periods.period_from_query`` reads them as every screen
    # does, so a bad month is the screens' message (400 bad_period), not a schema error.
    year: str | None = Field(None, max_length=6, description="2000-2100.")
    month: str | None = Field(None, max_length=6, description="1-12 (kind month, official_month).")
    quarter: str | None = Field(None, max_length=6, description="1-4 (kind quarter, official_quarter).")
    from_: str | None = Field(None, alias="from", max_length=10, description="YYYY-MM-DD or dd/mm/yyyy.")
    to: str | None = Field(None, max_length=10, description="YYYY-MM-DD or dd/mm/yyyy, inclusive.")


class ExchangeBatch(Schema):
    """A batch in the national format: ``data`` holds DongBoHoSoMC (or CapNhatTienDoHoSoMC) records."""

    ward: str = Field(max_length=20)
    data: list[dict] = Field(max_length=5000)


class ExchangeResult(Schema):
    created: int
    moved: int
    unchanged: int
    progress_added: int
    queued: int = Field(0, description="Online submissions put in the ward's inbox (status waiting).")


class ExchangeExport(Schema):
    data: list[dict]
