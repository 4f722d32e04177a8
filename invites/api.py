"""Invite state and feed token API. Thin views: input serializer → service/selector → output serializer."""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, NotFound
from core.permissions import IsOrganizer
from core.serializers import EmptyInput, StrictSerializer
from invites import replies, selectors, services
from invites.models import CalendarEvent, InviteAttendee, InviteDelivery
from invites.views import feed_url


class FeedOutput(serializers.Serializer):
    active = serializers.BooleanField()
    feed_url = serializers.CharField(allow_null=True)
    webcal_url = serializers.CharField(allow_null=True)


def _feed(request) -> dict:
    url = feed_url(request, request.user)
    webcal = ("webcal://" + url.split("://", 1)[1]) if url else None
    return {"active": url is not None, "feed_url": url, "webcal_url": webcal}


class FeedView(APIView):
    """The requester's personal calendar feed URL (secret). No token → feed off."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FeedOutput)
    def get(self, request):
        return Response(_feed(request))


class FeedRotateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EmptyInput, responses=FeedOutput)
    def post(self, request):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        services.calendar_token_rotate(user=request.user)
        return Response(_feed(request))


class FeedRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EmptyInput, responses=FeedOutput)
    def post(self, request):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        services.calendar_token_revoke(user=request.user)
        return Response(_feed(request))


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="the outbox row's: pending, sending, sent, dead, undeliverable"
    )
    method = serializers.CharField(read_only=True, help_text="REQUEST or CANCEL")
    attempts = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()
    sent_at = serializers.SerializerMethodField()

    class Meta:
        model = InviteDelivery
        fields = [
            "id",
            "uid",
            "sequence",
            "method",
            "recipient",
            "status",
            "attempts",
            "last_error",
            "sent_at",
            "created_at",
        ]

    def get_attempts(self, obj) -> int:
        return obj.outbox.attempts if obj.outbox_id else 0

    def get_last_error(self, obj) -> str:
        return obj.outbox.last_error if obj.outbox_id else "no outbox message"

    def get_sent_at(self, obj) -> datetime | None:
        return obj.outbox.sent_at if obj.outbox_id else None


class MyDeliverySerializer(DeliverySerializer):
    summary = serializers.CharField(source="attendee.event.summary", read_only=True)
    starts_at = serializers.DateTimeField(source="attendee.event.starts_at", read_only=True)
    event_status = serializers.CharField(source="attendee.event.status", read_only=True)

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "summary", "starts_at", "event_status"]


class MyDeliveriesView(generics.ListAPIView):
    """Invite emails sent to me, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = MyDeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InviteDelivery.objects.none()
        return selectors.deliveries_of(self.request.user)


class AttendeeSerializer(serializers.ModelSerializer):
    deliveries = DeliverySerializer(many=True, read_only=True)
    last_method = serializers.CharField(read_only=True, help_text="REQUEST or CANCEL")
    answer = serializers.CharField(
        read_only=True,
        help_text="ACCEPTED, DECLINED, TENTATIVE, DELEGATED or NEEDS-ACTION (no answer to the current SEQUENCE)",
    )

    class Meta:
        model = InviteAttendee
        fields = [
            "id",
            "user",
            "name",
            "email",
            "role",
            "active",
            "last_sequence",
            "last_method",
            "removed_at",
            "answer",
            "replied_sequence",
            "replied_at",
            "deliveries",
        ]


class AnswersSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    tentative = serializers.IntegerField()
    no_answer = serializers.IntegerField()


class EventSerializer(serializers.ModelSerializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    answers = serializers.SerializerMethodField(help_text="Active attendees by answer.")
    status = serializers.CharField(read_only=True, help_text="CONFIRMED, TENTATIVE or CANCELLED (RFC 5545)")

    class Meta:
        model = CalendarEvent
        fields = [
            "id",
            "uid",
            "sequence",
            "status",
            "source_kind",
            "source_id",
            "summary",
            "starts_at",
            "ends_at",
            "timezone",
            "cancelled_at",
            "answers",
            "attendees",
        ]

    @extend_schema_field(AnswersSerializer)
    def get_answers(self, event) -> dict:
        return replies.answers_summary(event)


class EventFilterInput(StrictSerializer):
    session = serializers.UUIDField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)


class EventListView(generics.ListAPIView):
    """Organizers: per event (a session, a lineup segment…) who was invited at which SEQUENCE and how
    each delivery went. ``?session=<uuid>`` narrows to one session and its lineup."""

    permission_classes = [IsOrganizer]
    serializer_class = EventSerializer

    @extend_schema(parameters=[OpenApiParameter("session", str, description="session id (UUID)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalendarEvent.objects.none()
        params = EventFilterInput(data=self.request.query_params.dict())
        if not params.is_valid():
            raise ApplicationError(
                "Invalid filter.", fields={k: [str(e) for e in v] for k, v in params.errors.items()}
            )
        qs = selectors.events_for_organizer(self.request.user)
        session = params.validated_data.get("session")
        if session:
            key = f"livestreams.session:{session}"
            qs = qs.filter(Q(source_key=key) | Q(parent_key=key))
        return qs


class EventDetailView(generics.RetrieveAPIView):
    permission_classes = [IsOrganizer]
    serializer_class = EventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalendarEvent.objects.none()
        return selectors.events_for_organizer(self.request.user)


class ReplyOutcomeSerializer(serializers.Serializer):
    uid = serializers.CharField()
    attendee = serializers.CharField()
    outcome = serializers.CharField(
        help_text="stored, stale, unknown_event, unknown_attendee, sender_mismatch or invalid"
    )
    partstat = serializers.CharField()


class RepliesOutput(serializers.Serializer):
    replies = ReplyOutcomeSerializer(many=True)


class InboundReplyView(APIView):
    """For the mail server: one whole reply email (raw MIME, ``message/rfc822``) per POST, authenticated
    with ``Authorization: Bearer <INVITES_INBOUND_TOKEN>``. Answers which replies were stored."""

    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes: list = []  # the body is read as bytes, never parsed as a form

    @extend_schema(request={"message/rfc822": bytes}, responses=RepliesOutput)
    def post(self, request):
        expected = settings.INVITES_INBOUND_TOKEN
        if not expected:
            raise NotFound("Inbound replies are not configured.")
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApplicationError("Bad inbound token.", code="unauthorized", status_code=401)
        outcomes = replies.rsvp_receive(raw=request.body)
        return Response({"replies": [o.as_dict() for o in outcomes]})
