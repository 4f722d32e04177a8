"""Thin API views under /api/v1/coaching/: input serializer → service → output serializer."""

import uuid

import orjson
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching import selectors, services
from coaching.models import Booking, Slot, Trainee
from coaching.serializers import (
    BookingCreatedSerializer,
    BookingMoveInputSerializer,
    BookingSerializer,
    CoachingAttendanceInputSerializer,
    CoachingCancelInputSerializer,
    CoachingCheckInInputSerializer,
    CoachingEmptyInputSerializer,
    CoachingSignupInputSerializer,
    CoachingSignupOutputSerializer,
    CoachInputSerializer,
    CoachSerializer,
    OutcomeStatsSerializer,
    ProgramInputSerializer,
    ProgramSerializer,
    SlotAttendeeSerializer,
    SlotBookInputSerializer,
    SlotInputSerializer,
    SlotSerializer,
    SlotUpdateSerializer,
    StaffInvitedSerializer,
    StaffInviteInputSerializer,
    TraineeProgressSerializer,
)
from core.errors import ApplicationError, NotFound
from core.permissions import IsOrganizer
from core.throttle import ScopedThrottle


def _valid(serializer_class, request, **kwargs) -> dict:
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _trainee_of(user) -> Trainee:
    trainee = Trainee.objects.filter(user_id=user.pk).select_related("user").first()
    if trainee is None:
        raise ApplicationError(
            "Only trainees can book; sign up with your mobile number first.",
            code="not_trainee",
            status_code=403,
        )
    return trainee


# --- Programs and coaches -------------------------------------------------------------------------


class ProgramListView(ListAPIView):
    """Published programs (anyone) plus an organizer's own union's drafts. Organizers create."""

    serializer_class = ProgramSerializer

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    def get_queryset(self):
        return selectors.programs_visible_to(self.request.user).order_by("-created_at")

    @extend_schema(request=ProgramInputSerializer, responses={201: ProgramSerializer})
    def post(self, request):
        data = _valid(ProgramInputSerializer, request)
        program = services.program_create(by=request.user, **data)
        return Response(ProgramSerializer(program).data, status=status.HTTP_201_CREATED)


class ProgramDetailView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    @extend_schema(responses=ProgramSerializer)
    def get(self, request, pk):
        return Response(
            ProgramSerializer(get_object_or_404(selectors.programs_visible_to(request.user), pk=pk)).data
        )

    @extend_schema(request=ProgramInputSerializer, responses=ProgramSerializer)
    def patch(self, request, pk):
        program = get_object_or_404(selectors.programs_managed_by(request.user), pk=pk)
        data = _valid(ProgramInputSerializer, request, partial=True)
        return Response(
            ProgramSerializer(services.program_update(program=program, by=request.user, **data)).data
        )


class ProgramStatsView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(responses=OutcomeStatsSerializer)
    def get(self, request, pk):
        program = get_object_or_404(selectors.programs_managed_by(request.user), pk=pk)
        return Response(selectors.program_stats(program))


class CoachListView(ListAPIView):
    serializer_class = CoachSerializer
    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "GET" else [IsOrganizer()]

    def get_queryset(self):
        return selectors.coaches_visible_to(self.request.user).order_by("pk")

    @extend_schema(request=CoachInputSerializer, responses={201: CoachSerializer})
    def post(self, request):
        coach = services.coach_create(by=request.user, **_valid(CoachInputSerializer, request))
        return Response(CoachSerializer(coach).data, status=status.HTTP_201_CREATED)


class StaffInvitationView(APIView):
    """Organizers invite coaches and hosts into their own union (the same service as the page)."""

    permission_classes = [IsOrganizer]

    @extend_schema(request=StaffInviteInputSerializer, responses={201: StaffInvitedSerializer})
    def post(self, request):
        user = services.staff_invite(by=request.user, **_valid(StaffInviteInputSerializer, request))
        return Response(StaffInvitedSerializer(user).data, status=status.HTTP_201_CREATED)


class CoachStatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OutcomeStatsSerializer)
    def get(self, request, pk):
        coach = get_object_or_404(selectors.coaches_visible_to(request.user), pk=pk)
        return Response(selectors.coach_stats(coach))


# --- Slots ----------------------------------------------------------------------------------------


class SlotListView(ListAPIView):
    """Classes with seats left. Filter with ?program=<uuid>&upcoming=1. Organizers/coaches create."""

    serializer_class = SlotSerializer

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        qs = selectors.slots_visible_to(self.request.user).order_by("starts_at")
        program = self.request.query_params.get("program")
        if program:
            try:
                qs = qs.filter(program_id=uuid.UUID(program))
            except ValueError as exc:
                raise ApplicationError("Invalid filter.", fields={"program": ["Must be a UUID."]}) from exc
        if self.request.query_params.get("upcoming") in ("1", "true"):
            qs = qs.filter(status=Slot.Status.SCHEDULED, starts_at__gt=timezone.now())
        return qs

    @extend_schema(request=SlotInputSerializer, responses={201: SlotSerializer})
    def post(self, request):
        data = _valid(SlotInputSerializer, request)
        program = selectors.programs_visible_to(request.user).filter(pk=data.pop("program")).first()
        coach = selectors.coaches_visible_to(request.user).filter(pk=data.pop("coach")).first()
        errors = {}
        if program is None:
            errors["program"] = ["Unknown program."]
        if coach is None:
            errors["coach"] = ["Unknown coach."]
        if errors:
            raise ApplicationError("Invalid class.", fields=errors)
        slot = services.slot_create(by=request.user, program=program, coach=coach, **data)
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class SlotDetailView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses=SlotSerializer)
    def get(self, request, pk):
        return Response(
            SlotSerializer(get_object_or_404(selectors.slots_visible_to(request.user), pk=pk)).data
        )

    @extend_schema(request=SlotUpdateSerializer, responses=SlotSerializer)
    def patch(self, request, pk):
        slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
        data = _valid(SlotUpdateSerializer, request)
        return Response(SlotSerializer(services.slot_update(slot=slot, by=request.user, **data)).data)


class SlotCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingCancelInputSerializer, responses=SlotSerializer)
    def post(self, request, pk):
        slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
        data = _valid(CoachingCancelInputSerializer, request)
        return Response(SlotSerializer(services.slot_cancel(slot=slot, by=request.user, **data)).data)


class SlotAttendeesView(ListAPIView):
    """The coach's attendance sheet: confirmed bookings and the waitlist of one of their classes."""

    serializer_class = SlotAttendeeSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Booking.objects.none()
        slot = get_object_or_404(selectors.slots_managed_by(self.request.user), pk=self.kwargs["pk"])
        return (
            slot.bookings.filter(status__in=["confirmed", "offered", "waitlisted"])
            .select_related("trainee__user")
            .order_by("status", "priority", "created_at")
        )


