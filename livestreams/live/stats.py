"""The live stats poll (``GET /api/v1/sessions/<id>/live/``), kept off PostgreSQL and Redis on a repeat.

Every screen of a session polls this while the bridge's ingest batches keep PostgreSQL and Redis busy,
so each gunicorn process keeps two small things for ``LIVE_STATS_CACHE_SECONDS`` (default 1 s; the
screen polls every 2 s):

* the scope check's answer, keyed by the request's credential (the ``Authorization: Token …`` header,
  or the session cookie when there is no such header) and the session id. Only an allowed answer is
  kept, so someone outside the session's union still gets a 404 every time, and a credential that has
  not passed the full check for that session never reaches the fast path;
* the answer body per session (counters from Redis, applications), shared by every caller who passed
  the scope check. ``as_of`` says when it was read.

A repeat within the window is answered from memory: no PostgreSQL, no Redis, no DRF. The price: a token
deleted, a sign-out or a host removed takes effect on the next window (≤ 1 s) for a credential already
seen, and figures are up to one window old. ``LIVE_STATS_CACHE_SECONDS=0`` switches the cache off.
"""

from __future__ import annotations

import threading
import time

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from livestreams.live import counters, screen

_MAX_ENTRIES = 4096  # per process, per kind; expired entries are dropped when full
_lock = threading.Lock()
_allowed: dict[tuple[str, str], tuple[float, dict]] = {}  # (credential, session) -> (expires, header)
_bodies: dict[str, tuple[float, bytes]] = {}  # session -> (expires, response body)


def window() -> float:
    return float(getattr(settings, "LIVE_STATS_CACHE_SECONDS", 1.0))


def clear() -> None:
    with _lock:
        _allowed.clear()
        _bodies.clear()


def credential(request) -> str | None:
    """What identifies the caller exactly as DRF will (token first, then the session cookie)."""
    auth = request.META.get("HTTP_AUTHORIZATION")
    if auth is not None:
        return "t:" + auth[6:].strip() if auth.startswith("Token ") else None
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return "s:" + cookie if cookie else None


def _put(store: dict, key, value) -> None:
    with _lock:
        if len(store) >= _MAX_ENTRIES:
            now = time.time()
            for k in [k for k, (expires, _) in store.items() if expires <= now]:
                del store[k]
            if len(store) >= _MAX_ENTRIES:
                store.clear()
        store[key] = value


def _get(store: dict, key):
    entry = store.get(key)
    if entry is None or entry[0] <= time.time():
        return None
    return entry[1]


def remember_allowed(request, session_id, header: dict) -> None:
    """Called after the full scope check passed for this request's credential."""
    who, seconds = credential(request), window()
    if who is not None and seconds > 0:
        _put(_allowed, (who, str(session_id)), (time.time() + seconds, header))


def body(header: dict) -> bytes:
    """The answer for a session the caller may see: from memory within the window, else read fresh."""
    key, seconds = str(header["id"]), window()
    if seconds > 0:
        cached = _get(_bodies, key)
        if cached is not None:
            return cached
    fresh = _read(header)
    if seconds > 0:
        _put(_bodies, key, (time.time() + seconds, fresh))
    return fresh


def cached_response(request, session_id) -> HttpResponse | None:
    """The fast path: an answer without PostgreSQL when this credential passed the scope check lately."""
    if window() <= 0:
        return None
    who = credential(request)
    if who is None:
        return None
    header = _get(_allowed, (who, str(session_id)))
    if header is None:
        return None
    answer = response(body(header))
    answer["X-Live-Stats-Cache"] = "hit"  # lets the benchmark report its hit rate
    return answer


def response(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type="application/json")


def _read(header: dict) -> bytes:
    session_id = header["id"]
    degraded, applications = False, None
    apps_key = screen.applications_key(session_id)
    try:  # counters and the shared applications count in one round trip
        stats, applications = counters.read_and_get(session_id, apps_key, went_live_at=header["went_live_at"])
        if not stats["built"]:  # Redis lost them (restart): rebuild from PostgreSQL, read again
            counters.ensure_built(session_id)
            stats = counters.read(session_id, went_live_at=header["went_live_at"])
    except counters.redis.RedisError:
        degraded = True
        stats = {}
    out = {
        "session": str(session_id),
        "status": header["status"],
        "went_live_at": header["went_live_at"],
        "as_of": timezone.now(),
        "counters": "degraded" if degraded else "ok",
        "applications": screen.applications_count(session_id, cached=applications),
        **stats,
    }
    return orjson.dumps(out, option=orjson.OPT_UTC_Z)
