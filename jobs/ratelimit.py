"""Fixed-window rate limits for the public apply (per IP and per mobile number), Redis with a
PostgreSQL fallback (core.ratelimit): an application is never refused because Redis is down.

Limits come from settings (env JOBS_APPLY_LIMIT_IP / JOBS_APPLY_LIMIT_PHONE as "count/seconds", "0"
disables), so the benchmark can lift them. Both counters are bumped in one round trip.
The check happens before anything is written, so a refused request never leaves half an application
behind, and a retry after Retry-After is answered normally (a repeat returns the existing row).
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.ratelimit import Window, rate_hit

# A fair's audience often shares one carrier-grade NAT or a factory Wi-Fi, so the IP limit is generous;
# a single number gets a handful of applications per 10 minutes (it may apply to several jobs).
DEFAULT_IP = "120/60"
DEFAULT_PHONE = "10/600"


def _parse(rule: str) -> tuple[int, int]:
    rule = (rule or "0").strip()
    if rule in ("", "0", "off"):
        return 0, 1
    count, _, seconds = rule.partition("/")
    return int(count), int(seconds or 60)


class RateLimited(ApplicationError):
    status_code = 429


def apply_rate_check(*, ip: str, phone: str | None) -> None:
    """Count this apply per IP and per number; 429 with Retry-After over either limit (Redis or, while
    Redis is down, PostgreSQL counts: see core.ratelimit)."""
    ip_limit, ip_window = _parse(
        getattr(settings, "JOBS_APPLY_LIMIT_IP", None) or os.environ.get("JOBS_APPLY_LIMIT_IP", DEFAULT_IP)
    )
    phone_limit, phone_window = _parse(
        getattr(settings, "JOBS_APPLY_LIMIT_PHONE", None)
        or os.environ.get("JOBS_APPLY_LIMIT_PHONE", DEFAULT_PHONE)
    )
    over = rate_hit(
        [
            Window("jobs:apply:ip", ip or "", ip_limit, ip_window),
            Window("jobs:apply:phone", phone or "", phone_limit, phone_window),
        ]
    )
    if over is not None:
        raise RateLimited(
            gettext("提交太频繁，请稍后再试。"),
            code="rate_limited",
            headers={"Retry-After": str(over.retry_after(int(time.time())))},
        )


def client_ip(request) -> str:
    # Behind a reverse proxy set JOBS_TRUSTED_PROXY_COUNT so the real client address is used.
    hops = int(getattr(settings, "JOBS_TRUSTED_PROXY_COUNT", 0))
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
