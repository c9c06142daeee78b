"""Dossier codes: the ward's own scheme (data, ``CodeScheme``) and the national format of
Thông tư 04/2025/TT-VPCP for nationally centralised procedures.

- Ward scheme: a pattern such as ``{ward}-{year}-{seq:06d}`` (the default, the one every code
  made before schemes existed follows, so no existing code changes), numbered per year or per day.
- TT 04/2025: ``MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX``: the handling agency's e-ID code, the reception
  date, the platform owner's two characters and a daily sequence of at least four digits.

Both sequences are gap-free: the counter row is locked (``select_for_update``) in the transaction
that saves the dossier, so concurrent receptions wait for each other and a reception that fails
rolls its number back with it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dossiers import calendar
from dossiers.models import DEFAULT_CODE_PATTERN, CodeCounter, CodeScheme, DailyCodeCounter, Procedure
from parindex.base.models import Ward

PATTERN_FIELDS = {"ward", "year", "yy", "mm", "dd", "seq"}
AGENCY_CODE_RE = re.compile(r"^[A-Z0-9]{3}\.[A-Z0-9]{3}\.[A-Z0-9]{2}$")
PLATFORM_RE = re.compile(r"^[A-Z0-9]{2}$")
TT04_RE = re.compile(r"^[A-Z0-9]{3}\.[A-Z0-9]{3}\.[A-Z0-9]{2}-\d{6}-[A-Z0-9]{2}\d{4,}$")
CODE_MAX = 40  # Dossier.code's max_length


@dataclass(frozen=True)
class Scheme:
    pattern: str
    reset: str
    agency_code: str
    platform_owner: str


def scheme_of(ward: Ward) -> Scheme:
    row = CodeScheme.objects.filter(ward=ward).first()
    if row is None:
        return Scheme(DEFAULT_CODE_PATTERN, CodeScheme.Reset.YEAR, "", "")
    return Scheme(row.pattern, row.reset, row.agency_code, row.platform_owner)


def _fields(pattern: str) -> list[tuple[str, str]]:
    return [
        (name, spec) for _text, name, spec, _conv in string.Formatter().parse(pattern) if name is not None
    ]


def render(pattern: str, *, ward_code: str, day: date, seq: int) -> str:
    return pattern.format(
        ward=ward_code,
        year=day.year,
        yy="{:02d}".format(day.year % 100),
        mm="{:02d}".format(day.month),
        dd="{:02d}".format(day.day),
        seq=seq,
    )


def pattern_errors(pattern: str, reset: str) -> list[str]:
    """Why ``pattern`` cannot number a ward's dossiers ([] when it can)."""
    try:
        fields = _fields(pattern)
        sample = render(pattern, ward_code="P01", day=date(2026, 12, 31), seq=999999)
    except (ValueError, KeyError, IndexError, TypeError):
        return [
            _("Mẫu mã không hợp lệ; chỉ dùng các trường {names}.").format(
                names=", ".join(sorted(PATTERN_FIELDS))
            )
        ]
    names = {name for name, _spec in fields}
    errors = []
    if names - PATTERN_FIELDS:
        errors.append(
            _("Mẫu mã không hợp lệ; chỉ dùng các trường {names}.").format(
                names=", ".join(sorted(PATTERN_FIELDS))
            )
        )
    if "seq" not in names:
        errors.append(_("Mẫu mã phải có số thứ tự {seq}."))
    if not names & {"year", "yy"}:
        errors.append(_("Mẫu mã phải có năm ({year} hoặc {yy}) để mã không trùng giữa các năm."))
    if reset == CodeScheme.Reset.DAY and not {"mm", "dd"} <= names:
        errors.append(_("Đánh số lại mỗi ngày thì mẫu mã phải có tháng {mm} và ngày {dd}."))
    if len(sample) > CODE_MAX:
        errors.append(_("Mã hồ sơ theo mẫu dài quá {n} ký tự.").format(n=CODE_MAX))
    return errors


def validate_scheme(row: CodeScheme) -> None:
    """The administrator's form check: a scheme that cannot make unique codes is refused."""
    errors: dict[str, list[str]] = {}
    pattern = pattern_errors(row.pattern, row.reset)
    if pattern:
        errors["pattern"] = pattern
    if row.agency_code and not AGENCY_CODE_RE.match(row.agency_code):
        errors["agency_code"] = [_("Mã định danh phải có dạng MX1X2.Y1Y2Y3.Z1Z2, ví dụ H43.021.09.")]
    if row.platform_owner and not PLATFORM_RE.match(row.platform_owner):
        errors["platform_owner"] = [_("Mã đơn vị chủ quản gồm đúng 2 chữ hoặc số in hoa.")]
    if errors:
        raise ValidationError(errors)


def _next_yearly(ward: Ward, year: int) -> int:
    # get_or_create retries the get when two transactions race to create the year's first row.
    counter, _created = CodeCounter.objects.select_for_update().get_or_create(ward=ward, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _next_daily(ward: Ward, series: str, day: date) -> int:
    counter, _created = DailyCodeCounter.objects.select_for_update().get_or_create(
        ward=ward, series=series, day=day
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


class CodeError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def next_code(ward: Ward, procedure: Procedure, received_at: datetime) -> str:
    """The next code of ``ward`` (the competent unit) for a dossier received at ``received_at``.
    Call inside the transaction that saves the dossier."""
    day = calendar.local_date(received_at)
    scheme = scheme_of(ward)
    if procedure.nationally_centralised:
        if not (scheme.agency_code and scheme.platform_owner):
            raise CodeError(
                _(
                    "Thủ tục tập trung toàn quốc cần mã định danh điện tử và mã đơn vị chủ quản của {ward} "
                    "(mẫu mã hồ sơ) để cấp mã theo Thông tư 04/2025/TT-VPCP."
                ).format(ward=ward.name)
            )
        seq = _next_daily(ward, DailyCodeCounter.Series.TT04, day)
        return "{}-{:%y%m%d}-{}{:04d}".format(scheme.agency_code, day, scheme.platform_owner, seq)
    if scheme.reset == CodeScheme.Reset.DAY:
        seq = _next_daily(ward, DailyCodeCounter.Series.WARD, day)
    else:
        seq = _next_yearly(ward, day.year)
    return render(scheme.pattern, ward_code=ward.code, day=day, seq=seq)
