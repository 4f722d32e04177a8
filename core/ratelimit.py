"""Fixed-window rate-limit counters: Redis first, PostgreSQL when Redis is unreachable.

A limit protects what people came to do (apply, sign up, book); it must never be the reason that fails.
Counting happens in one Redis command (a small script: INCR per window key, EXPIRE on a new one). When Redis cannot be reached the
same windows are counted in PostgreSQL (``core.RateCounter``, one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` per key, atomic under parallel requests), with a warning in the log, so limits keep holding
through an outage and the request goes on to be stored.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import redis
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """``limit`` hits per ``seconds`` for one subject (e.g. ``"jobs:apply:ip", "203.0.113.9"``)."""

    scope: str
    subject: str
    limit: int
    seconds: int

    def key(self, now: int) -> str:
        return f"yizhan:rl:{self.scope}:{self.subject}:{now // self.seconds}"

    def retry_after(self, now: int) -> int:
        return max(1, self.seconds - now % self.seconds)


@functools.cache
def _redis():
    """One client per process over the cache's connection pool (thread-safe): building a redis-py client
    costs about 0.5 ms (its response-callback table), which the apply hot path paid on every request."""
    return cache._cache.get_client(write=True)


# INCR every window's key (and give a new key its TTL) in one command: one round trip like the pipeline
# of INCR + EXPIRE per key it replaces, but one command to encode, send and parse instead of four
# (the pipeline was a quarter of the apply's CPU in benchmarks/profile_apply.py).
_COUNT_LUA = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCR', key)
    if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


@functools.cache
def _count_script():
    return _redis().register_script(_COUNT_LUA)  # EVALSHA, loading the script again after a restart


def _count_in_redis(keys: list[tuple[str, int]]) -> list[int]:
    counts = _count_script()(keys=[key for key, _ in keys], args=[seconds + 5 for _, seconds in keys])
    return [int(count) for count in counts]


_UPSERT = """
INSERT INTO core_ratecounter (key, count, expires_at) VALUES (%s, 1, %s)
ON CONFLICT (key) DO UPDATE SET count = core_ratecounter.count + 1
RETURNING count
"""


def _count_in_postgres(keys: list[tuple[str, int]]) -> list[int]:
    now = timezone.now()
    counts = []
    with connection.cursor() as cur:
        for key, seconds in keys:
            cur.execute(_UPSERT, [key[:255], now + timedelta(seconds=seconds + 5)])
            counts.append(cur.fetchone()[0])
        if 1 in counts:  # a new window opened: clear the ones that ended
            cur.execute("DELETE FROM core_ratecounter WHERE expires_at < %s", [now])
    return counts


def rate_hit(windows: list[Window]) -> Window | None:
    """Count one hit in every window; returns the first window now over its limit, else None."""
    windows = [w for w in windows if w.limit > 0 and w.subject]
    if not windows:
        return None
    now = int(time.time())
    keys = [(w.key(now), w.seconds) for w in windows]
    try:
        counts = _count_in_redis(keys)
    except redis.RedisError as exc:
        log.warning("rate limit counted in PostgreSQL: Redis unavailable (%s)", exc)
        counts = _count_in_postgres(keys)
    for window, count in zip(windows, counts, strict=True):
        if count > window.limit:
            return window
    return None
