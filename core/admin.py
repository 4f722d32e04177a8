from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import Activity, OutboxMessage, Union, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "role", "union", "is_superuser"]
    list_filter = ["role", "union", "is_superuser", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Yizhan", {"fields": ["role", "display_name", "union"]})]


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "created_at"]
    search_fields = ["name", "city"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "recipient", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "recipient", "subject"]
    readonly_fields = ["created_at", "sent_at", "claimed_at"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "object_type", "object_id"]
    list_filter = ["verb", "object_type"]
    search_fields = ["object_id", "verb"]
