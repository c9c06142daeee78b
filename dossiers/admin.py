"""Admin for the catalogue (fields, agencies, procedure versions) and the calendar overrides.

Dossiers themselves are never edited here: they change only through ``workflow`` (events, audit).
The catalogue is shared by every city: any administrator edits it (as on the catalogue screen),
a field's officers are picked among the own city's accounts, and a delete that would reach
another city's dossiers is refused (``parindex.base.admin_scope``).
"""

from django import forms
from django.contrib import admin
from django.db.models import Q

from dossiers import codes, privacy
from dossiers.models import (
    Agency,
    CalendarDay,
    CodeScheme,
    Field,
    LogCounter,
    NoticeTemplate,
    OnlineSubmission,
    PetitionType,
    PrintedForm,
    Procedure,
    ProcedureDocument,
    WorkingHours,
)
from parindex.base.access import visible_city_ids
from parindex.base.admin_scope import ScopedAdmin, ScopedHistoryAdmin


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
    list_filter = [
        "field",
        "same_day",
        "online_level",
        "nationally_centralised",
        "fee_bearing",
        "online_payment",
    ]
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


@admin.register(PrintedForm)
class PrintedFormAdmin(ScopedHistoryAdmin):
    """The printed forms of each set (number, title, unit name) from the date they apply: a
    document prints with the row of its kind in force on its date (dossiers/printed_forms.py)."""

    ward_path = None
    list_display = ["valid_from", "kind", "number", "title", "unit_name", "legal_basis"]
    list_filter = ["kind", "valid_from"]
    search_fields = ["title", "unit_name", "legal_basis"]
    date_hierarchy = "valid_from"


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


class CodeSchemeForm(forms.ModelForm):
    class Meta:
        model = CodeScheme
        fields = ["ward", "pattern", "reset", "agency_code", "platform_owner"]

    def clean(self):
        data = super().clean()
        row = CodeScheme(
            pattern=data.get("pattern") or "",
            reset=data.get("reset") or CodeScheme.Reset.YEAR,
            agency_code=data.get("agency_code") or "",
            platform_owner=data.get("platform_owner") or "",
        )
        try:
            codes.validate_scheme(row)
        except forms.ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
        return data


@admin.register(CodeScheme)
class CodeSchemeAdmin(ScopedHistoryAdmin):
    """A ward's dossier code scheme (and its Thông tư 04/2025 e-ID code): only the wards the
    administrator reads."""

    form = CodeSchemeForm
    list_display = ["ward", "pattern", "reset", "agency_code", "platform_owner"]
    list_select_related = ["ward"]


@admin.register(LogCounter)
class LogCounterAdmin(ScopedHistoryAdmin):
    """The dossier log of a ward and year: its volume (quyển số) is set here when a new volume is
    opened; the last entry number belongs to the receptions and is never typed (docs/forms.md).
    Only the wards the administrator reads; never deleted (the entries refer to it)."""

    list_display = ["ward", "year", "volume", "last"]
    list_filter = ["year"]
    list_select_related = ["ward"]
    fields = ["ward", "year", "volume", "last"]
    history_list_display = ["volume", "last"]

    def get_readonly_fields(self, request, obj=None):
        return ["ward", "year", "last"] if obj is not None else ["last"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # Under the receptions' row lock (the admin's save is one transaction): an entry
            # numbered since the form was opened is kept, only the volume changes.
            obj.last = LogCounter.objects.select_for_update().get(pk=obj.pk).last
        super().save_model(request, obj, form, change)


@admin.register(OnlineSubmission)
class OnlineSubmissionAdmin(ScopedHistoryAdmin):
    """Read only: submissions are accepted or refused on the inbox screen (workflow, audit). The
    applicant's personal data stays on that screen, under its masking rule."""

    list_display = ["official_code", "ward", "procedure", "source", "submitted_at", "accept_by", "state"]
    list_filter = ["state", "source"]
    search_fields = ["official_code"]
    list_select_related = ["ward", "procedure"]
    date_hierarchy = "submitted_at"
    exclude = ["applicant_name", *privacy.MASKS, "documents"]
    history_list_display = ["state"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
