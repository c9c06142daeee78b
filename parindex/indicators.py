"""The indicator engine: every count and ratio on every screen and in every export comes from here.

CONTRACT (shared by the dashboards, the reports and the benchmarks; keep these names):

- ``DossierCounts``: the 13 Biểu 06 numbers for one (ward, field) cell, addable.
- ``dossier_counts(ward_ids, period, *, field_id=None) -> dict[tuple[int, int], DossierCounts]``
  keyed by (ward_id, field_id); computed with one grouped aggregate query.
- ``bucket_queryset(ward_ids, period, bucket, *, field_id=None) -> QuerySet[Dossier]``: exactly the
  dossiers behind one counted number (drill-down); ``bucket`` is a ``DossierCounts`` attribute
  name such as "in_progress_within".
- ``ratio(numerator, denominator) -> Ratio``: the one way a percentage is made.
- ``summary(ward_ids, period) -> WardIndicators`` (per ward and total): every indicator with its
  definition, value, target and status.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        """Percentage rounded to one decimal, or None when nothing was counted."""
        if not self.denominator:
            return None
        pct = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        value = self.value
        return "—" if value is None else "{}%".format(str(value).replace(".", ","))


def ratio(numerator: int, denominator: int) -> Ratio:
    return Ratio(int(numerator or 0), int(denominator or 0))


@dataclass
class DossierCounts:
    """Biểu 06 columns 3-13 for one cell. Identities: 3 = 4 + 5 + 6; 3 = 7 + 11; 7 = 8 + 9 + 10;
    11 = 12 + 13. Column 5 (in person + public post) is split for the ward's own use."""

    received: int = 0  # 3: received for handling (new in period + carried over)
    received_online: int = 0  # 4: new in the period, online
    received_in_person: int = 0  # 5a: new in the period, at the counter
    received_post: int = 0  # 5b: new in the period, by public post
    carried_over: int = 0  # 6: received before the period, still open at its start
    resolved: int = 0  # 7
    resolved_before: int = 0  # 8
    resolved_on_time: int = 0  # 9
    resolved_late: int = 0  # 10
    in_progress: int = 0  # 11
    in_progress_within: int = 0  # 12
    in_progress_overdue: int = 0  # 13

    @property
    def received_offline(self) -> int:
        """Column 5: in person and public post together, as the official form has it."""
        return self.received_in_person + self.received_post

    @property
    def received_new(self) -> int:
        return self.received_online + self.received_in_person + self.received_post

    def __add__(self, other: DossierCounts) -> DossierCounts:
        return DossierCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def identity_errors(self) -> list[str]:
        """The Biểu 06 identities that do not hold (empty when the cell reconciles)."""
        errors = []
        if self.received != self.received_new + self.carried_over:
            errors.append("3 != 4 + 5 + 6")
        if self.received != self.resolved + self.in_progress:
            errors.append("3 != 7 + 11")
        if self.resolved != self.resolved_before + self.resolved_on_time + self.resolved_late:
            errors.append("7 != 8 + 9 + 10")
        if self.in_progress != self.in_progress_within + self.in_progress_overdue:
            errors.append("11 != 12 + 13")
        return errors
