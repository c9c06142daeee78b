from django.contrib import admin

from parindex.admin_scope import ScopedHistoryAdmin
from tasks.models import Criterion, Evidence, Plan, Task


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


@admin.register(Criterion)
class CriterionAdmin(ScopedHistoryAdmin):
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


@admin.register(Evidence)
class EvidenceAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "kind", "task", "criterion", "added_by", "added_at"]
    list_select_related = ["task", "criterion", "added_by"]
    raw_id_fields = ["task", "criterion", "added_by"]
