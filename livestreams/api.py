"""Thin views: input serializer → service → output serializer."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.errors import NotFound
from core.permissions import IsOrganizer, IsOrganizerOrReadOnly, PublicReadOrganizerWrite
from livestreams import selectors, services
from livestreams.models import LiveSession, Segment
from livestreams.serializers import (
    CancelInputSerializer,
    EmptyInputSerializer,
    SegmentInputSerializer,
    SegmentSerializer,
    SeriesInputSerializer,
    SeriesSerializer,
    SessionInputSerializer,
    SessionListSerializer,
    SessionSerializer,
)


class SessionFilter(django_filters.FilterSet):
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = LiveSession
        fields = ["status", "kind", "series"]


class SeriesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SeriesSerializer
    permission_classes = [PublicReadOrganizerWrite]  # public series are listed anonymously (docs/api.md)

    def get_queryset(self):
        return selectors.series_visible_to(self.request.user)

    @extend_schema(request=SeriesInputSerializer, responses={201: SeriesSerializer})
    def create(self, request):
        data = SeriesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        series = services.series_create(by=request.user, **data.validated_data)
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Livestream sessions. Reads are scoped to the requester; writes are for organizers of the session's union."""

    permission_classes = [IsOrganizerOrReadOnly]
    filterset_class = SessionFilter
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        qs = selectors.sessions_visible_to(self.request.user)
        if self.action == "list":
            return qs.prefetch_related("hosts").order_by("starts_at")
        return qs.prefetch_related("hosts", "segments")

    def get_serializer_class(self):
        return SessionListSerializer if self.action == "list" else SessionSerializer

    def editable_session(self) -> LiveSession:
        return get_object_or_404(selectors.sessions_editable_by(self.request.user), pk=self.kwargs["pk"])

    def _out(self, session, code=status.HTTP_200_OK):
        session = LiveSession.objects.prefetch_related("hosts", "segments").get(pk=session.pk)
        return Response(SessionSerializer(session, context={"request": self.request}).data, status=code)

    @extend_schema(request=SessionInputSerializer, responses={201: SessionSerializer})
    def create(self, request):
        data = SessionInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        session = services.session_create(by=request.user, **data.validated_data)
        return self._out(session, status.HTTP_201_CREATED)

    @extend_schema(request=SessionInputSerializer, responses=SessionSerializer)
    def partial_update(self, request, pk=None):
        session = self.editable_session()
        data = SessionInputSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        session = services.session_update(session=session, by=request.user, **data.validated_data)
        return self._out(session)

    @extend_schema(request=EmptyInputSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self._out(services.session_schedule(session=self.editable_session(), by=request.user))

    @extend_schema(request=CancelInputSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        session = self.editable_session()
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.session_cancel(session=session, by=request.user, **data.validated_data))

    @extend_schema(request=EmptyInputSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request, pk=None):
        EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self._out(services.session_go_live(session=self.editable_session(), by=request.user))

    @extend_schema(request=EmptyInputSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        return self._out(services.session_end(session=self.editable_session(), by=request.user))


class SegmentViewSet(viewsets.GenericViewSet):
    """Lineup segments of one session."""

    serializer_class = SegmentSerializer
    permission_classes = [IsOrganizer]
    queryset = Segment.objects.none()  # for the schema generator only; real reads go through session()
    lookup_value_regex = "[0-9a-f-]{36}"

    def session(self) -> LiveSession:
        return get_object_or_404(
            selectors.sessions_editable_by(self.request.user), pk=self.kwargs["session_pk"]
        )

    def segment(self) -> Segment:
        segment = self.session().segments.filter(pk=self.kwargs["pk"]).first()
        if segment is None:
            raise NotFound()
        return segment

    def list(self, request, session_pk=None):
        segments = self.session().segments.order_by("starts_at")
        return Response(SegmentSerializer(segments, many=True).data)

    @extend_schema(request=SegmentInputSerializer, responses={201: SegmentSerializer})
    def create(self, request, session_pk=None):
        session = self.session()
        data = SegmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_create(session=session, by=request.user, **data.validated_data)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, session_pk=None, pk=None):
        return Response(SegmentSerializer(self.segment()).data)

    @extend_schema(request=SegmentInputSerializer, responses=SegmentSerializer)
    def partial_update(self, request, session_pk=None, pk=None):
        segment = self.segment()
        data = SegmentInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        segment = services.segment_update(segment=segment, by=request.user, **data.validated_data)
        return Response(SegmentSerializer(segment).data)

    def destroy(self, request, session_pk=None, pk=None):
        services.segment_delete(segment=self.segment(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
