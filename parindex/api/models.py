"""Integration tokens, their call log and the idempotency keys of API creations."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parindex.models import Ward

TOKEN_PREFIX = "pit_"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings: a plain SHA-256 cannot be brute-forced, and it lets the
    # lookup use an index instead of checking every token with a slow password hash.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


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
