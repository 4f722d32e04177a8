"""DRF throttles counted by core.ratelimit (Redis, PostgreSQL while Redis is down).

DRF's own SimpleRateThrottle keeps a history list in the cache: with Redis unreachable every throttled
request (sign-up, booking) would answer 500. These count fixed windows with an atomic INCR instead, and
fall back to PostgreSQL, so a throttle never decides whether a person's sign-up is stored.
"""

from __future__ import annotations

import time

from rest_framework.throttling import AnonRateThrottle

from core.ratelimit import Window, rate_hit


class ResilientAnonRateThrottle(AnonRateThrottle):
    """Per client address, ``rate`` as in DRF (``"20/min"``); the scope names the counter."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_ident(request)
        over = rate_hit([Window(f"throttle:{self.scope}", ident, self.num_requests, self.duration)])
        self._retry_after = over.retry_after(int(time.time())) if over else None
        return over is None

    def wait(self):
        return self._retry_after
