"""Coaches, programs, slots (group classes and 1:1), trainees, bookings with waitlist and attendance.

Seats are protected by the database: ``Slot.seats_taken`` counts confirmed bookings plus open offers
and is only ever changed by conditional UPDATEs inside the booking services; a CheckConstraint keeps it
within ``capacity`` and a partial UniqueConstraint keeps one active booking per trainee and slot.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import IcalUidMixin
from core.phones import cn_mobile_mask

MAX_SLOT_LENGTH = timedelta(hours=12)


def _token() -> str:
    return secrets.token_urlsafe(16)


class Coach(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach")
    union = models.ForeignKey("core.Union", on_delete=models.PROTECT, related_name="coaches")
    bio = models.TextField(_("bio"), blank=True, max_length=5000)
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    # Availability rules for 1:1 slots.
    buffer_minutes = models.PositiveIntegerField(_("buffer between 1:1 slots (minutes)"), default=15)
    min_notice_hours = models.PositiveIntegerField(_("minimum booking notice (hours)"), default=2)
    horizon_days = models.PositiveIntegerField(_("booking horizon (days)"), default=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coach")
        verbose_name_plural = _("coaches")

    def __str__(self):
        return self.user.name


class Program(models.Model):
    """A course, e.g. a 7-day livestream-selling (直播带货) course run by one union."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    union = models.ForeignKey("core.Union", on_delete=models.PROTECT, related_name="programs")
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    location = models.CharField(_("location"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True, max_length=500)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    enrol_opens_at = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrol_closes_at = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("planned trainees"), default=30)
    is_published = models.BooleanField(_("published"), default=True)
    # Rules
    cancel_cutoff_hours = models.PositiveIntegerField(_("free cancellation until (hours before)"), default=12)
    max_active_bookings = models.PositiveIntegerField(_("future bookings per trainee"), default=10)
    offer_hours = models.PositiveIntegerField(_("waitlist offer valid (hours)"), default=12)
    completion_classes = models.PositiveIntegerField(
        _("classes attended to complete (0 = all group classes)"), default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Slot(IcalUidMixin, models.Model):
    ical_uid_prefix = "slot"

    class Kind(models.TextChoices):
        GROUP = "group", _("group class")
        ONE_ON_ONE = "one_on_one", _("1:1 coaching")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="slots")
    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="slots")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GROUP)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    location = models.CharField(_("location"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True, max_length=500)
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    checkin_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    # Tick claims: the starts_at a reminder was sent for; when attendance was closed (no-shows marked).
    reminder_24h_for = models.DateTimeField(null=True, blank=True)
    reminder_1h_for = models.DateTimeField(null=True, blank=True)
    attendance_closed_at = models.DateTimeField(null=True, blank=True)
    ical_uid = models.CharField(max_length=255, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("class slot")
        verbose_name_plural = _("class slots")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="slot_seats_within_capacity"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(kind="one_on_one") | Q(capacity=1), name="slot_one_on_one_single_seat"
            ),
        ]
        indexes = [
            models.Index(
                fields=["ends_at"], name="slot_attendance_open", condition=Q(attendance_closed_at=None)
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class Trainee(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainee")
    union = models.ForeignKey(
        "core.Union", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 11 national digits (core/phones.py); unique so one number cannot own two trainee accounts.
    phone = models.CharField(_("mobile"), max_length=20, unique=True)
    member_no = models.CharField(_("union member number"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")

    def __str__(self):
        return f"{self.user.name} ({self.masked_phone})"

    @property
    def masked_phone(self) -> str:
        return cn_mobile_mask(self.phone)


ACTIVE_STATUSES = ("confirmed", "waitlisted", "offered")
SEAT_STATUSES = ("confirmed", "offered")


class Booking(IcalUidMixin, models.Model):
    ical_uid_prefix = "booking"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("waitlisted")
        OFFERED = "offered", _("seat offered")
        CANCELLED = "cancelled", _("cancelled")
        DECLINED = "declined", _("offer declined")
        EXPIRED = "expired", _("expired")

    class Attendance(models.TextChoices):
        UNMARKED = "", _("not marked")
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")
        NO_SHOW = "no_show", _("no-show (automatic)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings")
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="bookings")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # Waitlist order: lower priority value first, then join time (see docs/coaching.md).
    priority = models.PositiveIntegerField(default=0)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    late_cancel = models.BooleanField(default=False)
    moved_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default="", blank=True
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Who made the booking when it was not the trainee (front-desk sign-up by an organizer or coach).
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ical_uid = models.CharField(max_length=255, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "slot"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="booking_one_active_per_trainee_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="booking_offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["slot", "priority", "created_at"],
                name="booking_waitlist",
                condition=Q(status="waitlisted"),
            ),
            models.Index(
                fields=["offer_expires_at"], name="booking_offer_due", condition=Q(status="offered")
            ),
        ]

    def __str__(self):
        return f"{self.trainee} → {self.slot} [{self.status}]"
