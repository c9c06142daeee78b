"""The national portal's official service-index scores, imported from Excel, and the scoreboard
exported to Excel.

Import layout: one header row with (in any order) "Mã phường", "Kỳ", "Nhóm", "Điểm"; the period is
"05/2023" (month), "Q2/2023" or "Quý 2/2023" (quarter) or "2023" (year); the group is its code
(``progress``) or its name ("Tiến độ giải quyết", with or without diacritics). Every row is checked
first; a file with an error writes nothing. A score already imported for the same ward, period and
group is kept as it is, never overwritten (a correction is imported after deleting the old row in
the administration), and the file's different value is reported.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import load_workbook
from unidecode import unidecode

from parindex.analytics.service_index_data import GROUPS, OfficialScore, ScoreKind
from parindex.base import uploads
from parindex.base.exporting import ListExporter
from parindex.base.models import City, Ward
from parindex.base.periods import MAX_YEAR, MIN_YEAR
from parindex.base.xlsx import Style

HEADERS = {"ma phuong": "ward", "ky": "period", "nhom": "group", "diem": "points"}
MAX_ROWS = 5000


def _norm(value: Any) -> str:
    return re.sub(r"\s+", " ", unidecode(str(value or "")).strip().lower())


GROUP_NAMES = {**{g.code: g.code for g in GROUPS}, **{_norm(str(g.label)): g.code for g in GROUPS}}


class ScoreFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ImportSummary:
    created: int = 0
    kept: list[str] = field(default_factory=list)  # "BH 05/2023 progress: kept 18.00, file 17.50"
    errors: list[str] = field(default_factory=list)


def parse_period(raw: Any) -> tuple[str, int, int] | None:
    text = _norm(raw).replace("quy", "q").replace(" ", "")
    for pattern, kind in (
        (r"^(\d{1,2})/(\d{4})$", ScoreKind.MONTH),
        (r"^q([1-4])/(\d{4})$", ScoreKind.QUARTER),
    ):
        m = re.match(pattern, text)
        if m:
            number, year = int(m.group(1)), int(m.group(2))
            if kind == ScoreKind.MONTH and not 1 <= number <= 12:
                return None
            return (kind, year, number) if MIN_YEAR <= year <= MAX_YEAR else None
    m = re.match(r"^(\d{4})(\.0)?$", text)
    if m and MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        return (ScoreKind.YEAR, int(m.group(1)), 0)
    return None


def _rows(source: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    try:
        uploads.check_upload(source)
    except uploads.UploadRefused as exc:
        raise ScoreFileError(exc.message) from None
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
        ws = workbook.worksheets[0]
        rows = [
            (i, list(v)) for i, v in enumerate(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 1), start=1)
        ]
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        raise ScoreFileError(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng.")) from None
    except Exception:  # openpyxl raises many types on a damaged file
        raise ScoreFileError(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng.")) from None
    yield from rows


def import_scores(source: IO[bytes], *, city: City, by, source_name: str = "") -> ImportSummary:
    """Check every row, then create the new scores in one transaction (none when a row is wrong)."""
    rows = list(_rows(source))
    header_at, columns = None, {}
    for index, values in rows[:20]:
        found = {HEADERS[_norm(v)]: i for i, v in enumerate(values) if _norm(v) in HEADERS}
        if len(found) == len(HEADERS):
            header_at, columns = index, found
            break
    if header_at is None:
        raise ScoreFileError(_("Không tìm thấy dòng tiêu đề: cần các cột Mã phường, Kỳ, Nhóm, Điểm."))
    wards = {w.code.lower(): w for w in Ward.objects.filter(city=city)}
    summary = ImportSummary()
    planned: dict[tuple, tuple[Decimal, str]] = {}
    for index, values in rows:
        if index <= header_at or not any(v not in (None, "") for v in values):
            continue

        def cell(name: str, values=values) -> Any:
            i = columns[name]
            return values[i] if i < len(values) else None

        label = _("Dòng {n}").format(n=index)
        ward = wards.get(str(cell("ward") or "").strip().lower())
        period = parse_period(cell("period"))
        group = GROUP_NAMES.get(_norm(cell("group")))
        try:
            points = Decimal(str(cell("points")).replace(",", ".")).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            points = None
        if ward is None:
            summary.errors.append(
                _("{row}: mã phường “{value}” không thuộc thành phố.").format(
                    row=label, value=str(cell("ward") or "")[:20]
                )
            )
        if period is None:
            summary.errors.append(
                _("{row}: kỳ “{value}” không hợp lệ (tháng 05/2023, quý Q2/2023 hoặc năm 2023).").format(
                    row=label, value=str(cell("period") or "")[:20]
                )
            )
        if group is None:
            summary.errors.append(
                _("{row}: nhóm “{value}” không có trong Bộ chỉ số.").format(
                    row=label, value=str(cell("group") or "")[:40]
                )
            )
        if points is None or not Decimal("0") <= points <= Decimal("100"):
            summary.errors.append(_("{row}: điểm phải là số từ 0 đến 100.").format(row=label))
        if summary.errors and summary.errors[-1].startswith(label):
            continue
        key = (ward.id, *period, group)
        if key in planned:
            summary.errors.append(_("{row}: trùng phường, kỳ và nhóm với một dòng trước.").format(row=label))
            continue
        planned[key] = (points, ward.code)
    if len(rows) > MAX_ROWS:
        summary.errors.append(_("Tệp có quá {n} dòng.").format(n=MAX_ROWS))
    if summary.errors:
        return summary
    existing = {
        (s.ward_id, s.kind, s.year, s.number, s.group): s.points
        for s in OfficialScore.objects.filter(ward__city=city, year__in={k[2] for k in planned})
    }
    with transaction.atomic():
        new = []
        for key, (points, code) in planned.items():
            ward_id, kind, year_, number, group = key
            if key in existing:
                if existing[key] != points:
                    summary.kept.append(
                        _("{ward} {kind} {number}/{year} {group}: giữ {old}, tệp ghi {new}").format(
                            ward=code,
                            kind=kind,
                            number=number,
                            year=year_,
                            group=group,
                            old=existing[key],
                            new=points,
                        )
                    )
                continue
            new.append(
                OfficialScore(
                    ward_id=ward_id,
                    kind=kind,
                    year=year_,
                    number=number,
                    group=group,
                    points=points,
                    source=source_name[:200],
                    imported_by=by,
                )  # fmt: skip
            )
        OfficialScore.objects.bulk_create(new)
        summary.created = len(new)
    return summary


# -- export ------------------------------------------------------------------------------------

HEAD = Style(bold=True, border=True, wrap=True, fill="DDEBF7", horizontal="center")
CELL = Style(border=True)
NUMBER = Style(border=True, number_format="0.00")


def scoreboard_rows(context: dict) -> Iterator[list[Any]]:
    """The city scoreboard as rows, header first (what the page shows)."""
    groups = context["groups"]
    yield (
        [_("Hạng"), _("Phường")]
        + [str(g["label"]) for g in groups]
        + [
            _("Tổng điểm"),
            _("Thay đổi so với kỳ trước"),
            _("Tổng điểm chính thức"),
        ]
    )
    for row in context["rows"]:
        yield (
            [row["rank"], row["ward"].name]
            + [cell["points"] for cell in row["groups"]]
            + [row["total"], row["change"], row["official_total"]]
        )
    city = context["city_row"]
    yield (
        ["", _("Toàn thành phố")]
        + [cell["points"] for cell in city["groups"]]
        + [city["total"], city["change"], None]
    )


class ScoreboardExporter(ListExporter):
    """The city's scoreboard as on screen (``context`` is the page's), title line first."""

    identifier = "chi-so-766"
    sheet_title = _lazy("Chỉ số phục vụ")
    freeze = "C3"

    def __init__(self, context: dict, *, filename: str) -> None:
        self.context = context
        self._filename = filename

    def filename(self) -> str:
        return self._filename

    def widths(self) -> list[float]:
        return [7, 28] + [14] * (3 + len(self.context["groups"]))

    def rows(self) -> Iterator[list[Any]]:
        return scoreboard_rows(self.context)

    def write(self, workbook, progress=None) -> None:
        sheet = self.sheet(workbook)
        sheet.append([(self.context["title"], Style(bold=True, size=13))])
        for i, row in enumerate(self.rows()):
            if i == 0:
                sheet.append([(v, HEAD) for v in row])
            else:
                sheet.append([(v, NUMBER if isinstance(v, Decimal) else CELL) for v in row])
