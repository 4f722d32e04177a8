import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import IcalUidMixin

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


class LiveSession(IcalUidMixin, models.Model):
    ical_uid_prefix = "session"

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


# --- Live tracking and results (issue 6) -----------------------------------------------------------


class IngestCredential(models.Model):
    """A streaming bridge's credential for one session.

    The bearer token ``yzi_<key_id>_<secret>`` is stored only as a SHA-256 hash. The webhook signing
    secret has to be kept readable, because verifying an HMAC needs the key itself.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="ingest_credentials")
    key_id = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64)
    signing_secret = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"ingest key {self.key_id}"


class LiveEvent(models.Model):
    """One raw event from the bridge. Append-only; (session, event_id) makes replays harmless."""

    class Kind(models.TextChoices):
        JOIN = "join", _("join")
        LEAVE = "leave", _("leave")
        HEARTBEAT = "heartbeat", _("heartbeat")
        COMMENT = "comment", _("comment")
        LIKE = "like", _("like")
        SHARE = "share", _("share")
        FOLLOW = "follow", _("follow")
        JOB_CARD_CLICK = "job_card_click", _("job card click")
        PRODUCT_CLICK = "product_click", _("product click")

    id = models.BigAutoField(primary_key=True)
    # No database FK: the constraint check costs on every row of a hot append-only table; rows are
    # still deleted with their session through Django's collector.
    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, db_constraint=False, related_name="live_events"
    )
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    ts = models.DateTimeField()
    viewer = models.CharField(max_length=130)
    # The member's device (the bridge's device_id) when a member_id is the viewer key: a member's presence
    # is the union of their devices. Empty for device viewers (the device is the key) and bare members.
    device = models.CharField(max_length=128, blank=True, default="", db_default="")
    ref = models.UUIDField(null=True, blank=True)  # posting (job_card_click) or product (product_click)
    text = models.TextField(blank=True, default="")
    is_question = models.BooleanField(default=False)
    body_hash = models.CharField(max_length=32)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "event_id"], name="live_event_unique_id"),
        ]
        indexes = [
            models.Index(
                fields=["session", "ts"], name="live_event_questions", condition=Q(is_question=True)
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.event_id}"


class Product(models.Model):
    """Something a trainee seller sells on air. Price in CNY."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    union = models.ForeignKey("core.Union", on_delete=models.PROTECT, related_name="products")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(_("price (CNY)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["union", "sku"], name="product_sku_unique_per_union"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"


class Order(models.Model):
    """A platform order placed during (or after) a session. A refund updates the same row."""

    class Status(models.TextChoices):
        PAID = "paid", _("paid")
        REFUNDED = "refunded", _("refunded")

    class Channel(models.TextChoices):
        LIVE = "live", _("live")
        REPLAY = "replay", _("replay / later")

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="orders")
    platform_order_id = models.CharField(max_length=100)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    buyer = models.CharField(max_length=130)
    ordered_at = models.DateTimeField()
    minute_offset = models.IntegerField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.LIVE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    refunded_at = models.DateTimeField(null=True, blank=True)
    body_hash = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ordered_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "platform_order_id"], name="order_unique_platform_id"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
        ]

    def __str__(self):
        return f"order {self.platform_order_id}"


class LiveCounterState(models.Model):
    """Marks a session whose Redis counters missed a write (Redis was down) and must be rebuilt."""

    session = models.OneToOneField(
        LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="counter_state"
    )
    dirty_since = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"counters of {self.session_id}"


class SessionResult(models.Model):
    """The stored scorecard of one session, computed from PostgreSQL. Numerators and denominators."""

    session = models.OneToOneField(LiveSession, on_delete=models.CASCADE, related_name="result")
    computed_at = models.DateTimeField()
    live_seconds = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    peak_concurrent = models.PositiveIntegerField(default=0)
    total_watch_seconds = models.BigIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    questions_answered = models.PositiveIntegerField(default=0)
    applications = models.PositiveIntegerField(default=0)
    applicants = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    buyers = models.PositiveIntegerField(default=0)
    gmv_gross = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    gmv_net = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    scorecard = models.JSONField(default=dict)
    breakdowns = models.JSONField(default=dict)
    timeline = models.JSONField(default=list)

    def __str__(self):
        return f"result of {self.session_id}"


class ResultRefresh(models.Model):
    """What a stored result was computed from, so late inputs bring it up to date (debounced by the tick).

    ``event_id_max`` is the newest raw event id seen when the result was computed; orders and applications
    are compared by their own change times against ``computed_at``.
    """

    session = models.OneToOneField(
        LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="result_refresh"
    )
    event_id_max = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"refresh of {self.session_id}"


class LiveFold(models.Model):
    """How far a session's raw events are folded into per-minute and per-viewer aggregates
    (livestreams/live/aggregates.py), and the session-wide part of those aggregates.

    ``through_id``: every event with a smaller or equal id is folded, except ``pending`` (ids whose
    time was past the fold's horizon). ``went_live_at``, ``bounds`` (segment edges) and ``ended_at``
    are what the fold assumed; when the session disagrees, the aggregates are refolded from scratch.
    """

    session = models.OneToOneField(LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="+")
    through_id = models.BigIntegerField(default=0)
    pending = models.JSONField(default=list, blank=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    bounds = models.JSONField(default=list, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    horizon_at = models.DateTimeField(null=True, blank=True)  # newest event time folded while live
    minutes = models.JSONField(default=dict, blank=True)  # "<minute>" -> {metric: count}
    refs = models.JSONField(default=dict, blank=True)  # "<kind>\t<ref>" -> count
    # "<segment bucket>" -> [views, comments, questions, likes, shares, follows, job card clicks, product
    # clicks, viewers, commenters]; ``totals`` the same list for the whole session
    buckets = models.JSONField(default=dict, blank=True)
    totals = models.JSONField(default=list, blank=True)
    folded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"fold of {self.session_id}"


class LiveFoldViewer(models.Model):
    """One viewer's folded events: the segment buckets they were seen and commented in, and watch time
    as merged pieces.

    ``runs``: [[start_ms, end_ms], …] of closed pieces (contiguous ones merged); ``last_*``: the newest
    presence event, whose piece stays open until the next one. ``dirty``: an event arrived out of order,
    or the viewer watched on several devices — their watch time is read from the raw events instead.
    """

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    viewer = models.CharField(max_length=130)
    devices = models.JSONField(default=list, blank=True)
    dirty = models.BooleanField(default=False)
    last_us = models.BigIntegerField(null=True, blank=True)  # its time, microseconds since the epoch
    last_eid = models.CharField(max_length=100, blank=True, default="")
    last_t = models.BigIntegerField(null=True, blank=True)
    last_kind = models.CharField(max_length=16, blank=True, default="")
    runs = models.JSONField(default=list, blank=True)
    # The segment buckets the viewer has an event in, and those they commented in (distinct viewers and
    # commenters per bucket are counted as the fold first sees them there).
    buckets = ArrayField(models.IntegerField(), default=list, blank=True)
    commented = ArrayField(models.IntegerField(), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "viewer"], name="live_fold_viewer_unique"),
        ]

    def __str__(self):
        return f"{self.viewer} in {self.session_id}"
