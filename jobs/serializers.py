from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import EmailOrMobileSerializer, MaskedMobileField, StrictSerializer
from jobs.models import Application, ApplicationEvent, Employer, EmployerMembership, JobPosting, LineupRequest
from jobs.services.common import POSTING_FIELD_ORDER
from jobs.validators import (
    InvalidPhone,
    credit_code_error,
    mask_phone,
    normalize_credit_code,
    normalize_mobile,
)

# --- Employers ---


class EmployerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = [
            "id",
            "name",
            "credit_code",
            "industry",
            "city",
            "district",
            "contact_name",
            "contact_phone",
            "contact_email",
            "verified",
            "verified_at",
            "created_at",
        ]
        read_only_fields = fields


class EmployerInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=40)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=64, required=False, allow_blank=True)
    district = serializers.CharField(max_length=64, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_credit_code(self, value):
        value = normalize_credit_code(value)
        message = credit_code_error(value)
        if message:
            raise serializers.ValidationError(message)
        return value

    def validate_contact_phone(self, value):
        if not value:
            return value
        try:
            return normalize_mobile(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc)) from exc


class EmployerSignupSerializer(EmployerInputSerializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    email = serializers.EmailField()
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class SignupOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    employer = EmployerSerializer()


class VerifyInputSerializer(StrictSerializer):
    verified = serializers.BooleanField(default=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.name")
    email = serializers.CharField(source="user.email")  # may be empty: not every account has one

    class Meta:
        model = EmployerMembership
        fields = ["id", "username", "name", "email", "role", "created_at"]


class InviteInputSerializer(EmailOrMobileSerializer):
    """A recruiter by email, or by SMS where only a mobile is known (one of them required)."""


class InvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.CharField(help_text="Empty when the invitation went by SMS only.")
    phone = MaskedMobileField(help_text="The mobile the link was texted to, masked.")
    expires_at = serializers.DateTimeField()


class AcceptInputSerializer(StrictSerializer):
    token = serializers.CharField(max_length=64)
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


# --- Postings ---


def _status_field(choices, **kwargs):
    # Plain string in the schema (values in the help text): several apps have a "status" enum and
    # drf-spectacular would otherwise warn about colliding enum names.
    return serializers.CharField(help_text="One of: " + ", ".join(v for v, _ in choices), **kwargs)


class StatusChoiceMixin:
    status_choices: list = []

    def validate_status(self, value):
        allowed = [v for v, _ in self.status_choices]
        if value not in allowed:
            raise serializers.ValidationError(f'"{value}" is not a valid choice: {", ".join(allowed)}.')
        return value


class PostingSerializer(serializers.ModelSerializer):
    status = _status_field(JobPosting.Status.choices, read_only=True)
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    insurance = serializers.ListField(
        source="insurance_labels", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = JobPosting
        # The writable fields come from the service's one ordered list; then what is computed or stamped.
        fields = [
            "id",
            "employer",
            "employer_name",
            *POSTING_FIELD_ORDER,
            "insurance",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PostingInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    pay_type = serializers.ChoiceField(choices=JobPosting.PayType.choices)
    pay_min = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    pay_max = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    headcount = serializers.IntegerField(min_value=1, max_value=100000)
    city = serializers.CharField(max_length=64)
    district = serializers.CharField(max_length=64, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    shift = serializers.ChoiceField(choices=JobPosting.Shift.choices)
    housing = serializers.ChoiceField(choices=JobPosting.Housing.choices)
    meals = serializers.ChoiceField(choices=JobPosting.Meals.choices)
    ins_pension = serializers.BooleanField(required=False)
    ins_medical = serializers.BooleanField(required=False)
    ins_unemployment = serializers.BooleanField(required=False)
    ins_work_injury = serializers.BooleanField(required=False)
    ins_maternity = serializers.BooleanField(required=False)
    housing_fund = serializers.BooleanField(required=False)
    education = serializers.ChoiceField(choices=JobPosting.Education.choices, required=False)
    experience_years = serializers.IntegerField(min_value=0, max_value=50, required=False)
    age_min = serializers.IntegerField(min_value=16, max_value=80, required=False, allow_null=True)
    age_max = serializers.IntegerField(min_value=16, max_value=80, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=20), max_length=10, required=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)
    publish = serializers.BooleanField(required=False, default=False, help_text="Create directly as open.")

    def validate(self, attrs):
        pay_min, pay_max = attrs.get("pay_min"), attrs.get("pay_max")
        if pay_min is not None and pay_max is not None and pay_min > pay_max:
            raise serializers.ValidationError({"pay_min": [gettext("最低薪资不能高于最高薪资。")]})
        return attrs


class PostingStatusInputSerializer(StatusChoiceMixin, StrictSerializer):
    status_choices = JobPosting.Status.choices
    status = _status_field(JobPosting.Status.choices, max_length=16)


class LinkInputSerializer(StrictSerializer):
    session = serializers.UUIDField(required=False, allow_null=True)


class LinkSerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.URLField()
    qr_png = serializers.URLField()
    qr_svg = serializers.URLField()
    posting = serializers.UUIDField(source="posting_id")
    session = serializers.UUIDField(source="session_id", allow_null=True)


# --- Lineup ---


class PostingBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = _status_field(JobPosting.Status.choices)


class LineupRequestSerializer(serializers.ModelSerializer):
    status = _status_field(LineupRequest.Status.choices, read_only=True)
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    session_title = serializers.CharField(source="session.title", read_only=True)
    postings = PostingBriefSerializer(many=True, read_only=True)
    segment_title = serializers.CharField(
        source="segment.title", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = LineupRequest
        fields = [
            "id",
            "employer",
            "employer_name",
            "session",
            "session_title",
            "postings",
            "note",
            "status",
            "reason",
            "segment",
            "segment_title",
            "segment_starts_at",
            "segment_ends_at",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class LineupRequestInputSerializer(StrictSerializer):
    session = serializers.UUIDField()
    postings = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=20)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class LineupApproveInputSerializer(StrictSerializer):
    segment = serializers.UUIDField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReasonInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class OptionalReasonInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- Applications ---


class ApplicationEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.name", default=None)

    class Meta:
        model = ApplicationEvent
        fields = ["from_status", "to_status", "note", "by", "created_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    """For the employer applied to: the full number."""

    status = _status_field(Application.Status.choices, read_only=True)
    posting_title = serializers.CharField(source="posting.title")
    session_title = serializers.CharField(source="session.title", default=None, allow_null=True)
    segment_title = serializers.CharField(source="segment.title", default=None, allow_null=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "posting",
            "posting_title",
            "session",
            "session_title",
            "segment",
            "segment_title",
            "name",
            "phone",
            "note",
            "minute_offset",
            "channel",
            "status",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class ApplicationDetailSerializer(ApplicationSerializer):
    events = ApplicationEventSerializer(many=True, read_only=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "events"]
        read_only_fields = fields


class MaskedApplicationSerializer(ApplicationSerializer):
    """For organizers and anybody else: 138****1234."""

    phone = serializers.SerializerMethodField()
    employer_name = serializers.CharField(source="posting.employer.name")

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "employer_name"]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class StatusInputSerializer(StatusChoiceMixin, StrictSerializer):
    status_choices = Application.Status.choices
    status = _status_field(Application.Status.choices, max_length=16)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class NoteInputSerializer(StrictSerializer):
    note = serializers.CharField(max_length=1000)


class ApplyInputSerializer(StrictSerializer):
    code = serializers.CharField(
        max_length=16, required=False, help_text="Short-link code (from /j/<code>/)."
    )
    posting = serializers.UUIDField(required=False)
    session = serializers.UUIDField(required=False, allow_null=True)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=32)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # The mobile number is checked once, by the service (application_submit_public), with the same 400.

    def validate(self, attrs):
        if not attrs.get("code") and not attrs.get("posting"):
            raise serializers.ValidationError({"posting": ["Give a short-link code or a posting id."]})
        return attrs


class ApplyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created = serializers.BooleanField()
    posting = serializers.UUIDField()
    posting_title = serializers.CharField()
    employer_name = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked.")
    channel = serializers.CharField()
    status = serializers.CharField()


# --- Output shapes of hand-built answers (the views build dicts; these document them) ---------------


class _CountRow(serializers.Serializer):
    title = serializers.CharField(allow_null=True)
    applications = serializers.IntegerField()


class _PostingCountRow(_CountRow):
    posting = serializers.UUIDField()


class _SessionPostingRow(_PostingCountRow):
    employer = serializers.UUIDField()
    employer_name = serializers.CharField()
    live = serializers.IntegerField()
    replay = serializers.IntegerField()
    hired = serializers.IntegerField()


class _SegmentCountRow(_CountRow):
    segment = serializers.UUIDField(allow_null=True)


class _SessionCountRow(_CountRow):
    session = serializers.UUIDField(allow_null=True)


class SessionReportOut(serializers.Serializer):
    session = serializers.UUIDField()
    title = serializers.CharField()
    total = serializers.IntegerField()
    unique_applicants = serializers.IntegerField()
    per_channel = serializers.DictField(child=serializers.IntegerField(), help_text="live, replay, direct")
    per_posting = _SessionPostingRow(many=True)
    per_segment = _SegmentCountRow(many=True)
    funnel = serializers.DictField(child=serializers.IntegerField(), help_text="applications per status")


class EmployerReportOut(serializers.Serializer):
    employer = serializers.UUIDField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    per_posting = _PostingCountRow(many=True)
    per_session = _SessionCountRow(many=True)
    funnel = serializers.DictField(child=serializers.IntegerField())


class _LineupEmployer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    verified = serializers.BooleanField()


class _LineupPosting(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    pay_type = serializers.CharField()
    pay_min = serializers.DecimalField(max_digits=10, decimal_places=2)
    pay_max = serializers.DecimalField(max_digits=10, decimal_places=2)
    apply_url = serializers.URLField(allow_null=True)


class _LineupEntry(serializers.Serializer):
    employer = _LineupEmployer()
    segment = serializers.UUIDField(allow_null=True)
    segment_title = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    postings = _LineupPosting(many=True)


class PublicLineupOut(serializers.Serializer):
    session = serializers.UUIDField()
    lineup = _LineupEntry(many=True)
