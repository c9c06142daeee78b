"""The plan's task list filters, written once: the plan page, its Excel export (inline or the
worker's job, which runs the same queryset again) narrow the plan's tasks through
``TaskFilterSet``.

The filter bar offers fixed choices; a value it never offers (an old bookmark, a hand-typed
query) selects nothing rather than answering an error, so the others still apply.
"""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField

from tasks.models import Component, Task, TaskStatus

MINE, ALL = "mine", "all"
SCOPES = [(MINE, _("Nhiệm vụ của tôi")), (ALL, _("Tất cả nhiệm vụ"))]


class LenientChoiceField(ChoiceField):
    """A choice the bar offers, or "" for any other value (never an error)."""

    def clean(self, value):
        value = "" if value is None else str(value)
        return value if self.valid_value(value) else ""


class LenientChoiceFilter(django_filters.ChoiceFilter):
    field_class = LenientChoiceField


class SwitchField(forms.CharField):
    """A checkbox: any value turns it on ("1"), as the bar's ``value="1"`` does."""

    widget = forms.CheckboxInput

    def clean(self, value):
        return "1" if value else ""


class SwitchFilter(django_filters.CharFilter):
    field_class = SwitchField


class TaskFilterSet(django_filters.FilterSet):
    """``?scope=`` (default "mine" for an officer, else "all"), ``status``, ``component``,
    ``overdue`` (any value: open tasks due before ``on``)."""

    scope = LenientChoiceFilter(label=_("Phạm vi"), choices=SCOPES, method="filter_scope")
    status = LenientChoiceFilter(label=_("Trạng thái"), choices=TaskStatus.choices)
    component = LenientChoiceFilter(label=_("Lĩnh vực CCHC"), choices=Component.choices)
    overdue = SwitchFilter(label=_("Chỉ nhiệm vụ quá hạn"), method="filter_overdue")

    class Meta:
        model = Task
        fields = ()

    def __init__(self, data: QueryDict | None, queryset, *, user, on: date, mine_default: bool):
        own = QueryDict(mutable=True)
        for key in self.base_filters:
            if data is not None and data.get(key):
                own[key] = data.get(key)
        if not own.get("scope"):
            own["scope"] = MINE if mine_default else ALL
        super().__init__(own, queryset)
        self.user, self.on = user, on

    @property
    def params(self) -> dict[str, str]:
        """The applied values, for the filter bar ("" where none)."""
        self.form.is_valid()  # always valid: cleans the values
        return {name: self.form.cleaned_data.get(name) or "" for name in self.filters}

    def filter_scope(self, qs, name, value):
        if value == MINE:
            return qs.filter(Q(lead=self.user) | Q(co_officials=self.user)).distinct()
        return qs

    def filter_overdue(self, qs, name, value):
        return qs.overdue(self.on)
