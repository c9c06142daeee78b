"""The service index of QĐ 766/QĐ-TTg (2022) as data: its groups and sub-indicators, their
points and thresholds (editable, from a date), the metrics the city enters per ward and period,
and the official scores imported from the national portal.

The computation is in ``parindex/analytics/service_index.py``; nothing here reads the register.

Every weight and threshold is a ``ServiceIndexWeight`` row in force from ``valid_from`` (the
seeded rows reproduce a 2026 analysis of the portal's published scores, not the decision's own
text). A sub-indicator scores ``max`` when its ratio reaches ``full_at``, else
``ratio x max / full_at`` (``full_at`` = 1: ``max x ratio``); with nothing to count (denominator
0) it scores what ``when_empty`` says: full points, zero, or no score. A group scores the sum of its
sub-indicators, capped at the group's own points, and only when each of them has a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


@dataclass(frozen=True)
class Group:
    code: str
    label: str


@dataclass(frozen=True)
class SubIndicator:
    code: str
    group: str
    label: str
    definition: str
    manual: bool = False  # entered by the city per ward and period


GROUPS: list[Group] = [
    Group("publicity", _("Công khai, minh bạch")),
    Group("progress", _("Tiến độ giải quyết")),
    Group("online", _("Dịch vụ công trực tuyến")),
    Group("payment", _("Thanh toán trực tuyến")),
    Group("digitisation", _("Số hóa hồ sơ")),
    Group("satisfaction", _("Mức độ hài lòng")),
]
GROUP_CODES = [g.code for g in GROUPS]
GROUP_LABELS = {g.code: g.label for g in GROUPS}

SUBINDICATORS: list[SubIndicator] = [
    SubIndicator(
        "publicity.publication",
        "publicity",
        _("Công bố, công khai TTHC đúng hạn"),
        _("Thủ tục được công bố, công khai đúng hạn / Thủ tục phải công bố trong kỳ (thành phố nhập)."),
        manual=True,
    ),
    SubIndicator(
        "publicity.national_sync",
        "publicity",
        _("Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia"),
        _("Hồ sơ đã đồng bộ đầy đủ, đúng hạn lên Cổng quốc gia / Hồ sơ phải đồng bộ (thành phố nhập)."),
        manual=True,
    ),
    SubIndicator(
        "progress.in_time",
        "progress",
        _("Giải quyết trước hạn, đúng hạn và đang trong hạn"),
        _(
            "(Giải quyết trước hạn + đúng hạn + đang giải quyết trong hạn) / Tổng số hồ sơ tiếp nhận "
            "(kể cả từ kỳ trước), như Biểu 06."
        ),
    ),
    SubIndicator(
        "online.offered",
        "online",
        _("Thủ tục có dịch vụ công trực tuyến"),
        _(
            "Thủ tục đang có hiệu lực có dịch vụ trực tuyến (toàn trình, một phần) / Thủ tục đang có hiệu lực."
        ),
    ),
    SubIndicator(
        "online.used",
        "online",
        _("Dịch vụ trực tuyến có phát sinh hồ sơ"),
        _("Thủ tục có dịch vụ trực tuyến đã nhận hồ sơ trực tuyến trong kỳ / Thủ tục có dịch vụ trực tuyến."),
    ),
    SubIndicator(
        "online.share",
        "online",
        _("Tỷ lệ hồ sơ trực tuyến"),
        _(
            "Hồ sơ mới tiếp nhận trực tuyến / Hồ sơ mới tiếp nhận trong kỳ (mọi hình thức; hồ sơ không "
            "ghi hình thức tính là trực tiếp)."
        ),
    ),
    SubIndicator(
        "payment.paid",
        "payment",
        _("Hồ sơ thanh toán trực tuyến"),
        _("Hồ sơ mới tiếp nhận đã thanh toán trực tuyến / Hồ sơ mới tiếp nhận có phí, lệ phí."),
    ),
    SubIndicator(
        "payment.offered",
        "payment",
        _("Thủ tục có phí cung cấp thanh toán trực tuyến"),
        _("Thủ tục có phí, lệ phí có thanh toán trực tuyến / Thủ tục có phí, lệ phí."),
    ),
    SubIndicator(
        "payment.used",
        "payment",
        _("Thủ tục có phí phát sinh thanh toán trực tuyến"),
        _("Thủ tục có phí, lệ phí có hồ sơ thanh toán trực tuyến trong kỳ / Thủ tục có phí, lệ phí."),
    ),
    SubIndicator(
        "digitisation.e_result",
        "digitisation",
        _("Cấp kết quả điện tử"),
        _("Hồ sơ giải quyết trong kỳ có kết quả điện tử / Hồ sơ giải quyết trong kỳ."),
    ),
    SubIndicator(
        "digitisation.documents",
        "digitisation",
        _("Số hóa hồ sơ khi tiếp nhận"),
        _("Hồ sơ mới tiếp nhận có mọi giấy tờ được số hóa (hoặc tái sử dụng) / Hồ sơ mới tiếp nhận."),
    ),
    SubIndicator(
        "digitisation.reuse",
        "digitisation",
        _("Tái sử dụng dữ liệu đã số hóa"),
        _("Hồ sơ mới tiếp nhận có giấy tờ tái sử dụng từ dữ liệu đã số hóa / Hồ sơ mới tiếp nhận."),
    ),
    SubIndicator(
        "digitisation.synced",
        "digitisation",
        _("Đồng bộ kết quả vào kho dữ liệu cá nhân"),
        _("Kết quả điện tử đã đồng bộ vào kho dữ liệu của công dân / Hồ sơ giải quyết có kết quả điện tử."),
    ),
    SubIndicator(
        "digitisation.citizen_dossier",
        "digitisation",
        _("Kết nối dữ liệu dân cư theo hồ sơ"),
        _("Hồ sơ mới tiếp nhận có kết nối dữ liệu dân cư / Hồ sơ mới tiếp nhận."),
    ),
    SubIndicator(
        "digitisation.citizen_procedure",
        "digitisation",
        _("Kết nối dữ liệu dân cư theo thủ tục"),
        _(
            "Thủ tục có ít nhất một hồ sơ mới kết nối dữ liệu dân cư / Thủ tục có hồ sơ mới tiếp nhận "
            "trong kỳ."
        ),
    ),
    SubIndicator(
        "digitisation.e_copies",
        "digitisation",
        _("Cấp bản sao điện tử có chứng thực"),
        _("Bản sao chứng thực cấp dạng điện tử / Bản sao chứng thực đã cấp (thành phố nhập)."),
        manual=True,
    ),
    SubIndicator(
        "satisfaction.handling",
        "satisfaction",
        _("Hài lòng với giải quyết hồ sơ"),
        _(
            "(Hồ sơ giải quyết trong kỳ - hồ sơ bị đánh giá không hài lòng, có PAKN hoặc giải quyết quá "
            "hạn) / Hồ sơ giải quyết trong kỳ; mỗi hồ sơ trừ một lần."
        ),
    ),
    SubIndicator(
        "satisfaction.pakn_on_time",
        "satisfaction",
        _("PAKN được xử lý đúng hạn"),
        _("PAKN đến hạn xử lý trong kỳ đã trả lời đúng hạn / PAKN đến hạn xử lý trong kỳ."),
    ),
    SubIndicator(
        "satisfaction.pakn_satisfied",
        "satisfaction",
        _("PAKN có kết quả người phản ánh hài lòng"),
        _(
            "PAKN trả lời trong kỳ được người phản ánh đánh giá hài lòng / PAKN trả lời trong kỳ (chưa "
            "đánh giá tính là chưa hài lòng)."
        ),
    ),
]
SUBS = {s.code: s for s in SUBINDICATORS}
MANUAL_CODES = [s.code for s in SUBINDICATORS if s.manual]


class WhenEmpty(models.TextChoices):
    FULL = "full", _("Đạt điểm tối đa")
    ZERO = "zero", _("0 điểm")
    NONE = "none", _("Chưa chấm điểm")


def _weight_choices() -> list[tuple[str, str]]:
    return [(g.code, g.label) for g in GROUPS] + [(s.code, s.label) for s in SUBINDICATORS]


class ServiceIndexWeight(models.Model):
    """Points and threshold of one group or sub-indicator from ``valid_from`` on."""

    code = models.CharField(_("nhóm, chỉ số thành phần"), max_length=40, choices=_weight_choices())
    valid_from = models.DateField(_("áp dụng từ ngày"))
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=5, decimal_places=2)
    full_at = models.DecimalField(
        _("tỷ lệ đạt điểm tối đa"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("1"),
        help_text=_("Ví dụ 0,8: đạt 80% trở lên được điểm tối đa, thấp hơn tính tỷ lệ x điểm / 0,8."),
    )
    when_empty = models.CharField(
        _("khi không có gì để tính"), max_length=4, choices=WhenEmpty.choices, default=WhenEmpty.NONE
    )
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trọng số chỉ số phục vụ")
        verbose_name_plural = _("trọng số chỉ số phục vụ")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="service_weight_unique"),
            models.CheckConstraint(
                name="service_weight_points_positive",
                condition=Q(max_points__gte=0, max_points__lte=100),
                violation_error_message=_("Điểm tối đa phải từ 0 đến 100."),
            ),
            models.CheckConstraint(
                name="service_weight_full_at_ratio",
                condition=Q(full_at__gt=0, full_at__lte=1),
                violation_error_message=_("Tỷ lệ đạt điểm tối đa phải lớn hơn 0 và không quá 1."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {:%d/%m/%Y}".format(self.code, self.valid_from)


class ScoreKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class ServiceIndexEntry(models.Model):
    """A metric the ward cannot know, entered by the city for one ward and one period: numerator
    and denominator of one manual sub-indicator. A quarter or year without its own entry adds up
    the entries of its months."""

    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.CASCADE, related_name="+", verbose_name=_("phường")
    )
    code = models.CharField(
        _("chỉ số thành phần"),
        max_length=40,
        choices=[(s.code, s.label) for s in SUBINDICATORS if s.manual],
    )
    kind = models.CharField(_("loại kỳ"), max_length=8, choices=ScoreKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveSmallIntegerField(_("tháng / quý"), default=0, help_text=_("0 cho cả năm."))
    numerator = models.PositiveIntegerField(_("tử số"))
    denominator = models.PositiveIntegerField(pgettext_lazy("fraction", "mẫu số"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người nhập")
    )
    entered_at = models.DateTimeField(_("thời điểm nhập"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("số liệu thành phố nhập cho chỉ số phục vụ")
        verbose_name_plural = _("số liệu thành phố nhập cho chỉ số phục vụ")
        ordering = ["year", "kind", "number", "ward", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "code", "kind", "year", "number"], name="service_entry_unique"
            ),
            models.CheckConstraint(
                name="service_entry_numerator_within",
                condition=Q(numerator__lte=models.F("denominator")),
                violation_error_message=_("Tử số không được lớn hơn mẫu số."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {} {}/{}".format(self.ward_id, self.code, self.number, self.year)


class OfficialScore(models.Model):
    """A group's points as the national portal published them: imported, never overwritten by
    our own computation nor by a later import (delete the row to import a correction)."""

    ward = models.ForeignKey(
        "parindex.Ward", on_delete=models.CASCADE, related_name="+", verbose_name=_("phường")
    )
    kind = models.CharField(_("loại kỳ"), max_length=8, choices=ScoreKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveSmallIntegerField(_("tháng / quý"), default=0)
    group = models.CharField(_("nhóm"), max_length=20, choices=[(g.code, g.label) for g in GROUPS])
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=2)
    source = models.CharField(_("tệp nguồn"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người nhập")
    )
    imported_at = models.DateTimeField(_("thời điểm nhập"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("điểm chính thức trên Cổng quốc gia")
        verbose_name_plural = _("điểm chính thức trên Cổng quốc gia")
        ordering = ["year", "kind", "number", "ward", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "kind", "year", "number", "group"], name="official_score_unique"
            ),
            models.CheckConstraint(
                name="official_score_points_range",
                condition=Q(points__gte=0, points__lte=100),
                violation_error_message=_("Điểm phải từ 0 đến 100."),
            ),
        ]

    def __str__(self) -> str:
        return "{} {} {}/{}".format(self.ward_id, self.group, self.number, self.year)


# The seeded weights (data migration parindex 0004): code -> (max points, full at, when empty).
SEED_VALID_FROM = "2022-01-01"
SEED_WEIGHTS: dict[str, tuple[str, str, str]] = {
    "publicity": ("18", "1", "none"),
    "progress": ("20", "1", "none"),
    "online": ("12", "1", "none"),
    # The published payment formula (6A + min(2, 2.5B) + 2.5C) reaches 10.5; the group keeps 10.
    "payment": ("10", "1", "none"),
    "digitisation": ("22", "1", "none"),
    "satisfaction": ("18", "1", "none"),
    "publicity.publication": ("9", "1", "none"),
    "publicity.national_sync": ("9", "1", "none"),
    "progress.in_time": ("20", "1", "none"),
    "online.offered": ("2", "0.8", "none"),
    "online.used": ("4", "1", "zero"),
    "online.share": ("6", "0.5", "none"),
    "payment.paid": ("6", "1", "full"),
    "payment.offered": ("2", "0.8", "full"),
    "payment.used": ("2.5", "1", "full"),
    "digitisation.e_result": ("6", "1", "none"),
    "digitisation.documents": ("4", "1", "none"),
    "digitisation.reuse": ("2", "0.8", "none"),
    "digitisation.synced": ("4", "1", "zero"),
    "digitisation.citizen_dossier": ("2", "1", "none"),
    "digitisation.citizen_procedure": ("2", "1", "none"),
    "digitisation.e_copies": ("2", "1", "full"),
    "satisfaction.handling": ("6", "0.9", "none"),
    "satisfaction.pakn_on_time": ("6", "1", "full"),
    "satisfaction.pakn_satisfied": ("6", "1", "full"),
}


@transaction.atomic
def record_entries(
    *, key: tuple[str, int, int], values: dict[tuple[int, str], tuple[int, int] | None], by
) -> None:
    """Store the city's figures of one period ``key`` (kind, year, number) (None clears one); history through simple_history."""
    kind, y, n = key
    for (ward_id, code), pair in values.items():
        existing = ServiceIndexEntry.objects.filter(
            ward_id=ward_id, code=code, kind=kind, year=y, number=n
        ).first()
        if pair is None:
            if existing is not None:
                existing._history_user = by
                existing.delete()
            continue
        entry = existing or ServiceIndexEntry(ward_id=ward_id, code=code, kind=kind, year=y, number=n)
        if existing is not None and (existing.numerator, existing.denominator) == pair:
            continue
        entry.numerator, entry.denominator = pair
        entry.entered_by = by
        entry._history_user = by
        entry.save()


def default_weights() -> list[ServiceIndexWeight]:
    """Unsaved rows of the seeded weights, for a table left empty (a flushed database), so that the
    index never fails for want of rows."""
    return [
        ServiceIndexWeight(
            code=code,
            valid_from=date.fromisoformat(SEED_VALID_FROM),
            max_points=Decimal(points),
            full_at=Decimal(full_at),
            when_empty=when_empty,
        )
        for code, (points, full_at, when_empty) in SEED_WEIGHTS.items()
    ]
