"""Admin for the catalogue (fields, agencies, procedure versions) and the calendar overrides.

Dossiers themselves are never edited here: they change only through ``workflow`` (events, audit).
The catalogue is shared by every city: any administrator edits it (as on the catalogue screen),
a field's officers are picked among the own city's accounts, and a delete that would reach
another city's dossiers is refused (``parindex.admin_scope``).
"""

from django.contrib import admin
from django.db.models import Q

from dossiers.models import (
    Agency,
    CalendarDay,
    Field,
    NoticeTemplate,
    PetitionType,
    Procedure,
    ProcedureDocument,
    WorkingHours,
)
from parindex.access import visible_city_ids
from parindex.admin_scope import ScopedAdmin, ScopedHistoryAdmin


@admin.register(Field)
class FieldAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = None
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "name"]
    filter_horizontal = ["officers"]


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = None
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ProcedureDocumentInline(admin.TabularInline):
    model = ProcedureDocument
    extra = 0
    fields = ["position", "name", "kind", "copies", "required"]


@admin.register(Procedure)
class ProcedureAdmin(ScopedHistoryAdmin):
    ward_path = None
    inlines = [ProcedureDocumentInline]
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
        "fee_bearing",
        "online_payment",
    ]
    list_filter = ["field", "same_day", "online_level", "fee_bearing", "online_payment"]
    search_fields = ["code", "name"]
    list_select_related = ["field"]
    date_hierarchy = "valid_from"


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedHistoryAdmin):
    ward_path = None
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(ScopedHistoryAdmin):
    """Beside the days off and make-up days: the hours deadlines are counted in, per city (a city
    administrator sees and sets only the own city's)."""

    def scope_q(self, request):
        return Q(city__in=visible_city_ids(request.user))

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


@admin.register(PetitionType)
class PetitionTypeAdmin(ScopedHistoryAdmin):
    """Petition types and their handling time: shared data, like the catalogue."""

    ward_path = None
    list_display = ["code", "name", "subject", "deadline_working_days", "active"]
    list_filter = ["subject", "active"]
    search_fields = ["code", "name"]


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(ScopedAdmin, admin.ModelAdmin):
    """Texts of the notices to applicants; an event without a row uses ``dossiers.notices.DEFAULT_TEXTS``."""

    ward_path = None
    list_display = ["event", "channel", "subject"]
    list_filter = ["event", "channel"]
    search_fields = ["subject", "text"]
