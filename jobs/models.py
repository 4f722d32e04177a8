import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.phones import cn_mobile_mask


class Employer(models.Model):
    """A company recruiting through the fairs. Organizers verify it before it can join a lineup."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    district = models.CharField(_("district"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact mobile"), max_length=11, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class EmployerMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        RECRUITER = "recruiter", _("recruiter")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_membership"
    )
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employer membership")

    def __str__(self):
        return f"{self.user} @ {self.employer} ({self.role})"


def _invite_token() -> str:
    return secrets.token_urlsafe(24)


class EmployerInvitation(models.Model):
    """An owner invites a recruiter by email, or by SMS where only a mobile number is known; accepting
    (single use, before ``expires_at``) creates the recruiter's account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    phone = models.CharField(_("mobile"), max_length=11, blank=True, default="")
    token = models.CharField(max_length=64, unique=True, default=_invite_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.email or self.masked_phone} → {self.employer_id}"

    @property
    def masked_phone(self) -> str:
        return cn_mobile_mask(self.phone)


class JobPosting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        PAUSED = "paused", _("paused")
        CLOSED = "closed", _("closed")
        FILLED = "filled", _("filled")

    class PayType(models.TextChoices):
        MONTHLY = "monthly", _("月薪")
        HOURLY = "hourly", _("时薪")
        DAILY = "daily", _("日薪")
        PIECE = "piece", _("计件")

    class Shift(models.TextChoices):
        DAY = "day", _("长白班")
        NIGHT = "night", _("夜班")
        ROTATING = "rotating", _("两班倒/轮班")

    class Housing(models.TextChoices):
        NONE = "none", _("不包住")
        DORM = "dorm", _("包住（宿舍）")
        COUPLES = "couples", _("提供夫妻房")
        ALLOWANCE = "allowance", _("住房补贴")

    class Meals(models.TextChoices):
        NONE = "none", _("不包吃")
        FREE = "free", _("包吃")
        SUBSIDIZED = "subsidized", _("餐补/食堂优惠")

    class Education(models.TextChoices):
        ANY = "any", _("不限")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专")
        COLLEGE = "college", _("大专")
        BACHELOR = "bachelor", _("本科")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="postings")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    pay_type = models.CharField(_("pay type"), max_length=16, choices=PayType.choices)
    pay_min = models.DecimalField(_("pay from (CNY)"), max_digits=10, decimal_places=2)
    pay_max = models.DecimalField(_("pay up to (CNY)"), max_digits=10, decimal_places=2)
    headcount = models.PositiveIntegerField(_("headcount"))
    city = models.CharField(_("city"), max_length=64)
    district = models.CharField(_("district"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    shift = models.CharField(_("shift"), max_length=16, choices=Shift.choices)
    housing = models.CharField(_("housing"), max_length=16, choices=Housing.choices)
    meals = models.CharField(_("meals"), max_length=16, choices=Meals.choices)
    # 五险一金: pension, medical, unemployment, work injury, maternity insurance + housing fund.
    ins_pension = models.BooleanField(_("pension insurance"), default=False)
    ins_medical = models.BooleanField(_("medical insurance"), default=False)
    ins_unemployment = models.BooleanField(_("unemployment insurance"), default=False)
    ins_work_injury = models.BooleanField(_("work-injury insurance"), default=False)
    ins_maternity = models.BooleanField(_("maternity insurance"), default=False)
    housing_fund = models.BooleanField(_("housing fund"), default=False)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, default="any")
    experience_years = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=20), default=list, blank=True, size=10)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(pay_max__gte=F("pay_min")), name="posting_pay_min_le_max"),
            models.CheckConstraint(condition=Q(pay_min__gte=0), name="posting_pay_not_negative"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="posting_headcount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["closes_at"], name="posting_due_to_close", condition=Q(status__in=["open", "paused"])
            )
        ]

    def __str__(self):
        return f"{self.title} · {self.employer_id}"

    @property
    def insurance_labels(self) -> list[str]:
        labels = [
            ("ins_pension", gettext("养老")),
            ("ins_medical", gettext("医疗")),
            ("ins_unemployment", gettext("失业")),
            ("ins_work_injury", gettext("工伤")),
            ("ins_maternity", gettext("生育")),
            ("housing_fund", gettext("公积金")),
        ]
        return [label for field, label in labels if getattr(self, field)]


