"""The one ward-scoped queryset: a model's rows reach a ward through ``ward_lookup`` and
``for_user(user)`` keeps those the user may read, by the rule in ``parindex.base.access.ward_scope_q``.

A subclass only says where its ward is (``ward_lookup = "plan__ward"``) and, where the model has a
documented extra rule, widens or replaces ``scope_q`` (a dossier received at another ward's
counter, a city report, a person's own notices). Masking personal data is not scoping: it is
decided per row by ``access.may_see_personal_data``.
"""

from __future__ import annotations

from typing import ClassVar, Self

from django.db import models
from django.db.models import Q

# A module reference: parindex.base.access imports parindex.base.models, whose Ward manager is built on this
# class, so the rule is looked up when a queryset runs.
from parindex.base import access


class WardScopedQuerySet(models.QuerySet):
    ward_lookup: ClassVar[str] = "ward"

    def scope_q(self, user) -> Q:
        return access.ward_scope_q(user, self.ward_lookup)

    def for_user(self, user) -> Self:
        """The rows ``user`` may find; anything else is not found (a 404, never a 403)."""
        return self.filter(self.scope_q(user))
