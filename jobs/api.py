"""Thin views: input serializer → service → output serializer. Scoping lives in selectors."""

from __future__ import annotations

import uuid

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, Forbidden, NotFound, error_response
from core.permissions import IsOrganizer
from core.throttle import ScopedThrottle
from jobs import exports, selectors, services
from jobs import serializers as s
from jobs.models import (
    Application,
    ApplicationEvent,
    Employer,
    EmployerMembership,
    JobPosting,
    LineupRequest,
    ShortLink,
)
from jobs.ratelimit import apply_rate_check, client_ip
from jobs.validators import mask_phone
from livestreams.models import LiveSession, Segment
from livestreams.selectors import sessions_visible_to

UUID_RE = "[0-9a-f-]{36}"


def member_or_403(request) -> EmployerMembership:
    membership = selectors.membership_of(request.user)
    if membership is None:
        raise Forbidden(gettext("Only employer members can do this."))
    return membership


def _export(qs, *, masked: bool, subject: str, kind: str) -> HttpResponse:
    return exports.applicants_response(
        qs.iterator(chunk_size=2000), masked=masked, subject=subject, kind=kind, today=timezone.localdate()
    )


# --- Employers ------------------------------------------------------------------------------------


class EmployerSignupThrottle(ScopedThrottle):
    scope = "employer_signup_ip"


