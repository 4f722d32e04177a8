import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MAX_SESSION_LENGTH = timedelta(hours=12)


class Series(models.Model):
    """A season of sessions, e.g. a city's spring "cloud recruitment" series."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    union = models.ForeignKey("core.Union", on_delete=models.PROTECT, related_name="series")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    is_public = models.BooleanField(_("public"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class LiveSession(models.Model):
    class Kind(models.TextChoices):
        JOB_FAIR = "job_fair", _("livestream job fair")
        SALES = "sales", _("livestream selling")

    class Platform(models.TextChoices):
        DOUYIN = "douyin", _("Douyin")
        KUAISHOU = "kuaishou", _("Kuaishou")
        WECHAT_CHANNELS = "wechat_channels", _("WeChat Channels")
        BILIBILI = "bilibili", _("Bilibili")
        TAOBAO = "taobao", _("Taobao Live")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        LIVE = "live", _("live")
        ENDED = "ended", _("ended")
        CANCELLED = "cancelled", _("cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    union = models.ForeignKey("core.Union", on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="hosted_sessions")
    platform = models.CharField(
        _("platform"), max_length=32, choices=Platform.choices, default=Platform.DOUYIN
    )
    stream_url = models.URLField(_("stream URL"), blank=True, max_length=500)
    platform_room_id = models.CharField(_("platform room id"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_public = models.BooleanField(_("public"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    went_live_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    # Reminder claims: set by the tick's conditional UPDATE; the value is the starts_at it was sent for.
    reminder_24h_for = models.DateTimeField(null=True, blank=True)
    reminder_1h_for = models.DateTimeField(null=True, blank=True)
    # Calendar identity (RFC 5545): UID generated once, SEQUENCE raised on time/status/location change.
    ical_uid = models.CharField(max_length=255, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("livestream session")
        verbose_name_plural = _("livestream sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + MAX_SESSION_LENGTH), name="session_at_most_12h"
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="session_due_to_start", condition=Q(status="scheduled")),
            models.Index(fields=["ends_at"], name="session_due_to_end", condition=Q(status="live")),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"session-{self.id}@{settings.SITE_DOMAIN}"
        super().save(*args, **kwargs)


class Segment(models.Model):
    """An ordered slot of the lineup inside a session (an employer's turn, a seller's turn…)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="segments")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    position = models.PositiveIntegerField(default=0)
    # Trainee seller on air in this segment (sales sessions); employers attach through jobs.LineupRequest.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="selling_segments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="segment_ends_after_start"),
        ]

    def __str__(self):
        return self.title
