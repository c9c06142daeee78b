"""Year targets: per ward, with city-wide defaults, per indicator and optionally per field.

The effective target of a ward for (indicator, field) is its own row if it has one, else its city's
default. Targets are data (the ward and the city change them yearly), edited by leaders (their
ward) and administrators (their city's defaults and wards), with the history kept.

STATUS (shown on the dashboard cards): from the value now and the pace needed by year end.
- "met" only when the value now already meets the target: a plan at 75% against 100% is not met.
- Ratios (percentages, ">="), on a running year: the rest of the year is assumed to bring as many
  dossiers per day as so far; "needed" is the rate those dossiers must reach for the year to end on
  the target. "at risk" when the value now is within ``AT_RISK_POINTS`` percentage points of the
  threshold and that rate is still possible (at most 100%); "missed" otherwise, and when the year
  has ended below the target. Without the counts (or a date), "at risk" means
  within ``AT_RISK_POINTS`` percentage points of the threshold.
- The reform plan (tasks done / planned, target 100% by 31/12): tasks expected done by the date
  (planned tasks due by then) against tasks done. "on track" when done >= expected; "at risk"
  when at most ``AT_RISK_COUNT`` tasks behind; "missed" when further behind or the year has ended
  short of the target. "needed" is the number of tasks still to be done by 31/12.
- Counts with "<=" (overdue tasks, missing apology letters, vacancies): the current count; "met"
  when within the threshold, "at risk" up to ``AT_RISK_COUNT`` above it, "missed" otherwise.
- No value (nothing counted yet): status "no_data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.analytics.indicators import INDICATORS, Direction, indicator_choices

AT_RISK_POINTS = Decimal("5")
AT_RISK_COUNT = 2


class YearTarget(models.Model):
    class Dir(models.TextChoices):
        AT_LEAST = Direction.AT_LEAST, _("Không thấp hơn (>=)")
        AT_MOST = Direction.AT_MOST, _("Không vượt quá (<=)")

    ward = models.ForeignKey(
        "parindex.Ward",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("phường"),
        help_text=_("Để trống: chỉ tiêu mặc định cho mọi phường của thành phố."),
    )
    city = models.ForeignKey(
        "parindex.City",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("thành phố"),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    indicator = models.CharField(_("chỉ số"), max_length=40, choices=indicator_choices())
    field = models.ForeignKey(
        "dossiers.Field",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lĩnh vực"),
        help_text=_("Để trống: áp dụng chung cho mọi lĩnh vực."),
    )
    threshold = models.DecimalField(_("ngưỡng"), max_digits=7, decimal_places=2)
    direction = models.CharField(_("chiều"), max_length=2, choices=Dir.choices, default=Dir.AT_LEAST)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu năm")
        verbose_name_plural = _("chỉ tiêu năm")
        ordering = ["year", "indicator", "field_id"]
        constraints = [
            models.CheckConstraint(
                name="year_target_ward_xor_city",
                condition=Q(ward__isnull=False, city__isnull=True) | Q(ward__isnull=True, city__isnull=False),
                violation_error_message=_(
                    "Chỉ tiêu thuộc một phường, hoặc là chỉ tiêu mặc định của một thành phố."
                ),
            ),
            models.CheckConstraint(
                name="year_target_threshold_not_negative",
                condition=Q(threshold__gte=0),
                violation_error_message=_("Ngưỡng không được âm."),
            ),
            models.CheckConstraint(
                name="year_target_direction_valid",
                condition=Q(direction__in=[Direction.AT_LEAST, Direction.AT_MOST]),
                violation_error_message=_("Chiều phải là >= hoặc <=."),
            ),
            models.UniqueConstraint(
                fields=["ward", "year", "indicator", "field"],
                condition=Q(ward__isnull=False, field__isnull=False),
                name="year_target_unique_ward_field",
                violation_error_message=_("Phường đã có chỉ tiêu này cho lĩnh vực và năm này."),
            ),
            models.UniqueConstraint(
                fields=["ward", "year", "indicator"],
                condition=Q(ward__isnull=False, field__isnull=True),
                name="year_target_unique_ward",
                violation_error_message=_("Phường đã có chỉ tiêu này cho năm này."),
            ),
            models.UniqueConstraint(
                fields=["city", "year", "indicator", "field"],
                condition=Q(city__isnull=False, field__isnull=False),
                name="year_target_unique_city_field",
                violation_error_message=_("Thành phố đã có chỉ tiêu này cho lĩnh vực và năm này."),
            ),
            models.UniqueConstraint(
                fields=["city", "year", "indicator"],
                condition=Q(city__isnull=False, field__isnull=True),
                name="year_target_unique_city",
                violation_error_message=_("Thành phố đã có chỉ tiêu này cho năm này."),
            ),
        ]

    def __str__(self) -> str:
        scope = self.ward or self.city
        return "{} {} {} {} {}".format(scope, self.year, self.indicator, self.direction, self.threshold)

    @property
    def definition(self):
        return INDICATORS.get(self.indicator)

    @property
    def is_default(self) -> bool:
        return self.ward_id is None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        definition = self.definition
        is_ratio = definition and definition.kind == "ratio"
        if is_ratio and self.threshold is not None and self.threshold > 100:
            raise ValidationError({"threshold": _("Tỷ lệ không được vượt quá 100%.")})
        if definition and self.field_id and not definition.per_field:
            raise ValidationError({"field": _("Chỉ số này không đặt chỉ tiêu theo lĩnh vực.")})


# (indicator, field code or None, threshold, direction, note)
DEFAULTS = [
    ("satisfaction", None, Decimal("84"), Direction.AT_LEAST, _("Mức độ hài lòng chung >= 84%")),
    ("satisfaction", "DD", Decimal("82"), Direction.AT_LEAST, _("Lĩnh vực đất đai >= 82%")),
    ("e_circulation_rate", None, Decimal("50"), Direction.AT_LEAST, _("Luân chuyển điện tử >= 50%")),
    ("online_rate", None, Decimal("30"), Direction.AT_LEAST, _("Hồ sơ trực tuyến >= 30%")),
    ("tasks_done_rate", None, Decimal("100"), Direction.AT_LEAST, _("100% nhiệm vụ đến 31/12")),
    ("on_time_rate", None, Decimal("95"), Direction.AT_LEAST, _("Giải quyết đúng hạn >= 95%")),
]
LAND_FIELD_CODES = ("DD", "DAT_DAI", "DATDAI")


@transaction.atomic
def create_default_targets(*, city, year: int) -> list[YearTarget]:
    """The city-wide defaults of the year (idempotent): satisfaction >= 84%, land-field
    satisfaction >= 82% (when a land field exists: code DD, or a name starting "Đất đai"),
    electronic circulation >= 50%, online dossiers >= 30%, reform tasks 100% by 31/12, on-time
    resolution >= 95% (our chosen value; the article gives none)."""
    from dossiers.models import Field

    land = (
        Field.objects.filter(code__in=LAND_FIELD_CODES).first()
        or Field.objects.filter(name__istartswith="Đất đai").first()
    )
    result = []
    for indicator, field_code, threshold, direction, note in DEFAULTS:
        field = None
        if field_code is not None:
            if land is None:
                continue
            field = land
        target, _created = YearTarget.objects.update_or_create(
            city=city,
            ward=None,
            year=year,
            indicator=indicator,
            field=field,
            defaults={"threshold": threshold, "direction": direction, "note": str(note)},
        )
        result.append(target)
    return result


def target_rows(wards, year: int) -> tuple[dict[int, dict], dict[int, dict]]:
    """(city defaults by city id, ward rows by ward id), each (indicator, field_id) -> target.

    ``wards``: Ward objects (their city_id is used). One query.
    """
    wards = list(wards)
    ward_ids = [w.id for w in wards]
    city_ids = {w.city_id for w in wards}
    rows = YearTarget.objects.filter(year=year).filter(Q(ward_id__in=ward_ids) | Q(city_id__in=city_ids))
    defaults: dict[int, dict] = {}
    own: dict[int, dict] = {}
    for row in rows:
        key = (row.indicator, row.field_id)
        if row.ward_id is None:
            defaults.setdefault(row.city_id, {})[key] = row
        else:
            own.setdefault(row.ward_id, {})[key] = row
    return defaults, own


def effective_targets(wards, year: int) -> dict[int, dict[tuple[str, int | None], YearTarget]]:
    """Per ward id: (indicator, field_id) -> the ward's own target, else its city default.

    ``wards``: Ward objects (their city_id is used). One query.
    """
    wards = list(wards)
    defaults, own = target_rows(wards, year)
    return {w.id: {**defaults.get(w.city_id, {}), **own.get(w.id, {})} for w in wards}


@dataclass(frozen=True)
class Assessment:
    status: str  # "met", "on_track", "at_risk", "missed", "no_data"
    projection: Decimal | None  # the value compared with the threshold (the value now)
    # ratios: the rate needed on the rest of the year (%); plan: tasks still to do by 31/12
    needed: Decimal | int | None = None
    expected: int | None = None  # plan: tasks expected done by the date

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {
    "met": _("Đạt"),
    "on_track": _("Đúng tiến độ"),
    "at_risk": _("Có nguy cơ không đạt"),
    "missed": _("Không đạt"),
    "no_data": _("Chưa có số liệu"),
}


def year_elapsed_share(day: date) -> Decimal:
    """Share of ``day``'s year elapsed at the end of ``day`` (31/12 gives 1)."""
    first = date(day.year, 1, 1)
    days_in_year = (date(day.year + 1, 1, 1) - first).days
    return Decimal((day - first).days + 1) / Decimal(days_in_year)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def assess(
    indicator: str,
    *,
    threshold: Decimal,
    direction: str,
    value: Decimal | int | None,
    done: int | None = None,
    planned: int | None = None,
    expected: int | None = None,
    numerator: int | None = None,
    denominator: int | None = None,
    on: date | None = None,
) -> Assessment:
    """Status of one indicator against its target from the value now and the pace needed (module doc)."""
    if value is None:
        return Assessment("no_data", None)
    now = Decimal(value)
    if direction == Direction.AT_MOST:
        if now <= threshold:
            return Assessment("met", now)
        if now <= threshold + AT_RISK_COUNT:
            return Assessment("at_risk", now)
        return Assessment("missed", now)
    if now >= threshold:
        return Assessment("met", now)
    year_over = on is not None and year_elapsed_share(on) >= 1
    if indicator == "tasks_done_rate" and planned and expected is not None:
        done = done or 0
        # tasks still to do for the year to end on the threshold
        to_do = max(0, int((threshold * planned / 100).to_integral_value(rounding=ROUND_CEILING)) - done)
        if year_over:
            status = "missed"
        elif done >= expected:
            status = "on_track"
        elif expected - done <= AT_RISK_COUNT:
            status = "at_risk"
        else:
            status = "missed"
        return Assessment(status, now, needed=to_do, expected=expected)
    if on is not None and denominator:
        share = year_elapsed_share(on)
        if year_over:
            return Assessment("missed", now)
        rest = Decimal(denominator) * (1 - share) / share
        needed = (threshold * (denominator + rest) - 100 * Decimal(numerator or 0)) / rest
        status = "at_risk" if needed <= 100 and now >= threshold - AT_RISK_POINTS else "missed"
        return Assessment(status, now, needed=_one_decimal(needed))
    if now >= threshold - AT_RISK_POINTS:
        return Assessment("at_risk", now)
    return Assessment("missed", now)
