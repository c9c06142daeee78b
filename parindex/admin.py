from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from parindex.models import AccessLog, City, Membership, Ward
from parindex.targets import YearTarget

User = get_user_model()


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    search_fields = ["code", "name"]


@admin.register(Ward)
class WardAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "city"]
    list_filter = ["city"]
    search_fields = ["code", "name"]


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    max_num = 1


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "membership"]
    list_select_related = ["membership"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
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
class YearTargetAdmin(SimpleHistoryAdmin):
    list_display = ["year", "city", "ward", "indicator", "field", "direction", "threshold"]
    list_filter = ["year", "city", "indicator"]
