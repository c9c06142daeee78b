from django.contrib import admin

from parindex.admin_scope import ScopedHistoryAdmin
from tasks.models import Criterion, Evidence, Plan, Task


@admin.register(Plan)
class PlanAdmin(ScopedHistoryAdmin):
    list_display = ["title", "ward", "year"]
    list_filter = ["year", "ward"]


@admin.register(Task)
class TaskAdmin(ScopedHistoryAdmin):
    ward_path = "plan__ward"
    list_display = ["code", "title", "plan", "component", "lead", "due_date", "status"]
    list_filter = ["status", "component", "plan__year"]
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
    raw_id_fields = ["parent", "responsible"]


@admin.register(Evidence)
class EvidenceAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "kind", "task", "criterion", "added_by", "added_at"]
    raw_id_fields = ["task", "criterion", "added_by"]
