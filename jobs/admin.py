from django.contrib import admin

from jobs.models import (
    Application,
    ApplicationEvent,
    Employer,
    EmployerInvitation,
    EmployerMembership,
    JobPosting,
    LineupRequest,
    ShortLink,
)
from jobs.validators import mask_phone


class MembershipInline(admin.TabularInline):
    model = EmployerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "city", "industry", "verified", "created_at"]
    list_filter = ["verified", "city"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["verified_at", "verified_by", "created_at"]
    inlines = [MembershipInline]


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "pay_type", "pay_min", "pay_max", "headcount", "status", "closes_at"]
    list_filter = ["status", "pay_type", "shift", "housing"]
    search_fields = ["title", "employer__name"]
    list_select_related = ["employer"]


@admin.register(LineupRequest)
class LineupRequestAdmin(admin.ModelAdmin):
    list_display = ["employer", "session", "status", "segment", "created_at"]
    list_filter = ["status"]
    list_select_related = ["employer", "session", "segment"]
    raw_id_fields = ["segment", "session"]
    filter_horizontal = ["postings"]


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "note", "by", "created_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    # Admin users are staff, not the employer applied to: numbers stay masked in lists.
    list_display = [
        "name",
        "masked_phone",
        "posting",
        "session",
        "channel",
        "minute_offset",
        "status",
        "created_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["name", "posting__title"]
    list_select_related = ["posting", "session"]
    exclude = ["phone"]
    readonly_fields = ["masked_phone", "created_at", "digested_at", "status_changed_at", "status_changed_by"]
    raw_id_fields = ["posting", "session", "segment"]
    inlines = [EventInline]

    @admin.display(description="mobile")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


admin.site.register(
    ShortLink, list_display=["code", "posting", "session", "created_at"], raw_id_fields=["posting", "session"]
)
admin.site.register(EmployerInvitation, list_display=["email", "employer", "accepted_at", "expires_at"])
