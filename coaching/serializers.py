from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coaching.models import Booking, Coach, Program, Slot
from coaching.services.booking import waitlist_position
from core.serializers import EmailOrMobileSerializer, EmptyInput, MaskedMobileField, StrictSerializer


def inline_choice(choices, **kwargs) -> serializers.ChoiceField:
    """A validating ChoiceField documented as a plain string with its values in the description, like
    jobs does: several apps have "status"/"kind" enums whose component names would collide."""
    values = ", ".join(repr(value) if value == "" else value for value, _ in choices)
    field_class = extend_schema_field({"type": "string", "description": f"One of: {values}"})(
        type("PlainChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class CoachSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.public_name", read_only=True)  # public: never the login name

    class Meta:
        model = Coach
        fields = ["id", "name", "bio", "specialties", "buffer_minutes", "min_notice_hours", "horizon_days"]


class CoachInputSerializer(StrictSerializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    display_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True)
    bio = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    specialties = serializers.CharField(required=False, allow_blank=True, max_length=300)
    buffer_minutes = serializers.IntegerField(required=False, min_value=0, max_value=240)
    min_notice_hours = serializers.IntegerField(required=False, min_value=0, max_value=720)
    horizon_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "title",
            "description",
            "location",
            "online_url",
            "timezone",
            "enrol_opens_at",
            "enrol_closes_at",
            "capacity",
            "is_published",
            "cancel_cutoff_hours",
            "max_active_bookings",
            "offer_hours",
            "completion_classes",
            "created_at",
        ]


class ProgramInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    timezone = serializers.CharField(required=False, max_length=64)
    enrol_opens_at = serializers.DateTimeField(required=False, allow_null=True)
    enrol_closes_at = serializers.DateTimeField(required=False, allow_null=True)
    capacity = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    is_published = serializers.BooleanField(required=False)
    cancel_cutoff_hours = serializers.IntegerField(required=False, min_value=0, max_value=720)
    max_active_bookings = serializers.IntegerField(required=False, min_value=1, max_value=100)
    offer_hours = serializers.IntegerField(required=False, min_value=1, max_value=72)
    completion_classes = serializers.IntegerField(required=False, min_value=0, max_value=1000)


class SlotSerializer(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id", read_only=True)
    coach = CoachSerializer(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    kind = inline_choice(Slot.Kind.choices, read_only=True)
    status = inline_choice(Slot.Status.choices, read_only=True)

    class Meta:
        model = Slot
        fields = [
            "id",
            "program",
            "coach",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "timezone",
            "location",
            "online_url",
            "capacity",
            "seats_taken",
            "seats_left",
            "status",
            "cancel_reason",
            "ical_uid",
            "ical_sequence",
        ]


class SlotInputSerializer(StrictSerializer):
    program = serializers.UUIDField()
    coach = serializers.IntegerField(min_value=1)
    kind = inline_choice(Slot.Kind.choices, required=False)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField(required=False, max_length=64)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    capacity = serializers.IntegerField(required=False, min_value=1, max_value=10000)


class SlotUpdateSerializer(StrictSerializer):
    title = serializers.CharField(required=False, max_length=200)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    timezone = serializers.CharField(required=False, max_length=64)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    online_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    capacity = serializers.IntegerField(required=False, min_value=1, max_value=10000)


class CoachingCancelInputSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class SlotBookInputSerializer(StrictSerializer):
    join_waitlist = serializers.BooleanField(required=False, default=True)


class CoachingSignupInputSerializer(StrictSerializer):
    slot = serializers.UUIDField()
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32)
    city = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class StaffInviteInputSerializer(EmailOrMobileSerializer):
    """An organizer invites a coach or a host into their union: by email, or by SMS where only a mainland
    mobile is known (one of them required). The person gets a single-use set-password link."""

    role = serializers.ChoiceField(choices=[("coach", "coach"), ("host", "host")])
    name = serializers.CharField(max_length=100)


class StaffInvitedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    email = serializers.CharField(help_text="Empty when the invitation went by SMS only.")
    phone = MaskedMobileField(help_text="The mobile the link was texted to, masked.")
    has_password = serializers.SerializerMethodField()

    def get_has_password(self, user) -> bool:
        return user.has_usable_password()


class BookingMoveInputSerializer(StrictSerializer):
    slot = serializers.UUIDField()


class CoachingAttendanceInputSerializer(StrictSerializer):
    present = serializers.BooleanField()


class CoachingCheckInInputSerializer(StrictSerializer):
    token = serializers.CharField(max_length=64)


CoachingEmptyInputSerializer = EmptyInput  # one class for every app


class BookingSerializer(serializers.ModelSerializer):
    slot = SlotSerializer(read_only=True)
    program_title = serializers.CharField(source="slot.program.title", read_only=True)
    status = inline_choice(Booking.Status.choices, read_only=True)
    attendance = inline_choice(Booking.Attendance.choices, read_only=True)
    waitlist_position = serializers.SerializerMethodField(
        help_text="1 = next in line; null unless the booking is waitlisted."
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "slot",
            "program_title",
            "status",
            "waitlist_position",
            "offer_expires_at",
            "confirmed_at",
            "cancelled_at",
            "late_cancel",
            "attendance",
            "checked_in_at",
            "ical_uid",
            "ical_sequence",
            "created_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_waitlist_position(self, booking) -> int | None:
        return waitlist_position(booking)


class BookingCreatedSerializer(serializers.Serializer):
    """The answer to a booking: the new booking's own fields (GET the booking for the class's details)."""

    id = serializers.UUIDField(read_only=True)
    slot = serializers.UUIDField(read_only=True, help_text="The class booked.")
    status = inline_choice(Booking.Status.choices[:2], read_only=True)
    waitlist_position = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="1 = next in line; null unless the booking is waitlisted."
    )
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ical_uid = serializers.CharField(read_only=True)
    ical_sequence = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SlotAttendeeSerializer(serializers.ModelSerializer):
    """What a coach sees about an attendee: name and masked phone only."""

    name = serializers.CharField(source="trainee.user.name", read_only=True)
    phone = serializers.CharField(source="trainee.masked_phone", read_only=True)
    status = inline_choice(Booking.Status.choices, read_only=True)
    attendance = inline_choice(Booking.Attendance.choices, read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "name", "phone", "status", "attendance", "checked_in_at"]


class CoachingSignupOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    booking = BookingSerializer()


class FirstLivestreamSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    status = serializers.CharField()
    went_live = serializers.BooleanField()
    viewers = serializers.IntegerField(allow_null=True)
    orders = serializers.IntegerField(allow_null=True)
    gmv = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class ProgramProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    attended = serializers.IntegerField()
    required = serializers.IntegerField()
    completed = serializers.BooleanField()


class TraineeProgressSerializer(serializers.Serializer):
    trainee_id = serializers.IntegerField()
    name = serializers.CharField()
    booked = serializers.IntegerField()
    attended = serializers.IntegerField()
    no_show = serializers.IntegerField()
    late_cancellations = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    programs = ProgramProgressSerializer(many=True)
    first_livestream = FirstLivestreamSerializer(allow_null=True)


class RateSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True)


class OutcomeStatsSerializer(serializers.Serializer):
    attendance = serializers.DictField()
    completion = serializers.DictField()
    graduates_live_30d = serializers.DictField()
