from zoneinfo import ZoneInfo

from django.utils import timezone as dj_timezone
from rest_framework import serializers

from core.models import User
from core.serializers import EmptyInput, StrictSerializer
from core.timeutils import is_valid_timezone
from livestreams.models import LiveSession, Segment, Series


class SeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Series
        fields = ["id", "title", "description", "is_public", "created_at"]
        read_only_fields = ["id", "created_at"]


class SeriesInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False, default=True)


class HostSerializer(serializers.ModelSerializer):
    """Public (sessions are listed anonymously): the display name only, never the login name."""

    name = serializers.CharField(source="public_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]


class SegmentSerializer(serializers.ModelSerializer):
    seller = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Segment
        fields = ["id", "position", "title", "description", "starts_at", "ends_at", "seller"]


class SegmentInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    seller = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)


class SessionSerializer(serializers.ModelSerializer):
    hosts = HostSerializer(many=True, read_only=True)
    series = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    segments = SegmentSerializer(many=True, read_only=True)
    local_starts_at = serializers.SerializerMethodField()
    local_ends_at = serializers.SerializerMethodField()

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "series",
            "hosts",
            "platform",
            "stream_url",
            "platform_room_id",
            "starts_at",
            "ends_at",
            "timezone",
            "local_starts_at",
            "local_ends_at",
            "is_public",
            "status",
            "went_live_at",
            "ended_at",
            "cancelled_at",
            "cancel_reason",
            "ical_uid",
            "ical_sequence",
            "segments",
            "created_at",
            "updated_at",
        ]

    def get_local_starts_at(self, obj) -> str:
        return dj_timezone.localtime(obj.starts_at, _zone(obj.timezone)).isoformat()

    def get_local_ends_at(self, obj) -> str:
        return dj_timezone.localtime(obj.ends_at, _zone(obj.timezone)).isoformat()


def _zone(name):
    return ZoneInfo(name)


class SessionListSerializer(SessionSerializer):
    class Meta(SessionSerializer.Meta):
        fields = [f for f in SessionSerializer.Meta.fields if f != "segments"]


class SessionInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=LiveSession.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    series = serializers.PrimaryKeyRelatedField(
        queryset=Series.objects.all(), required=False, allow_null=True
    )
    hosts = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    platform = serializers.ChoiceField(choices=LiveSession.Platform.choices, required=False)
    stream_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    platform_room_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField(max_length=64, required=False, default="Asia/Shanghai")
    is_public = serializers.BooleanField(required=False)

    def validate_timezone(self, value):
        if not is_valid_timezone(value):
            raise serializers.ValidationError(
                f"Unknown time zone '{value}'. Use an IANA name such as Asia/Shanghai."
            )
        return value

    def validate_series(self, value):
        request = self.context.get("request")
        if (
            value is not None
            and request
            and not request.user.is_superuser
            and value.union_id != request.user.union_id
        ):
            raise serializers.ValidationError("Unknown series.")
        return value


class CancelInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


EmptyInputSerializer = EmptyInput  # one class for every app