def _api_token(request) -> str | None:
    """The key of an ``Authorization: Token <key>`` header (TokenAuthentication's format), else None."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) == 2 and parts[0] == "Token":
        return parts[1]
    return None


class SlotBookView(APIView):
    """Book a class. The common case is two statements (``services.book_fast``): with an API token the
    token is checked in the first (TokenAuthentication's rule: the key names an active user), so DRF's
    authentication runs only when that statement finds no trainee or a rule says no; then the usual path
    answers (401, 403 not_trainee, 404, or the rule's 409)."""

    permission_classes = [IsAuthenticated]

    def perform_authentication(self, request):
        if _api_token(request) is None:
            super().perform_authentication(request)

    def check_permissions(self, request):
        if _api_token(request) is None:
            super().check_permissions(request)

    @extend_schema(request=SlotBookInputSerializer, responses={201: BookingCreatedSerializer})
    def post(self, request, pk):
        token = _api_token(request)
        if token is not None:  # authenticated by the booking statement itself, or else as usual
            data = _valid(SlotBookInputSerializer, request)
            if data["join_waitlist"]:
                row = services.book_fast(slot_id=pk, who=token, by="token")
                if row is not None:
                    return Response(BookingCreatedSerializer(row).data, status=status.HTTP_201_CREATED)
            super().perform_authentication(request)
            super().check_permissions(request)
        data = _valid(SlotBookInputSerializer, request)
        if data["join_waitlist"]:
            row = services.book_fast(slot_id=pk, who=request.user.pk, by="user")
            if row is not None:
                return Response(BookingCreatedSerializer(row).data, status=status.HTTP_201_CREATED)
        slot = get_object_or_404(selectors.slots_visible_to(request.user), pk=pk)
        booking = services.booking_create(slot=slot, trainee=_trainee_of(request.user), **data)
        return Response(
            BookingCreatedSerializer(booking_created_fields(booking)).data, status=status.HTTP_201_CREATED
        )


def _drf_datetime(value):
    """A datetime as DRF's DateTimeField writes it (ISO 8601 in the current time zone, UTC as "Z")."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def booking_created_fields(booking) -> dict:
    """A stored booking as the row ``BookingCreatedSerializer`` (and ``booking_created_json``) answer."""
    return {
        "id": booking.pk,
        "slot": booking.slot_id,
        "status": booking.status,
        "waitlist_position": services.waitlist_position(booking),
        "confirmed_at": booking.confirmed_at,
        "ical_uid": booking.ical_uid,
        "ical_sequence": booking.ical_sequence,
        "created_at": booking.created_at,
    }


def booking_created_json(row: dict) -> bytes:
    """``BookingCreatedSerializer(row).data`` as JSON bytes, built straight from ``book_fast``'s row:
    the same fields and values (ids as strings, datetimes as DRF writes them) without the serializer's
    per-field work (a test compares the two for a confirmed and a waitlisted booking)."""
    return orjson.dumps(
        {
            "id": str(row["id"]),
            "slot": str(row["slot"]),
            "status": row["status"],
            "waitlist_position": row["waitlist_position"],
            "confirmed_at": _drf_datetime(row["confirmed_at"]),
            "ical_uid": row["ical_uid"],
            "ical_sequence": row["ical_sequence"],
            "created_at": _drf_datetime(row["created_at"]),
        }
    )


def _slot_book_fast(drf_view):
    """The booking route: a request with an API token and an empty body (or ``join_waitlist: true``)
    is booked by ``services.book_fast`` without DRF's request, negotiation and authentication layers
    (the token is checked in the booking statement). Every other request, a refusal by a rule, and
    every error go to the DRF view, which answers as it always has (401, 403, 404, 409, 503)."""

    def view(request, pk):
        token = _api_token(request)
        if token is not None and request.method == "POST":
            try:
                body = orjson.loads(request.body or b"{}")
            except orjson.JSONDecodeError:
                body = None
            if body == {} or body == {"join_waitlist": True}:
                try:
                    row = services.book_fast(slot_id=pk, who=token, by="token")
                except ApplicationError:
                    row = None  # the DRF view tries again and answers the error in the API's shape
                if row is not None:
                    return HttpResponse(
                        booking_created_json(row),
                        status=status.HTTP_201_CREATED,
                        content_type="application/json",
                    )
        return drf_view(request, pk=pk)

    for attr in ("cls", "initkwargs", "view_class", "view_initkwargs", "csrf_exempt"):  # schema, CSRF
        if hasattr(drf_view, attr):
            setattr(view, attr, getattr(drf_view, attr))
    view.__name__ = view.__qualname__ = drf_view.__name__
    return view


slot_book_view = _slot_book_fast(SlotBookView.as_view())


class SignupThrottle(ScopedThrottle):
    scope = "coaching_signup_ip"


class SignupView(APIView):
    """One-minute sign-up: name + mainland mobile → account + booking (or waitlist place) + API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SignupThrottle]

    @extend_schema(request=CoachingSignupInputSerializer, responses={201: CoachingSignupOutputSerializer})
    def post(self, request):
        data = _valid(CoachingSignupInputSerializer, request)
        slot = selectors.slots_visible_to(request.user).filter(pk=data.pop("slot")).first()
        if slot is None:
            raise ApplicationError("Unknown class.", fields={"slot": ["Unknown class."]})
        booking = services.signup_and_book(slot=slot, **data)
        token, _ = Token.objects.get_or_create(user=booking.trainee.user)
        return Response(
            {"token": token.key, "booking": BookingSerializer(booking).data}, status=status.HTTP_201_CREATED
        )


# --- Bookings -------------------------------------------------------------------------------------


class MyBookingsView(ListAPIView):
    """The requester's own bookings (trainees)."""

    serializer_class = BookingSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.my_bookings(self.request.user)


class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BookingSerializer)
    def get(self, request, pk):
        return Response(
            BookingSerializer(get_object_or_404(selectors.bookings_visible_to(request.user), pk=pk)).data
        )


