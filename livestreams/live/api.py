"""HTTP surface of live tracking.

The bridge endpoints (events, webhook, orders) are plain Django views: they authenticate with the
session's ingest credential, not a user, and skip DRF's per-request machinery on the hot path. The
organizer/host endpoints are DRF views scoped like the rest of the sessions API.
"""

from __future__ import annotations

import functools

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, Forbidden, NotFound, error_body
from core.models import User
from core.permissions import IsOrganizer
from core.serializers import StrictSerializer
from core.validation import reject_unknown
from livestreams import selectors
from livestreams.live import (
    credentials,
    ingest,
    orders,
    questions,
    refresh,
    results,
    schema,
    stats,
)
from livestreams.live.tasks import result_compute
from livestreams.models import IngestCredential, LiveEvent, LiveSession, Product, SessionResult

# --- Bridge endpoints -------------------------------------------------------------------------------


def _error(exc: ApplicationError) -> JsonResponse:
    response = JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _read_body(request) -> bytes:
    length = request.META.get("CONTENT_LENGTH")
    if length and length.isdigit() and int(length) > ingest.MAX_BODY_BYTES:
        raise ApplicationError(gettext("Request body too large."), code="payload_too_large", status_code=413)
    try:
        body = request.body
    except RequestDataTooBig:
        raise ApplicationError(
            gettext("Request body too large."), code="payload_too_large", status_code=413
        ) from None
    if len(body) > ingest.MAX_BODY_BYTES:
        raise ApplicationError(gettext("Request body too large."), code="payload_too_large", status_code=413)
    return body


def _parse(body: bytes):
    try:
        return orjson.loads(body)  # ~2× faster than json on event batches
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deeply
        raise ApplicationError(gettext("Body must be JSON."), code="parse_error") from None


def _ingest(authenticate, body: bytes) -> ingest.BatchOutcome:
    """``authenticate(recall=…)`` gives the IngestContext. First with the context this process recalls
    from an earlier request (no round trip; the statement that stores confirms it), then, when it no
    longer holds (``StaleContext``: nothing was stored), afresh from the database."""
    try:
        return _ingest_with(authenticate(recall=True), body)
    except credentials.StaleContext:
        return _ingest_with(authenticate(recall=False), body)


def _ingest_with(ctx, body: bytes) -> ingest.BatchOutcome:
    """A well-formed body is decoded straight into typed events; anything else is read as plain JSON
    and each event checked on its own, so that its problem is named. A body with a NUL escape always
    takes the plain path, which refuses NUL in any value."""
    nul_free = b"\\u0000" not in body
    events = ingest.events_decode(body) if nul_free else None
    if events is None:
        events = _events_payload(_parse(body))
    return ingest.events_ingest(ctx=ctx, events=events, nul_free=nul_free)


def _events_payload(data):
    if isinstance(data, dict) and set(data) == {"events"}:
        return data["events"]
    if isinstance(data, dict) and "type" in data:
        return [data]  # a single event
    if isinstance(data, list):
        return data
    raise ApplicationError(
        gettext('Send {"events": [...]} or a single event object.'), fields={"events": [gettext("Required.")]}
    )


def _ingest_response(request, outcome: ingest.BatchOutcome) -> HttpResponse:
    """``?results=problems`` answers only the events that were not accepted (with their index)."""
    problems_only = request.GET.get("results") == "problems"
    return HttpResponse(
        orjson.dumps(outcome.as_dict(problems_only=problems_only)), content_type="application/json"
    )


@csrf_exempt
def events_view(request, session_id):
    if request.method != "POST":
        return _error(ApplicationError(gettext("Use POST."), code="method_not_allowed", status_code=405))
    try:
        authenticate = functools.partial(
            credentials.authenticate_token,
            header=request.META.get("HTTP_AUTHORIZATION", ""),
            session_id=session_id,
        )
        return _ingest_response(request, _ingest(authenticate, _read_body(request)))
    except ApplicationError as exc:
        return _error(exc)


@csrf_exempt
def events_webhook_view(request, session_id):
    if request.method != "POST":
        return _error(ApplicationError(gettext("Use POST."), code="method_not_allowed", status_code=405))
    try:
        body = _read_body(request)
        authenticate = functools.partial(
            credentials.authenticate_signature,
            key_id=request.META.get("HTTP_X_YIZHAN_KEY", ""),
            timestamp=request.META.get("HTTP_X_YIZHAN_TIMESTAMP", ""),
            signature=request.META.get("HTTP_X_YIZHAN_SIGNATURE", ""),
            body=body,
            session_id=session_id,
        )
        return _ingest_response(request, _ingest(authenticate, body))
    except ApplicationError as exc:
        return _error(exc)


