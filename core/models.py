import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Union(models.Model):
    """A tenant: a city trade union or public employment service. Organizers work inside one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("union")
        verbose_name_plural = _("unions")

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("organizer")
        EMPLOYER = "employer", _("employer member")
        COACH = "coach", _("coach")
        TRAINEE = "trainee", _("trainee")
        HOST = "host", _("host")
        NONE = "", _("none")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True, default="")
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    union = models.ForeignKey(Union, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    # Personal calendar feed token (invites issue); rotating it revokes the old URL.
    calendar_token = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Channel(models.TextChoices):
        AUTO = "", _("自动（有邮箱发邮件，否则发短信）")
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        BOTH = "both", _("邮件和短信")

    # Notification preferences (auth issue): which channels, and the zone times are shown in.
    notify_channel = models.CharField(
        _("通知方式"), max_length=8, choices=Channel.choices, blank=True, default=""
    )
    time_zone = models.CharField(_("时区"), max_length=64, blank=True, default="")
    # The language notices to this person are written in, and their pages after sign-in; empty: the
    # site's (settings.LANGUAGE_CODE). Codes from settings.LANGUAGES.
    language = models.CharField(_("语言"), max_length=8, blank=True, default="")
    # A staff member's mobile (11 national digits) for SMS notices, SMS invitations and phone sign-in;
    # trainees keep theirs on the trainee profile (unique there).
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="", db_index=True)

    @property
    def is_organizer(self) -> bool:
        return self.is_superuser or self.role == self.Role.ORGANIZER

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def public_name(self) -> str:
        """What anonymous visitors may see: the display name, never the login name."""
        return (
            self.display_name or self.get_full_name() or str(self.Role(self.role).label if self.role else "")
        )

    def rotate_calendar_token(self) -> str:
        self.calendar_token = secrets.token_urlsafe(32)
        self.save(update_fields=["calendar_token"])
        return self.calendar_token


class OutboxMessage(models.Model):
    """One side effect to deliver (an email today). The unique key makes enqueueing idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DEAD = "dead", _("gave up")
        UNDELIVERABLE = "undeliverable", _("undeliverable")

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=32, default="email")
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"{self.key} [{self.status}]"


class Activity(models.Model):
    """Audit log: who did what to which object."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "activities"

    def __str__(self):
        return f"{self.verb} {self.object_type}:{self.object_id}"


class IcalUidMixin:
    """Gives a model with an ``ical_uid`` field its stable calendar UID on first save:
    ``<ical_uid_prefix>-<pk>@<SITE_DOMAIN>`` (the pk is a UUID set before saving). Stored once, never
    changed, so every update and cancellation of the event reaches the same calendar entry."""

    ical_uid_prefix = ""

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"{self.ical_uid_prefix}-{self.pk}@{settings.SITE_DOMAIN}"
        super().save(*args, **kwargs)


class RateCounter(models.Model):
    """A rate-limit window counted in PostgreSQL while Redis is unreachable (core.ratelimit).

    The key names its window (``…:<window number>``), so a row is only ever incremented; rows past
    ``expires_at`` are deleted as new windows open.
    """

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key} = {self.count}"


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS. Only a keyed hash is stored; the row also counts the sends
    per number and per client address (rate limits live in PostgreSQL, so sign-in works without Redis)."""

    phone = models.CharField(max_length=20, db_index=True)  # E.164
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    known = models.BooleanField(default=False)  # an account has this number (an SMS was sent)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"], name="phonecode_ip_recent")]

    def __str__(self):
        return f"code for {self.phone[:6]}… at {self.created_at:%H:%M:%S}"