def _booking(request, pk):
    return get_object_or_404(selectors.bookings_visible_to(request.user), pk=pk)


class BookingCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingCancelInputSerializer, responses=BookingSerializer)
    def post(self, request, pk):
        data = _valid(CoachingCancelInputSerializer, request)
        booking = services.booking_cancel(booking=_booking(request, pk), by=request.user, **data)
        return Response(BookingSerializer(booking).data)


class BookingAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingEmptyInputSerializer, responses=BookingSerializer)
    def post(self, request, pk):
        _valid(CoachingEmptyInputSerializer, request)
        booking = services.offer_accept(booking=_booking(request, pk), by=request.user)
        return Response(BookingSerializer(booking).data)


class BookingDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingEmptyInputSerializer, responses=BookingSerializer)
    def post(self, request, pk):
        _valid(CoachingEmptyInputSerializer, request)
        booking = services.offer_decline(booking=_booking(request, pk), by=request.user)
        return Response(BookingSerializer(booking).data)


class BookingMoveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BookingMoveInputSerializer, responses=BookingSerializer)
    def post(self, request, pk):
        data = _valid(BookingMoveInputSerializer, request)
        booking = _booking(request, pk)
        to_slot = selectors.slots_visible_to(request.user).filter(pk=data["slot"]).first()
        if to_slot is None:
            raise ApplicationError("Unknown class.", fields={"slot": ["Unknown class."]})
        new = services.booking_move(booking=booking, to_slot=to_slot, by=request.user)
        return Response(BookingSerializer(new).data)


class BookingAttendanceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingAttendanceInputSerializer, responses=SlotAttendeeSerializer)
    def post(self, request, pk):
        data = _valid(CoachingAttendanceInputSerializer, request)
        booking = services.attendance_mark(booking=_booking(request, pk), by=request.user, **data)
        return Response(SlotAttendeeSerializer(booking).data)


class CheckInView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CoachingCheckInInputSerializer, responses=BookingSerializer)
    def post(self, request):
        data = _valid(CoachingCheckInInputSerializer, request)
        return Response(BookingSerializer(services.booking_check_in(by=request.user, **data)).data)


# --- Outcomes -------------------------------------------------------------------------------------


class MyProgressView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TraineeProgressSerializer)
    def get(self, request):
        return Response(TraineeProgressSerializer(selectors.trainee_progress(_trainee_of(request.user))).data)


class TraineeProgressView(APIView):
    """A trainee's progress for organizers of their union and their coaches (others: 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TraineeProgressSerializer)
    def get(self, request, pk):
        trainee = selectors.trainees_visible_to(request.user).filter(pk=pk).first()
        if trainee is None:
            raise NotFound()
        return Response(TraineeProgressSerializer(selectors.trainee_progress(trainee)).data)
