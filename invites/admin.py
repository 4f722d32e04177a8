from django.contrib import admin

from invites.models import CalendarEvent, InviteAttendee, InviteDelivery


class AttendeeInline(admin.TabularInline):
    model = InviteAttendee
    extra = 0
    can_delete = False
    fields = ["name", "email", "role", "active", "last_method", "last_sequence", "removed_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    list_display = ["summary", "source_kind", "starts_at", "status", "sequence", "uid", "union"]
    list_filter = ["status", "source_kind", "union"]
    search_fields = ["summary", "uid", "source_key"]
    date_hierarchy = "starts_at"
    inlines = [AttendeeInline]
    readonly_fields = [f.name for f in CalendarEvent._meta.fields]

    def has_add_permission(self, request):
        return False


class DeliveryInline(admin.TabularInline):
    model = InviteDelivery
    extra = 0
    can_delete = False
    fields = ["method", "sequence", "recipient", "delivery_status", "outbox", "created_at"]
    readonly_fields = fields

    @admin.display(description="delivery status")
    def delivery_status(self, obj):
        return obj.status

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InviteAttendee)
class InviteAttendeeAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "role", "active", "last_method", "last_sequence"]
    list_filter = ["active", "last_method", "role"]
    search_fields = ["name", "email", "event__uid", "event__summary"]
    list_select_related = ["event"]
    raw_id_fields = ["user", "event"]
    inlines = [DeliveryInline]


@admin.register(InviteDelivery)
class InviteDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "uid", "sequence", "recipient", "delivery_status", "attempts"]
    list_filter = ["method", "outbox__status"]
    search_fields = ["uid", "recipient"]
    list_select_related = ["outbox"]
    raw_id_fields = ["attendee", "outbox"]
    readonly_fields = ["attendee", "uid", "sequence", "method", "recipient", "outbox", "created_at"]

    @admin.display(description="delivery status", ordering="outbox__status")
    def delivery_status(self, obj):
        return obj.status

    @admin.display(description="attempts")
    def attempts(self, obj):
        return obj.outbox.attempts if obj.outbox_id else 0
