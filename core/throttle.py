"""Request throttles: who the client is, and fixed-window counters with one scope per throttle.

- ``client_ip``: ``X-Forwarded-For`` is believed only when the direct peer is one of
  ``settings.TRUSTED_PROXIES`` (env ``TRUSTED_PROXIES``: addresses or networks). Without configured
  proxies the header is ignored, so a client cannot pick its own address to dodge a limit.
- ``rate_hit``: one atomic Redis ``INCR`` per (scope, key, window), so parallel requests cannot slip past
  the limit (a read-then-write counter lets them). Each throttle names its own scope, so the sign-in
  limit and the sign-up limit never share a counter. When Redis is down the limit fails open with a log
  line: sign-in, sign-up and bookings must not depend on Redis (PostgreSQL is the source of truth).
- Refusals are ``RateLimited`` (429) and always carry ``Retry-After``.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from core.errors import ApplicationError

logger = logging.getLogger(__name__)


class RateLimited(ApplicationError):
    status_code = 429

    def __init__(self, message: str = "", *, retry_after: int, code: str = "rate_limited", **kwargs):
        retry_after = max(int(retry_after), 1)
        kwargs.setdefault("headers", {})["Retry-After"] = str(retry_after)
        super().__init__(message or _("操作太频繁，请稍后再试。"), code=code, **kwargs)
        self.retry_after = retry_after


@cache
def _trusted_networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or — when that is a trusted proxy — the right-most
    X-Forwarded-For entry that is not itself a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not settings.TRUSTED_PROXIES or not _is_trusted(remote):
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage from the client side of the proxy chain
    return remote


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, rule: str) -> Rate | None:
        """ "10/60" (10 per 60 s), "30/min", "5/hour"; "0"/"off" disables."""
        rule = (rule or "").strip().lower()
        if rule in ("", "0", "off"):
            return None
        count, _sep, period = rule.partition("/")
        named = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}
        window = named.get(period) or int(period or 60)
        return cls(int(count), window)


def _redis():
    return django_cache._cache.get_client(write=True)


def rate_hit(*, scope: str, key: str, rate: Rate | None, cost: int = 1) -> int | None:
    """Count one hit; return seconds to wait when over the limit, else None."""
    if rate is None or not key:
        return None
    now = int(time.time())
    bucket = now // rate.window
    name = f"yizhan:rl:{scope}:{key}:{bucket}"
    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.incrby(name, cost)
        pipe.expire(name, rate.window + 5)
        count = pipe.execute()[0]
    except Exception as exc:  # noqa: BLE001 - any Redis failure: fail open, loudly
        logger.warning("rate limit %s unavailable (%s); letting the request through", scope, exc)
        return None
    if count > rate.limit:
        return rate.window - now % rate.window
    return None


def rate_peek(*, scope: str, key: str, rate: Rate | None) -> int | None:
    """Like rate_hit but without counting: seconds to wait if the window is already full."""
    if rate is None or not key:
        return None
    now = int(time.time())
    try:
        count = int(_redis().get(f"yizhan:rl:{scope}:{key}:{now // rate.window}") or 0)
    except Exception as exc:  # noqa: BLE001
        logger.warning("rate limit %s unavailable (%s); letting the request through", scope, exc)
        return None
    return rate.window - now % rate.window if count >= rate.limit else None


def rate_check(*, scope: str, key: str, rate: Rate | None, message: str = "") -> None:
    wait = rate_hit(scope=scope, key=key, rate=rate)
    if wait is not None:
        raise RateLimited(message, retry_after=wait)


def setting_rate(scope: str) -> Rate | None:
    return Rate.parse(settings.THROTTLE_RATES.get(scope, ""))


class ScopedThrottle(BaseThrottle):
    """DRF throttle with its own scope (``scope`` attribute; rate from settings.THROTTLE_RATES) keyed by
    the client address from ``client_ip``; atomic counter; ``wait()`` feeds Retry-After."""

    scope = ""

    def allow_request(self, request, view):
        self._wait = rate_hit(scope=self.scope, key=client_ip(request), rate=setting_rate(self.scope))
        return self._wait is None

    def wait(self):
        return getattr(self, "_wait", None)