class LineupRequest(models.Model):
    """An employer's request for a slot in a job fair, with the postings it wants featured."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REMOVED = "removed", _("removed by organizer")
        # The employer lost its verification; re-verifying does not put it back (it asks again).
        SUSPENDED = "suspended", _("suspended: employer not verified")

    ACTIVE = (Status.REQUESTED, Status.APPROVED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="lineup_requests")
    session = models.ForeignKey(
        "livestreams.LiveSession", on_delete=models.CASCADE, related_name="lineup_requests"
    )
    postings = models.ManyToManyField(JobPosting, related_name="lineup_requests")
    note = models.CharField(_("note to the organizer"), max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    segment = models.OneToOneField(
        "livestreams.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="lineup_request"
    )
    # The segment the employer would like (the organizer still decides; approval may use another).
    preferred_segment = models.ForeignKey(
        "livestreams.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Its title when asked, so a preferred segment deleted since (a suspension took it away, the
    # organizer deleted it) reads as "cancelled" rather than as no preference.
    preferred_segment_title = models.CharField(max_length=200, blank=True)
    # The segment a suspension took away (id, title, description, offset from the session's start and
    # length, in seconds), so reinstating can put the same calendar entry back (same UID) even after
    # the session was postponed.
    suspended_segment = models.JSONField(default=dict, blank=True)
    # Snapshot of the segment's times at approval, so a moved segment is noticed (calendar updates).
    segment_starts_at = models.DateTimeField(null=True, blank=True)
    segment_ends_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "session"],
                condition=Q(status__in=["requested", "approved"]),
                name="lineup_one_active_request_per_employer_session",
            )
        ]

    def __str__(self):
        return f"{self.employer_id} → {self.session_id} [{self.status}]"


def _short_code() -> str:
    return secrets.token_urlsafe(6)[:8]


class ShortLink(models.Model):
    """/j/<code>/ → the apply page for (session, posting); session is null for a direct link."""

    code = models.CharField(max_length=16, unique=True, default=_short_code)
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="short_links")
    session = models.ForeignKey(
        "livestreams.LiveSession", null=True, blank=True, on_delete=models.CASCADE, related_name="job_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "session"], name="shortlink_one_per_posting_session", nulls_distinct=False
            )
        ]

    def __str__(self):
        return self.code


class Application(models.Model):
    class Channel(models.TextChoices):
        LIVE = "live", _("during the livestream")
        REPLAY = "replay", _("replay / after the livestream")
        DIRECT = "direct", _("direct")

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        CONTACTED = "contacted", _("contacted")
        INTERVIEW = "interview", _("interview")
        OFFER = "offer", _("offer")
        HIRED = "hired", _("hired")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="applications")
    session = models.ForeignKey(
        "livestreams.LiveSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    segment = models.ForeignKey(
        "livestreams.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile"), max_length=11)
    note = models.CharField(_("note"), max_length=200, blank=True)
    minute_offset = models.IntegerField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the application was announced to the employer in a digest email.
    digested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "phone"], name="application_one_per_posting_phone"),
        ]
        indexes = [
            models.Index(fields=["session", "posting"], name="application_session_posting"),
            models.Index(
                fields=["created_at"], name="application_undigested", condition=Q(digested_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.posting_id}"


class ApplicationEvent(models.Model):
    """Every status change (and note) on an application: what, when, who."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.from_status}→{self.to_status} {self.note[:30]}"
