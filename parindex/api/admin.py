"""Issuing and revoking integration tokens; reading the call log.

A city administrator issues tokens for the own city's wards only and sees only such tokens; the
raw token is shown once, right after it is issued (only its hash is kept)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.api import tokens
from parindex.api.models import ApiCall, ApiToken, ProgressEntry, StatusMapping
from parindex.base.access import visible_ward_ids
from parindex.base.admin_scope import ScopedAdmin
from parindex.base.models import Ward


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = "wards"
    # Wards are saved with the related data: check the scope once they are.
    check_scope_after_related = True
    list_display = ["name", "scope", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "hint"]
    fields = ["name", "scope", "wards", "revoked_at", "hint", "created_at", "last_used_at"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    filter_horizontal = ["wards"]
    actions = ["revoke"]

    def scope_q(self, request) -> Q | None:
        # Only tokens whose every ward is the administrator's: a token spanning another city
        # belongs to that city's administrator too, and neither may change it alone.
        visible = visible_ward_ids(request.user)
        return Q(wards__in=visible) & ~Q(wards__in=Ward.objects.exclude(id__in=visible))

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        _token, raw = tokens.issue(name=obj.name, scope=obj.scope, wards=None, token=obj)
        messages.warning(
            request,
            _("Mã kết nối “{name}” (chỉ hiện một lần, hãy lưu lại ngay): {raw}").format(
                name=obj.name, raw=raw
            ),
        )

    @admin.action(description=gettext_lazy("Thu hồi các mã kết nối đã chọn"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("Đã thu hồi {count} mã kết nối.").format(count=count))


@admin.register(ApiCall)
class ApiCallAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = "token__wards"
    list_display = ["at", "token", "method", "path", "status", "duration_ms"]
    list_filter = ["method", "status"]
    search_fields = ["path", "token__name"]
    list_select_related = ["token"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatusMapping)
class StatusMappingAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = None
    list_display = ["national_code", "name", "status", "for_export"]
    list_editable = ["status", "for_export"]
    search_fields = ["national_code", "name"]


@admin.register(ProgressEntry)
class ProgressEntryAdmin(ScopedAdmin, admin.ModelAdmin):
    ward_path = "dossier__ward"
    list_display = ["dossier", "at", "handler", "department", "national_status"]
    search_fields = ["dossier__official_code", "dossier__code", "handler"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
