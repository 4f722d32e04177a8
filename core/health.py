"""The beat heartbeat: ``livestreams.tick`` touches it on every run, ``/healthz`` reads its age.

It lives in core because the health check is core's; the tick only reports that it ran.
"""

from __future__ import annotations

import time

from django.core.cache import cache

HEARTBEAT_KEY = "heartbeat:tick"


def heartbeat_touch() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def heartbeat_age() -> float | None:
    """Seconds since the last tick, or None when no tick has run (or Redis lost the key)."""
    last = cache.get(HEARTBEAT_KEY)
    return None if last is None else round(time.time() - float(last), 1)
