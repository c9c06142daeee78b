"""Background jobs a person started (an export, the report build, an import) and portal notices.

A ``Job`` is the portal's own record of a task handed to the queue: who asked, for which ward or
city, how far it got (rows done of total), its result file (through the storage API, so any app
server can serve it) and, when it failed, a message the person can act on. The queue backend's
own result rows are an implementation detail; pages read only this table.
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


class JobKind(models.TextChoices):
    REPORT_EXPORT = "report_export", _("Xuất báo cáo Excel")
    DOSSIER_EXPORT = "dossier_export", _("Xuất danh sách hồ sơ")
    REPORT_SEND = "report_send", _("Lưu báo cáo đã gửi")
    MONTHLY_REPORT = "monthly_report", _("Lập báo cáo định kỳ")
    DOSSIER_IMPORT = "dossier_import", _("Nhập hồ sơ từ Excel")
    IMPORT_PREVIEW = "import_preview", _("Xem trước tệp nhập hồ sơ")
    CATALOGUE_IMPORT = "catalogue_import", _("Nhập danh mục thủ tục")
    PLAN_IMPORT = "plan_import", _("Nhập kế hoạch CCHC")
    CRITERIA_IMPORT = "criteria_import", _("Nhập bộ tiêu chí CCHC")
    PLAN_EXPORT = "plan_export", _("Xuất kế hoạch CCHC")
    STAFFING_EXPORT = "staffing_export", _("Xuất biên chế, nhân sự")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Không thành công")


class JobQuerySet(WardScopedQuerySet):
    ward_lookup = "ward"

    def scope_q(self, user) -> Q:
        """The user's own jobs (and scheduled ones) over wards they still see; a city job needs
        every ward of that city; a job of neither (the procedure catalogue's import) is its
        owner's alone. Anything else is not found, like the data it was made from."""
        in_scope = super().scope_q(user) | (Q(ward__isnull=True) & access.whole_city_q(user))
        unscoped = Q(ward__isnull=True, city__isnull=True, owner=user)
        return (in_scope & (Q(owner=user) | Q(owner__isnull=True))) | unscoped


def job_result_path(instance: Job, filename: str) -> str:
    # Unguessable and per job; the file is only ever served through the permission-checked view.
    return "jobs/{:%Y/%m}/{}-{}".format(instance.created_at, instance.pk.hex, filename)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("loại việc"), max_length=30, choices=JobKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("phường")
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("thành phố")
    )
    title = models.CharField(_("tên việc"), max_length=300, blank=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("số dòng đã xong"), default=0)
    rows_total = models.PositiveIntegerField(_("tổng số dòng"), null=True, blank=True)
    result_file = models.FileField(_("tệp kết quả"), upload_to=job_result_path, max_length=300, blank=True)
    result_name = models.CharField(_("tên tệp tải về"), max_length=200, blank=True)
    result_url = models.CharField(_("trang kết quả"), max_length=300, blank=True)
    message = models.CharField(_("thông báo"), max_length=500, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    task_id = models.CharField(_("mã trong hàng đợi"), max_length=64, blank=True)
    task_path = models.CharField(_("hàm xử lý"), max_length=200, blank=True)
    worker = models.CharField(_("tiến trình xử lý"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("lần báo gần nhất"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("việc chạy nền")
        verbose_name_plural = _("việc chạy nền")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["owner", "created_at"], name="job_owner_created"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_total:
            return None
        return min(100, self.rows_done * 100 // self.rows_total)


class NotificationQuerySet(WardScopedQuerySet):
    def scope_q(self, user) -> Q:
        """A person's own notices, whatever their ward: a notice is addressed, not shared."""
        return Q(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A notice in the portal for one person (a report was built, a deadline is near)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("người nhận"),
    )
    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("phường")
    )
    text = models.CharField(_("nội dung"), max_length=500)
    url = models.CharField(_("liên kết"), max_length=300, blank=True)
    # Scheduled runs may repeat (a timer fires twice, an operator reruns a day): the key makes the
    # same notice for the same person appear once.
    key = models.CharField(_("khóa chống trùng"), max_length=200)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]

    def __str__(self) -> str:
        return self.text
