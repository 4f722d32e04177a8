import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from core.health import heartbeat_age
from core.serializers import StrictSerializer
from core.throttle import RateLimited, ScopedThrottle

HEARTBEAT_STALE_AFTER = 30  # seconds without a tick means worker or beat is down


class TokenInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class LoginThrottle(ScopedThrottle):
    scope = "token_ip"  # its own counter (sign-up has another), keyed by the real client address


class TokenView(APIView):
    """Exchange username + password for an API token (use it as `Authorization: Token <token>`)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenInputSerializer, responses=TokenOutputSerializer)
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
            raise RateLimited(
                "Too many failed logins for this account; retry later.",
                code="locked_out",
                retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()),
            )
        if user is None or not user.is_active:
            raise ApplicationError(
                gettext("Wrong username or password."),
                code="invalid_credentials",
                status_code=400,
                fields={"password": ["Wrong username or password."]},
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    is_organizer = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001 - health reports any failure
        return {"ok": False, "error": type(exc).__name__}


def _check_redis() -> tuple[dict, dict]:
    try:
        started = time.monotonic()
        client = cache._cache.get_client()  # the same Redis the counters and broker use
        client.ping()
        redis_status = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}, {"ok": False, "error": "redis unavailable"}
    age = heartbeat_age()
    fresh = age is not None and age <= max(HEARTBEAT_STALE_AFTER, settings.TICK_SECONDS * 5)
    return redis_status, {"ok": fresh, "last_tick_age_s": age}


def healthz(request):
    database = _check_database()
    redis_status, scheduler = _check_redis()
    checks = {"database": database, "redis": redis_status, "worker_beat": scheduler}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503
    )
