"""Django's admin, for administrators (catalogues, calendars, targets, users).

Every admin here is scoped by ``parindex.base.admin_scope`` (the screens' scope: a city administrator
works only on the own city; superusers and administrators without a city on all; other staff on
nothing). Nobody but a superuser can grant superuser, staff, group or permission rights.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex.analytics.service_index_data import OfficialScore, ServiceIndexEntry, ServiceIndexWeight
from parindex.analytics.targets import YearTarget
from parindex.base.access import visible_city_ids, ward_scope_q
from parindex.base.admin_scope import ScopedAdmin, ScopedHistoryAdmin, lock_down_unscoped, user_scope_q
from parindex.base.models import AccessLog, City, Membership, Role, Ward

User = get_user_model()


@admin.register(City)
class CityAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    search_fields = ["code", "name"]

    def scope_q(self, request):
        return Q(id__in=visible_city_ids(request.user))

    # A city administrator edits the own city's details; cities come and go with the superuser.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Ward)
class WardAdmin(ScopedHistoryAdmin):
    ward_path = "id"
    list_display = ["code", "name", "city"]
    list_filter = ["city"]
    list_select_related = ["city"]
    search_fields = ["code", "name"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "ward", "city", "title"]

    def clean(self):
        data = super().clean()
        # A city-scoped administrator must not create accounts that see beyond the city.
        if (
            not self.request_user.is_superuser
            and data.get("role") in (Role.ADMIN, Role.CITY_VIEWER)
            and not data.get("city")
        ):
            raise forms.ValidationError(
                _("Hãy chọn thành phố cho người xem cấp thành phố hoặc quản trị viên.")
            )
        return data


class MembershipInline(ScopedAdmin, admin.StackedInline):
    model = Membership
    form = MembershipForm
    can_delete = False
    max_num = 1

    def scope_q(self, request):
        # The user list is already scoped; a city viewer's membership has no ward to filter on.
        return Q(user__in=User.objects.filter(user_scope_q(request)))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("ScopedMembershipForm", (formset.form,), {"request_user": request.user})
        return formset


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ScopedAdmin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "membership"]
    list_select_related = ["membership"]
    check_scope_after_related = True

    def scope_q(self, request):
        return user_scope_q(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]
        return fields


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["at", "user", "ward", "action", "object_type", "object_id", "note"]
    list_select_related = ["user", "ward"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = "Quản trị cổng cải cách hành chính"
admin.site.site_title = "Quản trị CCHC"


@admin.register(YearTarget)
class YearTargetAdmin(ScopedHistoryAdmin):
    list_display = ["year", "city", "ward", "indicator", "field", "direction", "threshold"]
    list_filter = ["year", "city", "indicator"]
    list_select_related = ["city", "ward", "field"]

    def scope_q(self, request):
        # A ward's own target, or the city's default for its wards.
        return ward_scope_q(request.user) | Q(ward__isnull=True, city__in=visible_city_ids(request.user))


@admin.register(ServiceIndexWeight)
class ServiceIndexWeightAdmin(ScopedHistoryAdmin):
    """The QĐ 766 points and thresholds: one national table, from a date."""

    ward_path = None
    list_display = ["code", "valid_from", "max_points", "full_at", "when_empty"]
    list_filter = ["when_empty"]
    search_fields = ["code", "note"]


@admin.register(ServiceIndexEntry)
class ServiceIndexEntryAdmin(ScopedHistoryAdmin):
    list_display = ["ward", "code", "kind", "year", "number", "numerator", "denominator", "entered_by"]
    list_filter = ["kind", "year", "code"]
    list_select_related = ["ward", "entered_by"]
    raw_id_fields = ["entered_by"]


@admin.register(OfficialScore)
class OfficialScoreAdmin(ScopedHistoryAdmin):
    """Imported from the national portal; deleted (never edited) to import a correction."""

    list_display = ["ward", "kind", "year", "number", "group", "points", "source", "imported_at"]
    list_filter = ["kind", "year", "group"]
    list_select_related = ["ward"]
    readonly_fields = ["imported_by", "imported_at"]

    def has_change_permission(self, request, obj=None):
        return False


# Groups, permissions and login attempts span every city: superusers only.
lock_down_unscoped(admin.site)
