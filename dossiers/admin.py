"""Admin for the catalogue (fields, agencies, procedure versions) and the calendar overrides.

Dossiers themselves are never edited here: they change only through ``workflow`` (events, audit).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dossiers.models import Agency, CalendarDay, Field, PetitionType, Procedure


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
    list_display = ["code", "name", "field", "valid_from", "valid_to", "same_day", "processing_days", "fee"]
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


@admin.register(PetitionType)
class PetitionTypeAdmin(SimpleHistoryAdmin):
    """Petition types and their handling time: data the administrator keeps current."""

    list_display = ["code", "name", "subject", "deadline_working_days", "active"]
    list_filter = ["subject", "active"]
    search_fields = ["code", "name"]
