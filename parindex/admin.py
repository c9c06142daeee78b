"""Django's admin, for administrators (catalogues, calendars, targets, users).

An administrator with a city works only on that city's wards and people; one without a city, and
superusers, see everything (the same scope as ``parindex.access.visible_ward_ids``). Nobody but a
superuser can grant superuser, staff, group or permission rights.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.access import visible_ward_ids
from parindex.models import AccessLog, City, Membership, Role, Ward
from parindex.targets import YearTarget

User = get_user_model()


def scope_wards(request):
    return Ward.objects.filter(id__in=visible_ward_ids(request.user))


def scope_cities(request):
    if request.user.is_superuser:
        return City.objects.all()
    return City.objects.filter(id__in=scope_wards(request).values("city_id"))


class WardScopedAdmin:
    """Rows reach a ward through ``ward_path``; a non-superuser sees and chooses only their own."""

    ward_path = "ward"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{"{}__in".format(self.ward_path): visible_ward_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.related_model is Ward:
                kwargs["queryset"] = scope_wards(request)
            elif db_field.related_model is City:
                kwargs["queryset"] = scope_cities(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(id__in=scope_cities(request))


@admin.register(Ward)
class WardAdmin(WardScopedAdmin, SimpleHistoryAdmin):
    ward_path = "id"
    list_display = ["code", "name", "city"]
    list_filter = ["city"]
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


class MembershipInline(WardScopedAdmin, admin.StackedInline):
    model = Membership
    form = MembershipForm
    can_delete = False
    max_num = 1

    def get_queryset(self, request):
        # The user list is already scoped; a city viewer's membership has no ward to filter on.
        return admin.StackedInline.get_queryset(self, request)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("ScopedMembershipForm", (formset.form,), {"request_user": request.user})
        return formset


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "membership"]
    list_select_related = ["membership"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            Q(membership__ward__in=scope_wards(request)) | Q(membership__city__in=scope_cities(request))
        ).exclude(is_superuser=True)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]
        return fields


@admin.register(AccessLog)
class AccessLogAdmin(WardScopedAdmin, admin.ModelAdmin):
    list_display = ["at", "user", "ward", "action", "object_type", "object_id", "note"]
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
class YearTargetAdmin(WardScopedAdmin, SimpleHistoryAdmin):
    list_display = ["year", "city", "ward", "indicator", "field", "direction", "threshold"]
    list_filter = ["year", "city", "indicator"]

    def get_queryset(self, request):
        qs = SimpleHistoryAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            Q(ward__in=scope_wards(request)) | Q(ward__isnull=True, city__in=scope_cities(request))
        )
