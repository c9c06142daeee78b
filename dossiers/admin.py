"""Admin for the catalogue (fields, agencies, procedure versions) and the calendar overrides.

Dossiers themselves are never edited here: they change only through ``workflow`` (events, audit).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dossiers.models import Agency, CalendarDay, Field, Procedure, WorkingHours


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "name"]
    filter_horizontal = ["officers"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Procedure)
class ProcedureAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "field",
        "valid_from",
        "valid_to",
        "same_day",
        "processing_days",
        "processing_hours",
        "fee",
    ]
    list_filter = ["field", "same_day", "online_level"]
    search_fields = ["code", "name"]
    list_select_related = ["field"]
    date_hierarchy = "valid_from"


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(SimpleHistoryAdmin):
    """Beside the days off and make-up days: the hours deadlines are counted in, per city."""

    list_display = [
        "city",
        "valid_from",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "saturday_morning",
    ]
    list_filter = ["city", "saturday_morning"]
    list_select_related = ["city"]
    date_hierarchy = "valid_from"
