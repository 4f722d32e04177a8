from django.contrib import admin

from livestreams.models import LiveSession, Segment, Series


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0
    fields = ["position", "title", "starts_at", "ends_at", "seller"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "is_public", "created_at"]
    list_filter = ["union", "is_public"]
    search_fields = ["title"]


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "starts_at", "ends_at", "timezone", "platform", "series"]
    list_filter = ["status", "kind", "platform", "series", "union"]
    search_fields = ["title", "description", "platform_room_id"]
    date_hierarchy = "starts_at"
    readonly_fields = ["ical_uid", "ical_sequence", "went_live_at", "ended_at", "cancelled_at"]
    filter_horizontal = ["hosts"]
    inlines = [SegmentInline]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "position", "starts_at", "ends_at", "seller"]
    search_fields = ["title", "session__title"]
