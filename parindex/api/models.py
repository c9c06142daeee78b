"""Integration tokens, their call log and the idempotency keys of API creations."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Status
from parindex.base.models import Ward

TOKEN_PREFIX = "pit_"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings: a plain SHA-256 cannot be brute-forced, and it lets the
    # lookup use an index instead of checking every token with a slow password hash.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# The statuses an imported record may land in (a hand-over to another agency needs the agency:
# the national format does not carry it as a status).
EXCHANGE_STATUSES = [
    (s.value, s.label)
    for s in (
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.SUPPLEMENT,
        Status.RESOLVED,
        Status.RETURNED,
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.STOPPED,
    )
]
# Not a status of the register: an online submission not yet accepted ("Mới đăng ký") goes to
# the ward's inbox (dossiers.models.OnlineSubmission), counted nowhere until an officer accepts it.
WAITING = "waiting"
EXCHANGE_STATUSES.append((WAITING, _("Chờ tiếp nhận (hồ sơ trực tuyến, vào danh sách chờ)")))


class Scope(models.TextChoices):
    READ = "read", _("Chỉ đọc")
    WRITE = "write", _("Đọc và ghi")


class ApiToken(models.Model):
    """One integration (the civil-status software of a ward, the provincial system, ...).

    The raw token is shown once when issued; only its hash is stored. Moves made through the token
    are recorded as its own account (``user``), so the dossier's timeline names the integration.
    """

    name = models.CharField(_("tên kết nối"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("nhận dạng"), max_length=12, editable=False, blank=True)
    wards = models.ManyToManyField(Ward, related_name="api_tokens", verbose_name=_("phường"))
    scope = models.CharField(_("quyền"), max_length=5, choices=Scope.choices, default=Scope.READ)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
        verbose_name=_("tài khoản ghi nhận"),
    )
    created_at = models.DateTimeField(_("thời điểm cấp"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mã kết nối API")
        verbose_name_plural = _("mã kết nối API")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE


class ApiCall(models.Model):
    """Every call to /api/: who (token, when known), what, the answer and how long it took."""

    token = models.ForeignKey(
        ApiToken,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("mã kết nối"),
    )
    method = models.CharField(_("phương thức"), max_length=8)
    path = models.CharField(_("đường dẫn"), max_length=300)
    status = models.PositiveSmallIntegerField(_("mã trả về"))
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    duration_ms = models.PositiveIntegerField(_("thời gian xử lý (ms)"), default=0)

    class Meta:
        verbose_name = _("lượt gọi API")
        verbose_name_plural = _("lượt gọi API")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return "{} {} {}".format(self.method, self.path, self.status)


class IdempotencyKey(models.Model):
    """The dossier a token's creation with this ``Idempotency-Key`` made: a retry gets it back."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class StatusMapping(models.Model):
    """How a national status code (TrangThaiHoSo) reads in the register; editable in the admin.

    Import maps a code to ``status``; export writes, for each of our statuses, the code marked
    ``for_export``.
    """

    national_code = models.CharField(_("mã trạng thái quốc gia"), max_length=20, unique=True)
    name = models.CharField(_("tên trạng thái quốc gia"), max_length=200)
    status = models.CharField(_("trạng thái trong sổ"), max_length=12, choices=EXCHANGE_STATUSES)
    for_export = models.BooleanField(_("dùng khi xuất"), default=False)

    class Meta:
        verbose_name = _("bảng chuyển đổi trạng thái")
        verbose_name_plural = _("bảng chuyển đổi trạng thái")
        ordering = ["national_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(for_export=True), name="status_mapping_one_export_code"
            )
        ]

    def __str__(self) -> str:
        return "{} - {}".format(self.national_code, self.name)


class ProgressEntry(models.Model):
    """One step of the national system's processing (CapNhatTienDoHoSoMC), kept beside the
    dossier's own timeline; importing the same step twice keeps one row."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="progress_entries")
    at = models.DateTimeField(_("thời điểm xử lý"))
    handler = models.CharField(_("người xử lý"), max_length=200)
    title = models.CharField(_("chức danh"), max_length=200, blank=True)
    department = models.CharField(_("phòng ban xử lý"), max_length=200, blank=True)
    content = models.TextField(_("nội dung xử lý"), blank=True)
    national_status = models.CharField(_("trạng thái"), max_length=20)
    started_at = models.DateTimeField(_("ngày bắt đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày kết thúc theo quy định"), null=True, blank=True)
    digest = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("tiến độ xử lý (liên thông)")
        verbose_name_plural = _("tiến độ xử lý (liên thông)")
        ordering = ["dossier", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "digest"], name="progress_entry_unique")]

    def __str__(self) -> str:
        return "{} {}".format(self.dossier_id, self.at)
