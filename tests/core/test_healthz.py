"""GET /healthz: database, Redis and the worker/beat heartbeat written by livestreams.tick."""

import time

import pytest
from django.core.cache import cache

from core.health import HEARTBEAT_KEY
from livestreams.tasks import tick

pytestmark = pytest.mark.django_db


def test_healthz_ok_after_a_tick(client):
    tick()  # the real task body: claims nothing, then writes the heartbeat

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker_beat"]["ok"] is True
    assert 0 <= body["checks"]["worker_beat"]["last_tick_age_s"] < 5


def test_healthz_503_when_no_tick_ever_ran(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker_beat"] == {"ok": False, "last_tick_age_s": None}
    assert body["checks"]["database"]["ok"] is True


def test_healthz_503_when_heartbeat_is_stale(client):
    cache.set(HEARTBEAT_KEY, time.time() - 600, timeout=None)

    response = client.get("/healthz")

    assert response.status_code == 503
    scheduler = response.json()["checks"]["worker_beat"]
    assert scheduler["ok"] is False
    assert scheduler["last_tick_age_s"] >= 600


def test_healthz_503_not_500_when_redis_is_unreachable(client, settings, tmp_path):
    tick()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{tmp_path / 'nobody-listens.sock'}",
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert checks["redis"]["error"] == "ConnectionError"
    assert checks["worker_beat"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_healthz_needs_no_login_and_is_json(client):
    tick()
    response = client.get("/healthz", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["checks"]) == {"database", "redis", "worker_beat"}
