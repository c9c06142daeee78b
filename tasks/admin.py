"""The admin of the reform plan and the PAR criteria.

The PAR rounds lock the admin like the screens (``tasks/criteria.py``): scores, comments,
explanations and "not applicable" are never edited here (they are the ward's and the city's moves,
each checked for its role and round); a criterion's structure only while the ward assesses itself;
a criterion's evidence only in its own stage; reverting a criterion or its evidence to an earlier
version is refused, since it would restore scores or files behind the rounds' back.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from parindex.base.admin_scope import ScopedHistoryAdmin
from tasks import criteria
from tasks.models import Criterion, Evidence, Plan, Task

# Set by the rounds' moves, never in the admin.
ROUND_FIELDS = (
    "self_score",
    "comment",
    "not_applicable",
    "not_applicable_reason",
    "appraised_score",
    "evidence_complete",
    "first_comment",
    "explanation",
    "second_score",
    "second_comment",
)


@admin.register(Plan)
class PlanAdmin(ScopedHistoryAdmin):
    list_display = ["title", "ward", "year"]
    list_filter = ["year", "ward"]
    list_select_related = ["ward"]


@admin.register(Task)
class TaskAdmin(ScopedHistoryAdmin):
    ward_path = "plan__ward"
    list_display = ["code", "title", "plan", "component", "lead", "due_date", "status"]
    list_filter = ["status", "component", "plan__year"]
    list_select_related = ["plan", "lead"]
    search_fields = ["code", "title"]
    autocomplete_fields = []
    raw_id_fields = ["plan", "criterion", "lead"]


class CriterionAdminForm(forms.ModelForm):
    # The model and fields come from the ModelAdmin (modelform_factory).

    def clean(self):
        data = super().clean()
        ward, year = data.get("ward"), data.get("year")
        if ward is not None and year is not None and criteria.tree_locked(ward.id, year):
            raise forms.ValidationError(
                _("Đợt đánh giá năm {year} của phường đã qua bước tự đánh giá: bộ tiêu chí bị khóa.").format(
                    year=year
                )
            )
        return data


class RevertRefused:
    """History pages to read; no "revert" (it would write the past version's scores back)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            # Outside the scope is "not found", as everywhere in the admin; inside it, refused.
            self._live_object_in_scope_or_gone(request, object_id)
            try:
                found = (
                    self._history_rows(request)
                    .filter(**{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id})
                    .exists()
                )
            except (ValueError, ValidationError):
                raise Http404 from None
            if not found:
                raise Http404
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Criterion)
class CriterionAdmin(RevertRefused, ScopedHistoryAdmin):
    form = CriterionAdminForm
    list_display = [
        "code",
        "title",
        "ward",
        "year",
        "max_score",
        "self_score",
        "appraised_score",
        "responsible",
    ]
    list_filter = ["year", "component", "ward"]
    list_select_related = ["ward", "responsible"]
    raw_id_fields = ["parent", "responsible"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *ROUND_FIELDS]

    def _locked(self, obj) -> bool:
        return obj is not None and criteria.tree_locked(obj.ward_id, obj.year)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)

    def delete_queryset(self, request, queryset):
        # The list's bulk delete passes no object to the permission check.
        if any(criteria.tree_locked(w, y) for w, y in queryset.values_list("ward_id", "year").distinct()):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


class EvidenceAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        criterion, stage = data.get("criterion"), data.get("stage")
        if (
            criterion is not None
            and stage
            and criteria.evidence_locked(ward_id=criterion.ward_id, year=criterion.year, stage=stage)
        ):
            raise forms.ValidationError(
                _("Minh chứng bước này của tiêu chí {code} đã bị khóa theo đợt đánh giá.").format(
                    code=criterion.code
                )
            )
        return data


@admin.register(Evidence)
class EvidenceAdmin(RevertRefused, ScopedHistoryAdmin):
    form = EvidenceAdminForm
    list_display = ["__str__", "kind", "task", "criterion", "added_by", "added_at"]
    list_select_related = ["task", "criterion", "added_by"]
    raw_id_fields = ["task", "criterion", "added_by"]

    def _locked(self, obj) -> bool:
        if obj is None or obj.criterion_id is None:
            return False
        return criteria.evidence_locked(
            ward_id=obj.criterion.ward_id, year=obj.criterion.year, stage=obj.stage
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)

    def delete_queryset(self, request, queryset):
        for evidence in queryset.filter(criterion__isnull=False).select_related("criterion"):
            if self._locked(evidence):
                raise PermissionDenied
        super().delete_queryset(request, queryset)
