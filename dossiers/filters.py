"""The register's filters, written once (netbox's ``ObjectListView`` shape): the register screen,
its Excel export, every drill-down from a report figure and the JSON API (``parindex.api``) narrow
a dossier queryset through ``DossierFilterSet``; the worklists themselves are defined in
``dossiers.worklists``.

A drill-down narrows first to the dossiers behind the figure (``dossiers.buckets.bucket_queryset``,
which already chose the field), then applies this same FilterSet with ``drill=True``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dossiers import worklists
from dossiers.forms import DATE_INPUT, FilterForm
from dossiers.models import Channel, Dossier, DossierQuerySet, Field, Status
from parindex.base.periods import start_of_day, validate_day

WORKLISTS = worklists.WORKLISTS


class WorklistField(forms.CharField):
    """The worklist tab (``?list=``): a tab, not typed input, so it is never an error; a name
    that is not a worklist (or the view's own "for other units" tab) selects none."""

    widget = forms.HiddenInput

    def clean(self, value):
        # No CharField validation: whatever the bookmark carries, it only picks a tab.
        return value if value in WORKLISTS else ""


class WorklistFilter(django_filters.CharFilter):
    field_class = WorklistField


class DossierFilterSet(django_filters.FilterSet):
    """The register's query parameters (``FILTER_KEYS``, also its session memory).

    Bound only when the query carries one of them. A form with errors applies none of its
    filters but the worklist (the tab stays what it shows); the caller shows or returns the
    errors. ``now`` judges the "overdue" list at that moment (the screens and the API pass the
    present); ``drill`` leaves ``field`` to the drill-down, which already narrowed by it.
    """

    list = WorklistFilter(method="filter_worklist", required=False)
    q = django_filters.CharFilter(
        label=_("Tìm kiếm"),
        method="filter_search",
        help_text=_("Mã hồ sơ, tên người nộp (không cần dấu), số điện thoại, CCCD."),
    )
    field = django_filters.ModelChoiceFilter(label=_("Lĩnh vực"), queryset=Field.objects.all())
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Status.choices)
    channel = django_filters.ChoiceFilter(label=_("Hình thức nộp"), choices=Channel.choices)
    received_from = django_filters.DateFilter(
        label=_("Nhận từ ngày"), method="filter_received_from", widget=DATE_INPUT, validators=[validate_day]
    )
    received_to = django_filters.DateFilter(
        label=_("Đến ngày"), method="filter_received_to", widget=DATE_INPUT, validators=[validate_day]
    )

    class Meta:
        model = Dossier
        fields = ()
        form = FilterForm

    def __init__(
        self,
        data: QueryDict | None = None,
        queryset: DossierQuerySet | None = None,
        *,
        user,
        today: date,
        now: datetime | None = None,
        drill: bool = False,
        request=None,
    ):
        own = QueryDict(mutable=True)
        for key in FILTER_KEYS:
            if data is not None and key in data:
                own[key] = data.get(key)
        super().__init__(own or None, queryset, request=request)
        self.user, self.today, self.now, self.drill = user, today, now, drill

    def filter_queryset(self, queryset):
        valid = self.form.is_valid()
        for name, value in self.form.cleaned_data.items():
            if (valid or name == "list") and not (self.drill and name == "field"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def worklist(self) -> str:
        """The worklist applied ("" for none)."""
        if not self.is_bound:
            return ""
        self.form.is_valid()  # cleans: the worklist is in cleaned_data even when others are wrong
        return self.form.cleaned_data.get("list", "")

    def filter_worklist(self, qs, name, value):
        return worklists.apply(qs, value, self.user, self.today, now=self.now)

    def filter_search(self, qs, name, value):
        return qs.search(value)

    def filter_received_from(self, qs, name, value):
        return qs.filter(received_at__gte=start_of_day(value))

    def filter_received_to(self, qs, name, value):
        return qs.filter(received_at__lt=start_of_day(value + timedelta(days=1)))


# The query parameters the register understands (and remembers during the session).
FILTER_KEYS = tuple(DossierFilterSet.base_filters)