@csrf_exempt
def orders_view(request, session_id):
    if request.method != "POST":
        return _error(ApplicationError(gettext("Use POST."), code="method_not_allowed", status_code=405))
    try:
        credentials.authenticate_token(
            header=request.META.get("HTTP_AUTHORIZATION", ""), session_id=session_id
        )
        data = _parse(_read_body(request))
        if not isinstance(data, dict):
            raise ApplicationError(
                gettext("Send one order object."), fields={"order_id": [gettext("Required.")]}
            )
        reject_unknown(data, {"order_id", "product", "sku", "quantity", "amount", "buyer", "ts", "status"})
        session = LiveSession.objects.get(pk=session_id)
        parsed = orders.order_parse(session=session, raw=data)
        order, outcome = orders.order_record(session=session, data=parsed)
        return JsonResponse(
            {
                "outcome": outcome,
                "order": {
                    "order_id": order.platform_order_id,
                    "status": order.status,
                    "amount": str(order.amount),
                    "quantity": order.quantity,
                    "channel": order.channel,
                    "minute_offset": order.minute_offset,
                    "segment": str(order.segment_id) if order.segment_id else None,
                },
            },
            status=201 if outcome == "created" else 200,
        )
    except ApplicationError as exc:
        return _error(exc)


# --- Organizer / host endpoints -----------------------------------------------------------------------


class CredentialInput(StrictSerializer):
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False)


def _credential_out(c: IngestCredential) -> dict:
    return {
        "key_id": c.key_id,
        "label": c.label,
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "revoked_at": c.revoked_at,
    }


class CredentialListView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(responses=schema.CredentialOut(many=True))
    def get(self, request, session_id):
        session = selectors.session_for_organizer(request.user, session_id)
        return Response([_credential_out(c) for c in session.ingest_credentials.all()])

    @extend_schema(request=CredentialInput, responses={201: schema.CredentialIssuedOut})
    def post(self, request, session_id):
        session = selectors.session_for_organizer(request.user, session_id)
        data = CredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = credentials.credential_issue(session=session, by=request.user, **data.validated_data)
        out = _credential_out(issued.credential) | {
            "token": issued.token,
            "signing_secret": issued.signing_secret,
        }
        return Response(out, status=status.HTTP_201_CREATED)


class CredentialRevokeView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(request=None, responses=schema.CredentialOut)
    def post(self, request, session_id, key_id):
        session = selectors.session_for_organizer(request.user, session_id)
        credential = get_object_or_404(session.ingest_credentials, key_id=key_id)
        credential = credentials.credential_revoke(credential=credential, by=request.user)
        return Response(_credential_out(credential))


class LiveStatsView(APIView):
    """Live counters from Redis (fresh within the last batch), applications from PostgreSQL.

    The data screen polls this every 2 s while ingest runs, so it is kept small: one PostgreSQL row
    (scope check, no model instance), one Redis pipeline for the counters (a rebuild only when Redis
    lost them), the applications count shared between pollers, and an orjson body. A repeat by the
    credential already checked for the session is answered from this process's memory before DRF runs,
    kept fresh by a background thread (livestreams/live/stats.py): no PostgreSQL, no Redis.
    """

    permission_classes = [IsAuthenticated]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            cached = stats.cached_response(request, kwargs["session_id"])
            if cached is not None:
                return cached
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(responses=schema.LiveStatsOut)
    def get(self, request, session_id):
        header = selectors.session_header_for_staff(request.user, session_id)
        stats.remember_allowed(request, session_id, header)
        return stats.response(stats.body(header))


class QuestionListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=schema.QuestionOut(many=True))
    def get(self, request, session_id):
        session = selectors.session_for_staff(request.user, session_id)
        qs = LiveEvent.objects.filter(session=session, is_question=True).order_by("-ts")
        if request.query_params.get("unanswered") in ("1", "true"):
            qs = qs.filter(answered_at__isnull=True)
        items = qs[:200]
        return Response(
            [
                {
                    "id": e.pk,
                    "event_id": e.event_id,
                    "ts": e.ts,
                    "viewer": e.viewer,
                    "text": e.text,
                    "answered_at": e.answered_at,
                }
                for e in items
            ]
        )


class QuestionAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=schema.QuestionAnsweredOut)
    def post(self, request, session_id, pk):
        session = selectors.session_for_staff(request.user, session_id)
        event, changed = questions.question_answer(session=session, question_id=pk, by=request.user)
        answer = {"id": event.pk, "answered_at": event.answered_at, "changed": changed}
        return Response(schema.QuestionAnsweredOut(answer).data)


def result_payload(result: SessionResult) -> dict:
    return {
        "session": str(result.session_id),
        "computed_at": result.computed_at,
        "scorecard": result.scorecard,
        "breakdowns": result.breakdowns,
        "timeline": result.timeline,
    }


class ResultView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(responses=schema.ResultOut)
    def get(self, request, session_id):
        session = selectors.session_for_organizer(request.user, session_id)
        result = SessionResult.objects.filter(session=session).first()
        if result is None:
            raise NotFound(
                gettext("No result yet; it is computed when the session ends or on demand."), code="no_result"
            )
        return Response(result_payload(result))


class ResultComputeView(APIView):
    """On demand: enqueue the Celery task (202), or compute inline with ?wait=1."""

    permission_classes = [IsOrganizer]

    @extend_schema(request=None, responses={200: schema.ResultOut, 202: schema.ResultQueuedOut})
    def post(self, request, session_id):
        session = selectors.session_for_organizer(request.user, session_id)
        if session.status in (
            LiveSession.Status.DRAFT,
            LiveSession.Status.SCHEDULED,
            LiveSession.Status.CANCELLED,
        ):
            raise ApplicationError(
                f"A {session.status} session has no results.", code="invalid_state", status_code=409
            )
        if request.query_params.get("wait") in ("1", "true"):
            return Response(result_payload(refresh.result_refresh_compute(session_id=session.pk)))
        result_compute.delay_on_commit(str(session.pk))
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class SeriesResultView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(responses=schema.SeriesResultOut)
    def get(self, request, series_id):
        series = selectors.series_for_organizer(request.user, series_id)
        roll = results.series_rollup(series=series)
        sessions = [
            {
                "session": str(row["session"].pk),
                "title": row["session"].title,
                "starts_at": row["session"].starts_at,
                "result": row["result"].scorecard if row["result"] else None,
            }
            for row in roll.pop("sessions")
        ]
        return Response(
            {"series": str(series.pk), "title": series.title, "totals": roll, "sessions": sessions}
        )


class ProductInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    sku = serializers.CharField(max_length=64)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    seller = serializers.IntegerField(required=False, allow_null=True)


class ProductOut(serializers.Serializer):
    """The published shape of a product (built by ``_product_out``; this documents it)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    sku = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    seller = serializers.IntegerField(allow_null=True)
    seller_name = serializers.CharField(allow_null=True)


def _product_out(p: Product) -> dict:
    return {
        "id": str(p.pk),
        "name": p.name,
        "sku": p.sku,
        "price": str(p.price),
        "seller": p.seller_id,
        "seller_name": p.seller.name if p.seller_id else None,
    }


class ProductListView(APIView):
    """Organizers manage their union's products; a trainee seller sees their own."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProductOut(many=True))
    def get(self, request):
        user = request.user
        qs = Product.objects.select_related("seller").order_by("name")
        if user.is_superuser:
            pass
        elif user.is_organizer:
            qs = qs.filter(union_id=user.union_id)
        else:
            qs = qs.filter(seller=user)
        return Response([_product_out(p) for p in qs[:500]])

    @extend_schema(request=ProductInput, responses={201: ProductOut})
    def post(self, request):
        if not request.user.is_organizer or not request.user.union_id:
            raise Forbidden(gettext("Only organizers can add products."))
        data = ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        seller = None
        if values.get("seller"):
            seller = User.objects.filter(pk=values["seller"]).first()
            if seller is None:
                raise ApplicationError(
                    gettext("Unknown seller."), fields={"seller": [gettext("Unknown user.")]}
                )
        values["seller"] = seller
        product = orders.product_create(by=request.user, union=request.user.union, **values)
        return Response(_product_out(product), status=status.HTTP_201_CREATED)
