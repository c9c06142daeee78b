"""Organisation and access: cities, wards, and each account's role in them.

Staffing, year targets and sent reports live in their own modules and are imported here so that
Django finds them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.base.scoping import WardScopedQuerySet


class City(models.Model):
    """The parent unit of wards: a city, or since 07/2025 directly a province."""

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    province = models.CharField(_("tỉnh/thành phố"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thành phố")
        verbose_name_plural = _("thành phố")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WardQuerySet(WardScopedQuerySet):
    ward_lookup = "pk"

    def lock(self, ward: Ward) -> Ward:
        """Lock the ward's row until the transaction ends: one-per-ward records (a year's plan,
        its criteria tree) are checked and created by one request at a time, so a double click
        waits for the first and then finds the record instead of failing on the unique index."""
        return self.select_for_update().get(pk=ward.pk)


class Ward(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="wards", verbose_name=_("thành phố")
    )
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)

    objects = WardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phường")
        verbose_name_plural = _("phường")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ, công chức")
    LEADER = "leader", _("Lãnh đạo UBND phường")
    CITY_VIEWER = "city_viewer", _("Người xem cấp thành phố")
    ADMIN = "admin", _("Quản trị viên")


class Membership(models.Model):
    """One account's place in the organisation: its role and the ward (or city) it serves."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("tài khoản"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("phường"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("thành phố"),
        help_text=_("Với người xem cấp thành phố và quản trị viên: phạm vi các phường được xem."),
    )
    title = models.CharField(_("chức danh"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        constraints = [
            models.CheckConstraint(
                name="membership_ward_roles_have_ward",
                condition=~Q(role__in=["officer", "leader"]) | Q(ward__isnull=False),
                violation_error_message=_("Cán bộ và lãnh đạo phải thuộc một phường."),
            ),
            models.CheckConstraint(
                name="membership_city_viewer_has_city",
                condition=~Q(role="city_viewer") | Q(city__isnull=False),
                violation_error_message=_("Người xem cấp thành phố phải gắn với một thành phố."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AccessLog(models.Model):
    """Reads worth auditing (personal data seen outside one's field, evidence downloads).

    Changes are audited by django-simple-history on each model; this table records who *looked*.
    """

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("người xem"))
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("phường"))
    object_type = models.CharField(_("loại"), max_length=50)
    object_id = models.CharField(_("mã đối tượng"), max_length=50)
    action = models.CharField(_("hành động"), max_length=50)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("nhật ký truy cập")
        verbose_name_plural = _("nhật ký truy cập")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.action} {self.object_type} {self.object_id}"


class FormToken(models.Model):
    """A one-time token issued with a form that creates a record (see ``parindex/base/idempotency.py``).

    Kept in the database, not the session or a process cache, so that the second of two
    submissions landing on another app server still finds the first one's claim.
    """

    key = models.CharField(_("mã"), max_length=64, unique=True)
    # None: issued on a public page to a citizen who is not logged in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(_("mục đích"), max_length=50)
    created_at = models.DateTimeField(_("thời điểm cấp"), db_index=True)
    used_at = models.DateTimeField(_("thời điểm dùng"), null=True, blank=True)
    result_url = models.CharField(_("kết quả"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("mã gửi biểu mẫu")
        verbose_name_plural = _("mã gửi biểu mẫu")

    def __str__(self) -> str:
        return "{} {}".format(self.purpose, self.key[:8])


from parindex.analytics.service_index_data import OfficialScore, ServiceIndexEntry, ServiceIndexWeight  # noqa: E402,F401
from parindex.analytics.targets import YearTarget  # noqa: E402,F401
