"""Staffing of a ward: posts (positions with a quota), the people who hold them, who covers a
vacant post on top of their own work, and the recruitment that will fill it.

Vacancies are never stored: a post's vacancies on a date are its quota minus the holdings in force
that day (see ``parindex/staffing/queries.py``). Dates are inclusive local calendar dates; an empty
end date means "still in force".

Changes go through ``parindex/staffing/services.py``, which checks the rules that span rows
(quota, overlaps, a cover only on a vacant post); the check constraints below catch what a single
row can get wrong even when someone bypasses the services (admin, shell, import).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.base.models import Ward
from parindex.base.scoping import WardScopedQuerySet

# Offices of a ward since the two-tier reform of 07/2025; offered as suggestions, stored as text
# because the organisation chart is data that the province may change again.
SUGGESTED_OFFICES = [
    "Văn phòng HĐND-UBND",
    "Phòng Kinh tế - Hạ tầng - Đô thị",
    "Phòng Văn hóa - Xã hội",
    "Trung tâm phục vụ hành chính công",
]


def in_force_on(day: date, *, prefix: str = "") -> Q:
    """Rows whose [start, end] (end empty = open) contains ``day``."""
    return Q(**{f"{prefix}start__lte": day}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day})
    )


def overlapping(start: date, end: date | None, *, prefix: str = "") -> Q:
    """Rows whose [start, end] overlaps the closed range [start, end] (end None = open)."""
    condition = Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": start})
    if end is not None:
        condition &= Q(**{f"{prefix}start__lte": end})
    return condition


class PositionQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def valid_on(self, day: date) -> PositionQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Position(models.Model):
    """A post of the ward (vị trí việc làm / chức danh) and how many people it should have."""

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="positions", verbose_name=_("phường")
    )
    title = models.CharField(_("chức danh"), max_length=200)
    office = models.CharField(
        _("cơ quan, bộ phận"),
        max_length=200,
        blank=True,
        help_text=_(
            "Ví dụ: Văn phòng HĐND-UBND, Phòng Kinh tế - Hạ tầng - Đô thị, Phòng Văn hóa - Xã hội, "
            "Trung tâm phục vụ hành chính công."
        ),
    )
    quota = models.PositiveSmallIntegerField(_("số lượng được giao"))
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    objects = PositionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vị trí việc làm")
        verbose_name_plural = _("vị trí việc làm")
        ordering = ["ward", "sort_order", "title", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "title", "valid_from"], name="staffing_position_version_unique"
            ),
            models.CheckConstraint(
                name="staffing_position_validity_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày áp dụng."),
            ),
        ]
        indexes = [models.Index(fields=["ward", "valid_from"], name="staffing_position_ward")]

    def __str__(self) -> str:
        return self.title

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class OfficialQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def serving_between(self, start: date, end: date) -> OfficialQuerySet:
        return self.filter(overlapping(start, end))


class Official(models.Model):
    """A person working for the ward (cán bộ, công chức, người hoạt động không chuyên trách)."""

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="officials", verbose_name=_("phường")
    )
    code = models.CharField(
        _("mã cán bộ"),
        max_length=40,
        blank=True,
        help_text=_("Mã nội bộ, không bắt buộc; dùng để nhập dữ liệu lặp lại không bị trùng."),
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    # One account per person; an account is optional (the Front cadre may have none).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="official",
        verbose_name=_("tài khoản"),
    )
    start = models.DateField(_("ngày bắt đầu công tác"))
    end = models.DateField(_("ngày thôi công tác"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    objects = OfficialQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cán bộ, công chức")
        verbose_name_plural = _("cán bộ, công chức")
        ordering = ["ward", "full_name"]
        constraints = [
            models.CheckConstraint(
                name="staffing_official_dates_ordered",
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                violation_error_message=_("Ngày kết thúc không được trước ngày bắt đầu."),
            ),
            models.UniqueConstraint(
                fields=["ward", "code"],
                condition=~Q(code=""),
                name="staffing_official_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Holding(models.Model):
    """An official holds a post from ``start`` to ``end`` (inclusive; empty = still holds it)."""

    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("cán bộ")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("vị trí")
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"), null=True, blank=True)
    note = models.CharField(_("quyết định, ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đảm nhiệm vị trí")
        verbose_name_plural = _("đảm nhiệm vị trí")
        ordering = ["position", "start", "id"]
        constraints = [
            models.CheckConstraint(
                name="staffing_holding_dates_ordered",
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                violation_error_message=_("Ngày kết thúc không được trước ngày bắt đầu."),
            ),
        ]
        indexes = [models.Index(fields=["position", "start"], name="staffing_holding_position")]

    def __str__(self) -> str:
        return f"{self.official} - {self.position}"


class Cover(models.Model):
    """Concurrent duty (kiêm nhiệm): an official covers a vacant post on top of their own work."""

    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="covers", verbose_name=_("người kiêm nhiệm")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="covers", verbose_name=_("vị trí còn trống")
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kiêm nhiệm")
        verbose_name_plural = _("kiêm nhiệm")
        ordering = ["position", "start", "id"]
        constraints = [
            models.CheckConstraint(
                name="staffing_cover_dates_ordered",
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                violation_error_message=_("Ngày kết thúc không được trước ngày bắt đầu."),
            ),
        ]
        indexes = [models.Index(fields=["position", "start"], name="staffing_cover_position")]

    def __str__(self) -> str:
        return f"{self.official} - {self.position}"


class RecruitmentStatus(models.TextChoices):
    PLANNED = "planned", _("Đã có kế hoạch")
    EXAM = "exam", _("Đang tổ chức thi tuyển")
    FILLED = "filled", _("Đã tuyển đủ")
    CANCELLED = "cancelled", _("Hủy")


# A recruitment in one of these states still promises to fill a vacancy.
OPEN_RECRUITMENT = (RecruitmentStatus.PLANNED, RecruitmentStatus.EXAM)


class Recruitment(models.Model):
    """How a vacancy will be filled: usually the city's (now the province's) civil-service exam."""

    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="recruitments", verbose_name=_("vị trí")
    )
    posts = models.PositiveSmallIntegerField(_("số chỉ tiêu tuyển"), default=1)
    status = models.CharField(
        _("tình trạng"),
        max_length=10,
        choices=RecruitmentStatus.choices,
        default=RecruitmentStatus.PLANNED,
    )
    organiser = models.CharField(_("đơn vị tổ chức tuyển dụng"), max_length=200, blank=True)
    opened_on = models.DateField(_("ngày bắt đầu"))
    expected_date = models.DateField(_("dự kiến có người"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tuyển dụng")
        verbose_name_plural = _("tuyển dụng")
        ordering = ["position", "-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="staffing_recruitment_posts_positive",
                condition=Q(posts__gte=1),
                violation_error_message=_("Số chỉ tiêu tuyển phải từ 1 trở lên."),
            ),
            models.CheckConstraint(
                name="staffing_recruitment_expected_after_open",
                condition=Q(expected_date__isnull=True) | Q(expected_date__gte=F("opened_on")),
                violation_error_message=_("Ngày dự kiến có người không được trước ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} - {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RECRUITMENT
