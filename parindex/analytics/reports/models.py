"""Sent reports: what a leader sent up, kept exactly as sent.

A ``SentReport`` row and its file never change: ``save`` refuses updates and ``delete`` refuses
too, so "what did we send for March?" always has the answer that was sent, while the live figures
for the same period may drift (a back-dated dossier) and the report page shows the difference.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex.base import access
from parindex.base.models import City, Ward
from parindex.base.scoping import WardScopedQuerySet


def sent_report_path(instance: SentReport, filename: str) -> str:
    # Unguessable name; the file is only ever served through the permission-checked view.
    return "reports/sent/{}/{}-{}.xlsx".format(
        instance.scope_code, instance.period_start.year, uuid.uuid4().hex
    )


class ImmutableError(Exception):
    """A sent report cannot be changed or deleted."""


class SentReportQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def scope_q(self, user) -> Q:
        """Reports of wards the user sees, and city reports whose every ward they see."""
        return super().scope_q(user) | access.whole_city_q(user)

    def update(self, **kwargs):
        raise ImmutableError("sent reports are immutable")


class SentReport(models.Model):
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_reports",
        verbose_name=_("phường"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_reports",
        verbose_name=_("thành phố"),
    )
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    period_kind = models.CharField(_("loại kỳ"), max_length=20, default="custom")
    number = models.CharField(_("số báo cáo"), max_length=50)
    # Document numbers restart every 1 January (Nghị định 30/2020): a number is unique per sender
    # and year, the year the report was sent in, in the portal's time zone.
    number_year = models.PositiveSmallIntegerField(_("năm của số báo cáo"))
    sent_at = models.DateTimeField(_("thời điểm gửi"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người gửi")
    )
    figures = models.JSONField(_("số liệu đã gửi"))
    file = models.FileField(_("tệp báo cáo"), upload_to=sent_report_path, max_length=300)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)

    objects = SentReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo đã gửi")
        verbose_name_plural = _("báo cáo đã gửi")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="sent_report_ward_or_city",
                condition=(Q(ward__isnull=False) & Q(city__isnull=True))
                | (Q(ward__isnull=True) & Q(city__isnull=False)),
                violation_error_message=_("Báo cáo phải thuộc một phường hoặc một thành phố."),
            ),
            models.CheckConstraint(
                name="sent_report_period_ordered",
                condition=Q(period_end__gte=models.F("period_start")),
                violation_error_message=_("Ngày kết thúc kỳ không được trước ngày bắt đầu."),
            ),
            models.UniqueConstraint(
                fields=["ward", "number_year", "number"],
                condition=Q(ward__isnull=False),
                name="sent_report_ward_number_unique",
                violation_error_message=_("Số báo cáo này đã được dùng trong năm."),
            ),
            models.UniqueConstraint(
                fields=["city", "number_year", "number"],
                condition=Q(ward__isnull=True),
                name="sent_report_city_number_unique",
                violation_error_message=_("Số báo cáo này đã được dùng trong năm."),
            ),
        ]
        indexes = [
            models.Index(fields=["ward", "period_start", "period_end"], name="sent_report_ward_period")
        ]

    def __str__(self) -> str:
        return "{} {} ({:%d/%m/%Y} - {:%d/%m/%Y})".format(
            self.number, self.scope_name, self.period_start, self.period_end
        )

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ImmutableError("sent reports are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("sent reports are immutable")

    @property
    def scope_code(self) -> str:
        return self.ward.code if self.ward_id else self.city.code

    @property
    def scope_name(self) -> str:
        return self.ward.name if self.ward_id else self.city.name