class EmployerSignupView(APIView):
    """Create an employer owner account and the company in one step; returns an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [EmployerSignupThrottle]

    @extend_schema(request=s.EmployerSignupSerializer, responses={201: s.SignupOutputSerializer})
    def post(self, request):
        data = s.EmployerSignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employer = services.employer_signup(**data.validated_data)
        user = employer.memberships.get().user
        token, _ = Token.objects.get_or_create(user=user)
        return Response(
            {"token": token.key, "employer": s.EmployerSerializer(employer).data},
            status=status.HTTP_201_CREATED,
        )


class EmployerViewSet(viewsets.GenericViewSet):
    """Employers. Members see and edit their own; organizers see all and verify."""

    serializer_class = s.EmployerSerializer
    queryset = Employer.objects.none()  # for the schema; get_queryset scopes real requests
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.employers_visible_to(self.request.user)

    def _check_reader(self):
        if not self.request.user.is_organizer:
            member_or_403(self.request)

    def list(self, request):
        self._check_reader()
        qs = self.get_queryset()
        if request.user.is_organizer and request.query_params.get("verified") in ("true", "false"):
            qs = qs.filter(verified=request.query_params["verified"] == "true")
        page = self.paginate_queryset(qs.order_by("name"))
        return self.get_paginated_response(s.EmployerSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        self._check_reader()
        return Response(s.EmployerSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=s.EmployerInputSerializer, responses={201: s.EmployerSerializer})
    def create(self, request):
        """Register a company as the signed-in user, who becomes its owner."""
        data = s.EmployerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employer = services.employer_register(user=request.user, **data.validated_data)
        return Response(s.EmployerSerializer(employer).data, status=status.HTTP_201_CREATED)

    def _own(self, pk, *, owner: bool = False) -> Employer:
        membership = member_or_403(self.request)
        if str(membership.employer_id) != str(pk):
            raise NotFound()
        if owner and membership.role != EmployerMembership.Role.OWNER:
            raise Forbidden(gettext("Only the owner can do this."))
        return membership.employer

    @extend_schema(request=s.EmployerInputSerializer, responses=s.EmployerSerializer)
    def partial_update(self, request, pk=None):
        employer = self._own(pk, owner=True)
        data = s.EmployerInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        employer = services.employer_update(employer=employer, by=request.user, **data.validated_data)
        return Response(s.EmployerSerializer(employer).data)

    @extend_schema(request=s.VerifyInputSerializer, responses=s.EmployerSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsOrganizer])
    def verify(self, request, pk=None):
        employer = get_object_or_404(Employer, pk=pk)
        data = s.VerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employer = services.employer_verify(employer=employer, by=request.user, **data.validated_data)
        return Response(s.EmployerSerializer(employer).data)

    @extend_schema(responses=s.MembershipSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # a team is small: a plain list
    def members(self, request, pk=None):
        employer = self._own(pk)
        qs = employer.memberships.select_related("user").order_by("created_at")
        return Response(s.MembershipSerializer(qs, many=True).data)

    @extend_schema(request=s.InviteInputSerializer, responses={201: s.InvitationSerializer})
    @action(detail=True, methods=["post"])
    def invitations(self, request, pk=None):
        employer = self._own(pk, owner=True)
        data = s.InviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.employer_invite(employer=employer, by=request.user, **data.validated_data)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<membership_pk>\d+)")
    def remove_member(self, request, pk=None, membership_pk=None):
        employer = self._own(pk, owner=True)
        membership = get_object_or_404(employer.memberships, pk=membership_pk)
        services.membership_remove(membership=membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.AcceptInputSerializer, responses={201: s.MembershipSerializer})
    def post(self, request):
        data = s.AcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(**data.validated_data)
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


# --- Postings -------------------------------------------------------------------------------------


class PostingViewSet(viewsets.GenericViewSet):
    """The signed-in employer's job postings."""

    serializer_class = s.PostingSerializer
    queryset = JobPosting.objects.none()  # for the schema; get_queryset scopes real requests
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        membership = member_or_403(self.request)
        return selectors.postings_of(membership.employer)

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def list(self, request):
        qs = self.get_queryset()
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PostingSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.PostingSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=s.PostingInputSerializer, responses={201: s.PostingSerializer})
    def create(self, request):
        membership = member_or_403(request)
        data = s.PostingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = services.posting_create(
            employer=membership.employer, by=request.user, **data.validated_data
        )
        return Response(s.PostingSerializer(posting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PostingInputSerializer, responses=s.PostingSerializer)
    def partial_update(self, request, pk=None):
        posting = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.PostingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "publish" in request.data:
            raise ApplicationError(
                gettext("Use the status action."), fields={"publish": ["Use POST …/status/."]}
            )
        changes.pop("publish", None)
        posting = services.posting_update(posting=posting, by=request.user, **changes)
        return Response(s.PostingSerializer(posting).data)

    @extend_schema(request=s.PostingStatusInputSerializer, responses=s.PostingSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        posting = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.PostingStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting = services.posting_set_status(posting=posting, by=request.user, **data.validated_data)
        return Response(s.PostingSerializer(posting).data)

    @extend_schema(request=s.LinkInputSerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        """Short link + QR code URLs for this posting, optionally inside a session it is featured in."""
        posting = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.LinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = None
        if data.validated_data.get("session"):
            session = selectors.session_featuring(posting=posting, session_id=data.validated_data["session"])
        link = services.shortlink_get_or_create(posting=posting, session=session)
        return Response(link_payload(link))


def link_payload(link: ShortLink) -> dict:
    url = services.shortlink_url(link)
    return {
        "code": link.code,
        "url": url,
        "qr_png": f"{url}qr.png",
        "qr_svg": f"{url}qr.svg",
        "posting": str(link.posting_id),
        "session": str(link.session_id) if link.session_id else None,
    }


# --- Lineup ---------------------------------------------------------------------------------------


class LineupRequestViewSet(viewsets.GenericViewSet):
    """Employers ask for a slot in a job fair; organizers of the session's union approve or decline."""

    serializer_class = s.LineupRequestSerializer
    queryset = LineupRequest.objects.none()  # for the schema; get_queryset scopes real requests
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if not self.request.user.is_organizer:
            member_or_403(self.request)
        return selectors.lineup_requests_visible_to(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("session", OpenApiTypes.UUID), OpenApiParameter("status", str)]
    )
    def list(self, request):
        qs = self.get_queryset()
        qs = _filtered(qs, {k: request.query_params.get(k) for k in ("session", "status")})
        page = self.paginate_queryset(qs.order_by("created_at"))
        return self.get_paginated_response(s.LineupRequestSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.LineupRequestSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=s.LineupRequestInputSerializer, responses={201: s.LineupRequestSerializer})
    def create(self, request):
        membership = member_or_403(request)
        data = s.LineupRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = sessions_visible_to(request.user).filter(pk=data.validated_data["session"]).first()
        if session is None:
            raise ApplicationError(gettext("Unknown session."), fields={"session": ["Unknown session."]})
        ids = set(data.validated_data["postings"])
        postings = list(selectors.postings_of(membership.employer).filter(pk__in=ids))
        if len(postings) != len(ids):
            raise ApplicationError(gettext("Unknown posting."), fields={"postings": ["Unknown posting."]})
        request_obj = services.lineup_request_create(
            employer=membership.employer,
            by=request.user,
            session=session,
            postings=postings,
            note=data.validated_data.get("note", ""),
        )
        return self._out(request_obj, status.HTTP_201_CREATED)

    def _out(self, obj, code=status.HTTP_200_OK):
        obj = selectors.lineup_requests_visible_to(self.request.user).get(pk=obj.pk)
        return Response(s.LineupRequestSerializer(obj).data, status=code)

    def _organizer_object(self, pk):
        if not self.request.user.is_organizer:
            member_or_403(self.request)
            raise Forbidden(gettext("Only organizers can do this."))
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=s.LineupApproveInputSerializer, responses=s.LineupRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        obj = self._organizer_object(pk)
        data = s.LineupApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        segment = None
        if values.pop("segment", None):
            segment = Segment.objects.filter(pk=data.validated_data["segment"], session=obj.session).first()
            if segment is None:
                raise ApplicationError(gettext("Unknown segment."), fields={"segment": ["Unknown segment."]})
        obj = services.lineup_approve(request=obj, by=request.user, segment=segment, **values)
        return self._out(obj)

    @extend_schema(request=s.ReasonInputSerializer, responses=s.LineupRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        obj = self._organizer_object(pk)
        data = s.ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.lineup_decline(request=obj, by=request.user, **data.validated_data))

    @extend_schema(request=s.ReasonInputSerializer, responses=s.LineupRequestSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        obj = self._organizer_object(pk)
        data = s.ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.lineup_remove(request=obj, by=request.user, **data.validated_data))

    @extend_schema(request=None, responses=s.LineupRequestSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """A suspended request back into the lineup (its segment, if still free) or back to the queue."""
        obj = self._organizer_object(pk)
        return self._out(services.lineup_reinstate(request=obj, by=request.user))

    @extend_schema(request=s.OptionalReasonInputSerializer, responses=s.LineupRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        member_or_403(request)
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.OptionalReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.lineup_withdraw(request=obj, by=request.user, **data.validated_data))


# --- Applications (employer pipeline) -------------------------------------------------------------

FILTERS = [
    OpenApiParameter("posting", OpenApiTypes.UUID),
    OpenApiParameter("session", OpenApiTypes.UUID),
    OpenApiParameter("status", str),
    OpenApiParameter("channel", str),
]


def _filtered(qs, params):
    for name in ("posting", "session", "status", "channel"):
        value = params.get(name)
        if not value:
            continue
        if name in ("posting", "session"):
            try:
                uuid.UUID(value)
            except ValueError as exc:
                raise ApplicationError(gettext("Bad filter."), fields={name: ["Not a valid id."]}) from exc
        qs = qs.filter(**{name: value})
    return qs


class ApplicationViewSet(viewsets.GenericViewSet):
    """The employer's applicants (full phone numbers: this employer was applied to)."""

    serializer_class = s.ApplicationSerializer
    queryset = Application.objects.none()  # for the schema; get_queryset scopes real requests
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.applications_of(member_or_403(self.request).employer)

    @extend_schema(parameters=FILTERS)
    def list(self, request):
        qs = _filtered(self.get_queryset(), request.query_params)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ApplicationSerializer(page, many=True).data)

    def _detail(self, pk):
        events = ApplicationEvent.objects.select_related("by")
        return get_object_or_404(
            self.get_queryset().prefetch_related(Prefetch("events", queryset=events)), pk=pk
        )

    @extend_schema(responses=s.ApplicationDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(s.ApplicationDetailSerializer(self._detail(pk)).data)

    @extend_schema(request=s.StatusInputSerializer, responses=s.ApplicationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        application = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_set_status(application=application, by=request.user, **data.validated_data)
        return Response(s.ApplicationDetailSerializer(self._detail(pk)).data)

    @extend_schema(request=s.NoteInputSerializer, responses=s.ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        application = get_object_or_404(self.get_queryset(), pk=pk)
        data = s.NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_add_note(application=application, by=request.user, **data.validated_data)
        return Response(s.ApplicationDetailSerializer(self._detail(pk)).data)

    @extend_schema(parameters=FILTERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def export_csv(self, request):
        qs = _filtered(self.get_queryset(), request.query_params)
        return _export(qs, masked=False, subject=member_or_403(request).employer.name, kind="csv")

    @extend_schema(
        parameters=FILTERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        },
    )
    def export_xlsx(self, request):
        qs = _filtered(self.get_queryset(), request.query_params)
        return _export(qs, masked=False, subject=member_or_403(request).employer.name, kind="xlsx")


# --- Organizer view (always masked) ---------------------------------------------------------------


class OrganizerReportViewSet(viewsets.GenericViewSet):
    """Per-session and per-employer results for organizers of the session's union. Phones masked."""

    permission_classes = [IsOrganizer]
    serializer_class = s.MaskedApplicationSerializer
    queryset = Application.objects.none()  # for the schema; get_queryset scopes real requests
    lookup_value_regex = UUID_RE

    def _session(self, pk) -> LiveSession:
        return get_object_or_404(selectors.organizer_sessions(self.request.user), pk=pk)

    @extend_schema(responses=s.SessionReportOut)
    def session_report(self, request, pk=None):
        return Response(selectors.session_report(self._session(pk)))

    @extend_schema(responses=s.EmployerReportOut)
    def employer_report(self, request, pk=None):
        employer = get_object_or_404(Employer, pk=pk)
        sessions = selectors.organizer_sessions(request.user)
        return Response(selectors.employer_report(employer, sessions=sessions))

    def _apps(self, pk):
        qs = selectors.organizer_applications(self.request.user).filter(session=self._session(pk))
        return _filtered(qs, self.request.query_params)

    @extend_schema(parameters=FILTERS, responses=s.MaskedApplicationSerializer(many=True))
    def applications(self, request, pk=None):
        page = self.paginate_queryset(self._apps(pk))
        return self.get_paginated_response(s.MaskedApplicationSerializer(page, many=True).data)

    @extend_schema(parameters=FILTERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def export_csv(self, request, pk=None):
        return _export(self._apps(pk), masked=True, subject=self._session(pk).title, kind="csv")

    @extend_schema(
        parameters=FILTERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        },
    )
    def export_xlsx(self, request, pk=None):
        return _export(self._apps(pk), masked=True, subject=self._session(pk).title, kind="xlsx")


# --- Public ---------------------------------------------------------------------------------------


def apply_payload(applied: services.Applied) -> dict:
    return {
        "id": str(applied.id),
        "created": applied.created,
        "posting": str(applied.posting_id),
        "posting_title": applied.posting_title,
        "employer_name": applied.employer_name,
        "name": applied.name,
        "phone": mask_phone(applied.phone),
        "channel": applied.channel,
        "status": applied.status,
    }


class ApplyView(APIView):
    """Apply in under a minute: no account, name + mainland mobile (+ short note).

    201 for a new application, 200 with the existing one for a repeat with the same number.
    Rate-limited per IP and per number (429 with Retry-After).

    Served through :func:`apply_view`: this DRF view answers every request the plain fast path leaves
    to it (anything but a plainly valid JSON body), and describes the operation in the schema.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=s.ApplyInputSerializer, responses={201: s.ApplyOutputSerializer, 200: s.ApplyOutputSerializer}
    )
    def post(self, request):
        ip = client_ip(request)
        data = s.ApplyInputSerializer(data=request.data)
        if not data.is_valid():
            apply_rate_check(ip=ip, phone=None)
            data.is_valid(raise_exception=True)
        values = data.validated_data
        applied = services.application_submit_public(
            code=values.get("code"),
            posting_id=values.get("posting"),
            session_id=values.get("session"),
            name=values["name"],
            phone=values["phone"],
            note=values.get("note", ""),
            ip=ip,
        )
        return Response(
            apply_payload(applied), status=status.HTTP_201_CREATED if applied.created else status.HTTP_200_OK
        )


# The fast path of the public apply. DRF's request wrapper, content negotiation, serializer and renderer
# cost about as much CPU as the apply itself (benchmarks/profile_apply.py), so a body that is plainly
# what ApplyInputSerializer accepts is checked by ``apply_input_fast`` (the serializer's rules: known
# fields only, strings stripped, the same length limits, ids parsed by uuid.UUID(hex=…) as UUIDField
# does) and goes straight to the same service. Everything else (not JSON, another content type or
# Accept, a query string, a missing, blank, too long or non-string field, a NUL, an unknown field) is
# answered by ApplyView exactly as before, with the serializer's messages. The service's own refusals
# (the mobile number, 404, 409 closed, 429) are rendered in the one error shape, as DRF's handler does.

_APPLY_TEXT = {"code": 16, "name": 50, "phone": 32, "note": 200}  # ApplyInputSerializer's max_length
_APPLY_REQUIRED = ("name", "phone")
_APPLY_FIELDS = frozenset({*_APPLY_TEXT, "posting", "session"})


def apply_input_fast(body: bytes) -> dict | None:
    """The service's arguments for a body ApplyInputSerializer would accept with these values, else None
    (never accepts what the serializer refuses: None hands the request to the serializer)."""
    try:
        data = orjson.loads(body)  # never yields a lone surrogate (the serializer refuses those)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or not data.keys() <= _APPLY_FIELDS:
        return None
    out = {"note": ""}
    for name, limit in _APPLY_TEXT.items():
        if name not in data:
            continue
        value = data[name]
        if type(value) is not str or "\x00" in value:
            return None
        value = value.strip()  # CharField(trim_whitespace=True)
        if len(value) > limit or (not value and name != "note"):
            return None
        out[name] = value
    for name in ("posting", "session"):  # UUIDField(required=False); only session allows null
        if name not in data or (name == "session" and data[name] is None):
            continue
        value = data[name]
        if type(value) is not str:
            return None
        try:
            out[f"{name}_id"] = uuid.UUID(hex=value)
        except ValueError:
            return None
    if any(name not in out for name in _APPLY_REQUIRED) or not (out.get("code") or out.get("posting_id")):
        return None
    return out


def _plain_json(meta) -> bool:
    """A JSON body, no query string (DRF's ?format=), and an Accept that DRF would answer with JSON."""
    if meta.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != "application/json":
        return False
    if meta.get("QUERY_STRING"):
        return False
    accept = meta.get("HTTP_ACCEPT", "")
    return accept in ("", "*/*") or (accept.startswith("application/json") and "html" not in accept)


def _json(data: dict, status_code: int) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status_code, content_type="application/json")


def _apply_fast(drf_view):
    def view(request):
        if request.method == "POST" and _plain_json(request.META):
            try:
                values = apply_input_fast(request.body)
            except RequestDataTooBig:  # ApplyView answers it (413, the one error shape)
                values = None
            if values is not None:
                try:
                    applied = services.application_submit_public(ip=client_ip(request), **values)
                except ApplicationError as exc:
                    return error_response(exc)
                return _json(apply_payload(applied), 201 if applied.created else 200)
        return drf_view(request)

    for attr in ("cls", "initkwargs", "view_class", "view_initkwargs", "csrf_exempt"):  # schema, CSRF
        setattr(view, attr, getattr(drf_view, attr))
    view.__name__ = view.__qualname__ = drf_view.__name__
    view.__doc__ = drf_view.__doc__
    return view


apply_view = _apply_fast(ApplyView.as_view())


class PublicLineupView(APIView):
    """The approved employer lineup of a public session, with featured open jobs and apply links."""

    permission_classes = [AllowAny]

    @extend_schema(responses=s.PublicLineupOut)
    def get(self, request, pk):
        session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
        lineup = selectors.public_lineup(session)
        return Response(
            {
                "session": str(session.pk),
                "lineup": [
                    {
                        "employer": {
                            "id": str(r.employer_id),
                            "name": r.employer.name,
                            "verified": r.employer.verified,
                        },
                        "segment": str(r.segment_id) if r.segment_id else None,
                        "segment_title": r.segment.title if r.segment_id else None,
                        "starts_at": r.segment.starts_at if r.segment_id else None,
                        "ends_at": r.segment.ends_at if r.segment_id else None,
                        "postings": [
                            {
                                "id": str(p.id),
                                "title": p.title,
                                "pay_type": p.pay_type,
                                "pay_min": str(p.pay_min),
                                "pay_max": str(p.pay_max),
                                "apply_url": f"{settings.SITE_URL}/j/{p.links[0].code}/" if p.links else None,
                            }
                            for p in r.open_postings
                        ],
                    }
                    for r in lineup
                ],
            }
        )
