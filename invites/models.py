"""Calendar state: one row per published event, per invited person, per invite sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CalendarEvent(models.Model):
    """The last published state of one invite source (a session, a lineup segment, a slot…).

    Holds the calendar identity (UID generated once, SEQUENCE) for sources that have no fields of their
    own, a snapshot of what the invite said (to send a CANCEL after the object is gone) and the
    pre-rendered VEVENT that feeds splice together.
    """

    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", _("confirmed")
        TENTATIVE = "TENTATIVE", _("tentative")
        CANCELLED = "CANCELLED", _("cancelled")

    source_key = models.CharField(max_length=200, unique=True)
    source_kind = models.CharField(max_length=64, db_index=True)
    source_id = models.CharField(max_length=64)
    parent_key = models.CharField(max_length=200, blank=True, db_index=True)
    union = models.ForeignKey("core.Union", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    series_id = models.UUIDField(null=True, blank=True)
    is_public = models.BooleanField(default=False)

    uid = models.CharField(max_length=255, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=600, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)

    summary = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    location = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=500, blank=True)
    organizer_email = models.CharField(max_length=254, blank=True)
    organizer_name = models.CharField(max_length=200, blank=True)
    alarm_minutes = models.PositiveIntegerField(null=True, blank=True)

    # Feed bodies (PUBLISH VEVENT, no attendees): as published, and as a removed attendee sees it.
    vevent = models.TextField()
    vevent_cancelled = models.TextField()

    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["series_id", "starts_at"], name="calendar_series_feed", condition=Q(is_public=True)
            )
        ]

    def __str__(self):
        return f"{self.summary} ({self.uid} #{self.sequence})"


class PartStat(models.TextChoices):
    NEEDS_ACTION = "NEEDS-ACTION", _("no answer")
    ACCEPTED = "ACCEPTED", _("accepted")
    DECLINED = "DECLINED", _("declined")
    TENTATIVE = "TENTATIVE", _("tentative")
    DELEGATED = "DELEGATED", _("delegated")


class InviteAttendee(models.Model):
    """One person's invitation to one event and what they were last sent."""

    class Method(models.TextChoices):
        REQUEST = "REQUEST", "REQUEST"
        CANCEL = "CANCEL", "CANCEL"

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="attendees")
    key = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, default="REQ-PARTICIPANT")
    active = models.BooleanField(default=True)
    # The SEQUENCE put in the last email to this person (never decreases for them) and the event's
    # SEQUENCE at that moment (tells whether they have seen the latest change).
    last_sequence = models.PositiveIntegerField(default=0)
    last_method = models.CharField(max_length=8, choices=Method.choices, default=Method.REQUEST)
    seen_sequence = models.PositiveIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The person's last iTIP REPLY (RFC 5546): their answer, the SEQUENCE it answered and its DTSTAMP.
    partstat = models.CharField(max_length=16, choices=PartStat.choices, default=PartStat.NEEDS_ACTION)
    replied_sequence = models.PositiveIntegerField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invited person")
        verbose_name_plural = _("invited people")
        constraints = [models.UniqueConstraint(fields=["event", "key"], name="invite_attendee_once")]
        indexes = [models.Index(fields=["user", "active"], name="invite_attendee_user")]

    def __str__(self):
        return f"{self.name or self.email or self.key} → {self.event.uid}"

    @property
    def answer(self) -> str:
        """The answer to the event as it is now: one given to an older SEQUENCE is no answer yet."""
        if self.replied_sequence is None or self.replied_sequence < self.event.sequence:
            return PartStat.NEEDS_ACTION
        return self.partstat


class InviteDelivery(models.Model):
    """One invite email: (UID, attendee, SEQUENCE, METHOD). Its delivery status is the outbox row's."""

    attendee = models.ForeignKey(InviteAttendee, on_delete=models.CASCADE, related_name="deliveries")
    uid = models.CharField(max_length=255, db_index=True)
    sequence = models.PositiveIntegerField()
    method = models.CharField(max_length=8, choices=InviteAttendee.Method.choices)
    recipient = models.CharField(max_length=254, blank=True)
    outbox = models.ForeignKey(
        "core.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invite delivery")
        verbose_name_plural = _("invite deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attendee", "sequence", "method"], name="invite_delivery_once_per_sequence"
            )
        ]

    def __str__(self):
        return f"{self.method} {self.uid} #{self.sequence} → {self.recipient or '(no address)'}"

    @property
    def status(self) -> str:
        return self.outbox.status if self.outbox_id else "undeliverable"


class CalendarFeedState(models.Model):
    """When anything in a user's personal feed last changed: makes the feed's ETag a one-row read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed_state",
    )
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"feed of {self.user_id} changed {self.changed_at:%Y-%m-%d %H:%M:%S}"
