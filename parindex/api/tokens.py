"""Issuing, finding and rate-limiting integration tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from parindex.api.models import ApiToken, hash_token, new_raw_token
from parindex.base import throttle


@transaction.atomic
def issue(*, name: str, scope: str, wards, token: ApiToken | None = None) -> tuple[ApiToken, str]:
    """Create (or re-key) a token; returns it and the raw secret, which is never stored."""
    raw = new_raw_token()
    if token is None:
        token = ApiToken(name=name, scope=scope)
    if not token.user_id:
        User = get_user_model()
        user = User(username="api-{}".format(hash_token(raw)[:12]), first_name=name[:150], is_active=True)
        # The account only signs the integration's moves: nobody can log in with it.
        user.set_unusable_password()
        user.save()
        token.user = user
    token.token_hash = hash_token(raw)
    token.hint = raw[:12]
    token.save()
    if wards is not None:
        token.wards.set(wards)
    return token, raw


def find(raw: str) -> ApiToken | None:
    """The live token with this secret, or None (unknown and revoked look the same)."""
    if not raw:
        return None
    token = (
        ApiToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is not None:
        # One UPDATE without touching the row's other fields (a revocation saved meanwhile stays).
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def over_limit(token: ApiToken, *, now=None) -> bool:
    """Fixed one-minute window per token in the cache (shared by every server through the
    database cache in production). True when this call exceeds ``API_RATE_LIMIT``."""
    limit = settings.API_RATE_LIMIT
    if limit <= 0:
        return False
    minute = int((now or timezone.now()).timestamp() // 60)
    return throttle.hits("api-rate:{}:{}".format(token.pk, minute), window=120) > limit


def ward_ids(token: ApiToken) -> list[int]:
    cached = getattr(token, "_ward_ids", None)
    if cached is None:
        cached = list(token.wards.values_list("id", flat=True))
        token._ward_ids = cached
    return cached
