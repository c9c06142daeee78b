"""Percentages, made one way: ``ratio(numerator, denominator) -> Ratio``.

Base layer (docs/architecture.md): the indicator engine, the reform plan's counts and the reports all
build their percentages here. ``parindex.analytics.indicators`` re-exports both names.
"""

from __future__ import annotations

from dataclasses import dataclass
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
