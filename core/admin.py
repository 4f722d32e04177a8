from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import Activity, OutboxMessage, Union, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "role", "union", "is_superuser", "is_active"]
    list_filter = ["role", "union", "is_superuser", "is_staff", "is_active"]
    list_select_related = ["union"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "union__name"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Yizhan", {"fields": ["role", "display_name", "union"]})]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("Yizhan", {"fields": ["email", "role", "display_name", "union"]}),
    ]


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "created_at"]
    list_filter = ["city"]
    search_fields = ["name", "city"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "recipient", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "recipient", "subject", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = ["key", "created_at", "sent_at", "claimed_at", "attempts", "last_error"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the system (audit log, raw events, computed results): look, never touch."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """The audit log is read-only, even for superusers."""

    list_display = ["created_at", "actor", "verb", "object_type", "object_id"]
    list_filter = ["verb", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["object_id", "verb", "actor__username"]
    date_hierarchy = "created_at"


class ServiceGuardedAdmin(admin.ModelAdmin):
    """Admin for models whose changes must pass through a service (notifications, calendar invites,
    reminders, overlap and seat rules). On an existing object the ``service_fields`` are read-only here;
    change them through the API or the app's pages so everyone affected is told. With
    ``add_through_services`` the admin cannot create objects either."""

    service_fields: tuple[str, ...] = ()
    add_through_services = False

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [name for name in self.service_fields if name not in readonly]
        return readonly

    def has_add_permission(self, request, *args):
        return not self.add_through_services and super().has_add_permission(request, *args)
