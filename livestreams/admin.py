from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceGuardedAdmin
from livestreams.models import (
    IngestCredential,
    LiveCounterState,
    LiveEvent,
    LiveSession,
    Order,
    Product,
    Segment,
    Series,
    SessionResult,
)

# Times, place and people of a session or segment change through livestreams.services (hosts, sellers and
# employers get updated invites, reminders move, overlaps are refused), so the admin shows them read-only.
SESSION_SERVICE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "timezone",
    "platform",
    "stream_url",
    "hosts",
)
SEGMENT_SERVICE_FIELDS = ("session", "position", "title", "starts_at", "ends_at", "seller")


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0
    fields = ["position", "title", "starts_at", "ends_at", "seller"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SessionInline(admin.TabularInline):
    model = LiveSession
    extra = 0
    fields = ["title", "kind", "status", "starts_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "is_public", "created_at"]
    list_filter = ["union", "is_public"]
    list_select_related = ["union"]
    search_fields = ["title", "description", "union__name"]
    inlines = [SessionInline]


@admin.register(LiveSession)
class LiveSessionAdmin(ServiceGuardedAdmin):
    service_fields = SESSION_SERVICE_FIELDS
    """Status moves only through the API/services (schedule, cancel, go-live, end) and the tick."""

    list_display = [
        "title",
        "kind",
        "status",
        "starts_at",
        "ends_at",
        "timezone",
        "platform",
        "series",
        "union",
    ]
    list_filter = ["status", "kind", "platform", "is_public", "union", "series"]
    list_select_related = ["series", "union"]
    search_fields = ["title", "description", "platform_room_id", "series__title", "ical_uid", "=id"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "status",
        "ical_uid",
        "ical_sequence",
        "went_live_at",
        "ended_at",
        "cancelled_at",
        "cancel_reason",
        "reminder_24h_for",
        "reminder_1h_for",
        "created_by",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["series"]
    filter_horizontal = ["hosts"]
    inlines = [SegmentInline]


@admin.register(Segment)
class SegmentAdmin(ServiceGuardedAdmin):
    service_fields = SEGMENT_SERVICE_FIELDS
    add_through_services = True
    list_display = ["title", "session", "position", "starts_at", "ends_at", "seller"]
    list_filter = ["session__kind", "session__status"]
    list_select_related = ["session", "seller"]
    search_fields = ["title", "session__title", "seller__username", "seller__display_name"]
    raw_id_fields = ["seller"]
    autocomplete_fields = ["session"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "price", "seller", "union", "created_at"]
    list_filter = ["union"]
    list_select_related = ["seller", "union"]
    search_fields = ["name", "sku", "seller__username", "seller__display_name"]
    raw_id_fields = ["seller"]


# What a streaming bridge sent and what the results computed: the record, never edited by hand.


@admin.register(LiveEvent)
class LiveEventAdmin(ReadOnlyAdmin):
    list_display = ["ts", "session", "kind", "viewer", "is_question", "answered_at"]
    list_filter = ["kind", "is_question"]
    list_select_related = ["session"]
    search_fields = ["event_id", "viewer", "=session__id"]
    show_full_result_count = False  # millions of rows: skip the second COUNT(*)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["ordered_at", "session", "platform_order_id", "product", "amount", "status", "channel"]
    list_filter = ["status", "channel"]
    list_select_related = ["session", "product"]
    search_fields = ["platform_order_id", "buyer", "=session__id"]


@admin.register(IngestCredential)
class IngestCredentialAdmin(ReadOnlyAdmin):
    """Key ids and state only: the token hash and signing secret are never shown."""

    list_display = ["key_id", "session", "label", "created_at", "expires_at", "revoked_at"]
    fields = ["key_id", "session", "label", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["session__union"]
    list_select_related = ["session"]
    search_fields = ["key_id", "label", "=session__id"]


@admin.register(SessionResult)
class SessionResultAdmin(ReadOnlyAdmin):
    list_display = ["session", "computed_at", "unique_viewers", "peak_concurrent", "applications", "gmv_net"]
    list_filter = ["session__union", "session__kind"]
    list_select_related = ["session"]
    search_fields = ["session__title", "=session__id"]
    exclude = ["timeline"]  # per-minute rows: see the results page


@admin.register(LiveCounterState)
class LiveCounterStateAdmin(ReadOnlyAdmin):
    list_display = ["session", "dirty_since", "rebuilt_at"]
    list_filter = ["session__union"]
    list_select_related = ["session"]
    search_fields = ["session__title"]
