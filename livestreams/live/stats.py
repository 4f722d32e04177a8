"""The live stats poll (``GET /api/v1/sessions/<id>/live/``), answered from memory on the common path.

Every screen of a session polls this every 2 s while the bridge's ingest batches keep PostgreSQL and
Redis busy. Each gunicorn process keeps two small things and a background thread (started lazily in
the process, after the fork) keeps them fresh while they are used, so that a steady poller's request
touches neither PostgreSQL nor Redis nor DRF:

* the scope check's answer, keyed by the request's credential (the ``Authorization: Token …`` header,
  or the session cookie when there is no such header) and the session id. Only an allowed answer is
  kept, so someone outside the session's union still gets a 404 every time, and a credential that has
  not passed the full check for that session never reaches the fast path. An answer is served for at
  most ``LIVE_STATS_SCOPE_SECONDS`` (default 5 s) after it was last checked; the thread re-checks it
  (the same token or session lookup and the same scope query as a request) once it is half that old,
  so a deleted token, a sign-out, a deactivated user or a removed host loses access within
  ``LIVE_STATS_SCOPE_SECONDS`` whether or not the thread kept up;
* the answer body per session (counters from Redis, applications), shared by every caller who passed
  the scope check and served while younger than ``LIVE_STATS_CACHE_SECONDS`` (default 1 s). The thread
  reads it again once it is half that old, so a poll finds it fresh; ``as_of`` says when it was read.

What the thread keeps fresh is what was polled within the last ``HOT_SECONDS``; the rest expires. If
the thread falls behind, a poll reads inline as before (one PostgreSQL row, one Redis round trip).
``LIVE_STATS_CACHE_SECONDS=0`` switches the memory and the thread off; ``LIVE_STATS_REFRESH=0`` keeps
the memory but not the thread (the default under tests, which call ``refresh()`` themselves).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from importlib import import_module
from types import SimpleNamespace

import orjson
from django.conf import settings
from django.contrib.auth import get_user
from django.db import close_old_connections
from django.http import Http404, HttpResponse
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from livestreams import selectors
from livestreams.live import counters, screen
from livestreams.models import LiveSession

logger = logging.getLogger(__name__)

HOT_SECONDS = 10.0  # refreshed while polled this recently (a screen polls every 2 s)
_MAX_ENTRIES = 4096  # per process, per kind; expired entries are dropped when full
_lock = threading.Lock()
# (credential, session) -> [header, checked_at, used_at]
_allowed: dict[tuple[str, str], list] = {}
# session -> [header, read_at, used_at, response body]
_bodies: dict[str, list] = {}
_refresher_pid: int | None = None


def window() -> float:
    return float(getattr(settings, "LIVE_STATS_CACHE_SECONDS", 1.0))


def scope_window() -> float:
    return float(getattr(settings, "LIVE_STATS_SCOPE_SECONDS", 5.0))


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


def _put(store: dict, key, value, *, ttl: float) -> None:
    with _lock:
        if len(store) >= _MAX_ENTRIES:
            now = time.time()
            for k in [k for k, entry in store.items() if entry[1] + ttl <= now]:
                del store[k]
            if len(store) >= _MAX_ENTRIES:
                store.clear()
        store[key] = value


def remember_allowed(request, session_id, header: dict) -> None:
    """Called after the full scope check passed for this request's credential."""
    who = credential(request)
    if who is not None and window() > 0:
        now = time.time()
        _put(_allowed, (who, str(session_id)), [header, now, now], ttl=scope_window())
        _ensure_refresher()


def body(header: dict) -> bytes:
    """The answer for a session the caller may see: from memory while fresh, else read now."""
    key, seconds, now = str(header["id"]), window(), time.time()
    if seconds > 0:
        entry = _bodies.get(key)
        if entry is not None and now - entry[1] < seconds:
            entry[2] = now
            return entry[3]
    fresh = _read(header)
    if seconds > 0:
        _put(_bodies, key, [header, now, now, fresh], ttl=seconds)
    return fresh


def cached_response(request, session_id) -> HttpResponse | None:
    """The fast path: an answer without PostgreSQL when this credential passed the scope check lately.

    ``X-Live-Stats-Cache``: ``hit`` when the answer came from memory alone, ``scope`` when only the
    scope check did (the body was read now); absent when the full check ran."""
    if window() <= 0:
        return None
    who = credential(request)
    if who is None:
        return None
    now = time.time()
    entry = _allowed.get((who, str(session_id)))
    if entry is None or now - entry[1] >= scope_window():
        return None
    entry[2] = now
    cached = _bodies.get(str(session_id))
    hit = cached is not None and now - cached[1] < window()
    answer = response(body(entry[0]))
    answer["X-Live-Stats-Cache"] = "hit" if hit else "scope"  # lets the benchmark count misses
    _ensure_refresher()
    return answer


def response(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type="application/json")


# --- the background refresh --------------------------------------------------------------------


def _user_for(who: str):
    """The user this credential authenticates as now (the same lookups as DRF's), or None."""
    kind, value = who[:2], who[2:]
    if kind == "t:":
        try:
            return TokenAuthentication().authenticate_credentials(value)[0]
        except AuthenticationFailed:
            return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=value)
    user = get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated and user.is_active else None


def _recheck(who: str, session_id: str) -> dict | None:
    user = _user_for(who)
    if user is None:
        return None
    try:
        return selectors.session_header_for_staff(user, session_id)
    except Http404:
        return None


def refresh() -> None:
    """One pass of the background thread: re-check the scope answers in use that are half expired
    (dropping the ones no longer allowed) and re-read the bodies in use that are half expired."""
    now = time.time()
    scope, seconds = scope_window(), window()
    for key, entry in list(_allowed.items()):
        if now - entry[2] > HOT_SECONDS or now - entry[1] < scope / 2:
            if now - entry[1] >= scope:
                _allowed.pop(key, None)
            continue
        header = _recheck(*key)
        if header is None:
            _allowed.pop(key, None)
        else:
            entry[0], entry[1] = header, time.time()
    due = [sid for sid, e in list(_bodies.items()) if now - e[2] <= HOT_SECONDS and now - e[1] >= seconds / 2]
    if not due:
        return
    headers = {
        str(h["id"]): h for h in LiveSession.objects.filter(pk__in=due).values("id", "status", "went_live_at")
    }
    for sid in due:
        header = headers.get(sid)
        if header is None:
            _bodies.pop(sid, None)
            continue
        read_at = time.time()
        fresh = _read(header)
        used = _bodies.get(sid, [None, 0, now])[2]
        _put(_bodies, sid, [header, read_at, used, fresh], ttl=seconds)


def _loop() -> None:
    while window() > 0:
        time.sleep(window() / 4)
        close_old_connections()
        try:
            refresh()
        except Exception:  # noqa: BLE001 - the thread must outlive a PostgreSQL or Redis outage
            logger.exception("live stats refresh failed; polls read inline until it recovers")
        finally:
            close_old_connections()


def _ensure_refresher() -> None:
    """Start this process's refresh thread once (gunicorn forks after import, so check the pid)."""
    global _refresher_pid
    if _refresher_pid == os.getpid() or not getattr(settings, "LIVE_STATS_REFRESH", True):
        return
    with _lock:
        if _refresher_pid == os.getpid():
            return
        _refresher_pid = os.getpid()
    threading.Thread(target=_loop, name="live-stats-refresh", daemon=True).start()


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
