"""What a report is about (one ward, or a city's wards) and its figures, taken from the engine.

The figures dictionary is both what the Biểu 06 sheet prints and the JSON snapshot a sent report
keeps, so "stored vs live" compares like with like, cell by cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from django.utils.translation import gettext_lazy as _

from dossiers.models import Field
from parindex.analytics import indicators
from parindex.analytics.indicators import DossierCounts
from parindex.analytics.reports import bieu06
from parindex.analytics.reports.bieu06 import cell_key
from parindex.base.models import City, Ward
from parindex.base.periods import Period

# Biểu 06 columns 3-13 in print order, read from the one definition (``bieu06.COLUMNS``):
# (DossierCounts attribute, column number, short label).
BIEU06_COLUMNS: list[tuple[str, int, object]] = [(c.key, c.number, c.full_label) for c in bieu06.COLUMNS]
COUNT_NAMES = [f.name for f in fields(DossierCounts)]
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class Scope:
    """One ward, or the wards of a city the reader may see (``city`` set)."""

    wards: tuple[Ward, ...]
    city: City | None = None

    @classmethod
    def for_ward(cls, ward: Ward) -> Scope:
        return cls(wards=(ward,))

    @classmethod
    def for_city(cls, city: City, ward_ids: list[int] | None = None) -> Scope:
        qs = Ward.objects.select_related("city").filter(city=city).order_by("name")
        if ward_ids is not None:
            qs = qs.filter(id__in=ward_ids)
        return cls(wards=tuple(qs), city=city)

    @property
    def is_city(self) -> bool:
        return self.city is not None

    @property
    def ward_ids(self) -> list[int]:
        return [w.id for w in self.wards]

    @property
    def code(self) -> str:
        return self.city.code if self.city else self.wards[0].code

    @property
    def name(self) -> str:
        return self.city.name if self.city else self.wards[0].name

    @property
    def parent_city(self) -> City | None:
        return self.city or (self.wards[0].city if self.wards else None)


def counts_as_dict(counts: DossierCounts) -> dict[str, int]:
    return asdict(counts)


def figures(scope: Scope, period: Period, *, fields_: list[Field] | None = None) -> dict:
    """The Biểu 06 figures of ``scope`` for ``period`` as plain JSON-able data.

    Two queries: the engine's grouped count and the field catalogue. Every field of the catalogue
    gets a row, so a report's rows do not depend on which fields happened to have dossiers.
    """
    counts = indicators.dossier_counts(scope.ward_ids, period)
    fields_ = list(Field.objects.all()) if fields_ is None else fields_
    cells: dict[str, dict[str, int]] = {}
    labels: dict[str, list[str]] = {}
    wards: dict[str, dict[str, int]] = {}
    total = DossierCounts()
    for ward in scope.wards:
        ward_total = DossierCounts()
        for field in fields_:
            c = counts.get((ward.id, field.id), DossierCounts())
            key = cell_key(ward.code, field.code)
            cells[key] = counts_as_dict(c)
            labels[key] = [ward.name, field.name]
            ward_total = ward_total + c
        wards[ward.code] = counts_as_dict(ward_total)
        total = total + ward_total
    # A dossier whose field is not in the catalogue list (should not happen) still reaches the
    # total, so the total always equals the engine's.
    listed = {(w.id, f.id) for w in scope.wards for f in fields_}
    for key, c in counts.items():
        if key not in listed and key[0] in scope.ward_ids:
            total = total + c
    return {
        "version": SNAPSHOT_VERSION,
        "scope": {"kind": "city" if scope.is_city else "ward", "code": scope.code, "name": scope.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind},
        "fields": [[f.code, f.name] for f in fields_],
        "cells": cells,
        "labels": labels,
        "wards": wards,
        "total": counts_as_dict(total),
    }


def counts_from(data: dict[str, int]) -> DossierCounts:
    return DossierCounts(**{name: int(data.get(name, 0)) for name in COUNT_NAMES})


@dataclass(frozen=True)
class Difference:
    ward: str
    field: str
    column: int
    label: str
    stored: int
    live: int

    @property
    def delta(self) -> int:
        return self.live - self.stored


def differences(stored: dict, live: dict) -> list[Difference]:
    """Cell-by-cell differences between a stored snapshot and the live figures (Biểu 06 columns,
    plus the total row)."""
    result: list[Difference] = []
    keys = list(stored.get("cells", {}))
    keys += [k for k in live.get("cells", {}) if k not in stored.get("cells", {})]
    labels = {**live.get("labels", {}), **stored.get("labels", {})}
    rows = [(k, stored["cells"].get(k, {}), live["cells"].get(k, {})) for k in keys]
    rows.append(("", stored.get("total", {}), live.get("total", {})))
    for key, old, new in rows:
        if key:
            ward_name, field_name = labels.get(key, key.split("|", 1))
        else:
            ward_name, field_name = "", str(_("Tổng cộng"))
        old_c, new_c = counts_from(old), counts_from(new)
        for column in bieu06.COLUMNS:
            a, b = column.value(old_c), column.value(new_c)
            if a != b:
                result.append(Difference(ward_name, field_name, column.number, str(column.full_label), a, b))
    return result


def parse_day(value: str) -> date:
    return date.fromisoformat(value)
