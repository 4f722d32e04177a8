"""Admin: read-mostly views of coaching data. Seat counters and booking states change only through
services (the API and pages), so they are read-only here to keep the seat invariant."""

from django.contrib import admin

from coaching.models import Booking, Coach, Program, Slot, Trainee
from coaching.services.catalog import SLOT_FIELDS
from core.admin import ServiceGuardedAdmin


@admin.register(Coach)
class CoachAdmin(admin.ModelAdmin):
    list_display = ["user", "union", "specialties", "buffer_minutes", "min_notice_hours", "horizon_days"]
    list_filter = ["union"]
    search_fields = ["user__username", "user__display_name", "specialties"]
    raw_id_fields = ["user"]


class SlotInline(admin.TabularInline):
    model = Slot
    fields = ["title", "kind", "coach", "starts_at", "ends_at", "capacity", "seats_taken", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "is_published", "cancel_cutoff_hours", "offer_hours", "created_at"]
    list_filter = ["union", "is_published"]
    search_fields = ["title"]
    inlines = [SlotInline]


@admin.register(Slot)
class SlotAdmin(ServiceGuardedAdmin):
    # Time, place and capacity changes notify every booked trainee and update calendars: services only.
    service_fields = ("program", "coach", "kind", *sorted(SLOT_FIELDS))
    add_through_services = True
    list_display = ["title", "program", "coach", "kind", "starts_at", "capacity", "seats_taken", "status"]
    list_filter = ["status", "kind", "program__union"]
    search_fields = ["title", "program__title"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "seats_taken",
        "status",
        "checkin_token",
        "ical_uid",
        "ical_sequence",
        "reminder_24h_for",
        "reminder_1h_for",
        "attendance_closed_at",
        "cancelled_at",
    ]
    list_select_related = ["program", "coach__user"]


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ["user", "masked_phone", "city", "member_no", "union", "created_at"]
    search_fields = ["user__display_name", "phone", "member_no"]
    raw_id_fields = ["user"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "trainee",
        "slot",
        "status",
        "attendance",
        "late_cancel",
        "offer_expires_at",
        "created_at",
    ]
    list_filter = ["status", "attendance", "late_cancel"]
    search_fields = ["trainee__user__display_name", "slot__title"]
    list_select_related = ["trainee__user", "slot"]
    readonly_fields = [f.name for f in Booking._meta.fields]

    def has_add_permission(self, request):
        return False
