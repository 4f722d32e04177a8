"""The live room's read model: one snapshot for the data screen, cheap enough to poll every 2 seconds.

Counters come from Redis in one pipeline (``counters.read``). What Redis does not count per item —
applications per job and per segment, orders per product — and the lineup come from PostgreSQL in a few
grouped queries whose answer is cached in Redis for ``BREAKDOWN_TTL`` seconds, so ten screens polling a
session cost one set of queries per interval, not ten. Applications and orders are authoritative in
PostgreSQL, so that part still works when Redis is down; the counters then say "degraded" instead of 0.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import redis
from django.db.models import Count, Q, Sum
from django.utils import timezone

from core import formatting
from livestreams.live import counters, results
from livestreams.models import LiveSession, Order, Product, Segment

BREAKDOWN_TTL = 3  # seconds a PostgreSQL breakdown is shared between polls
MAX_CURVE_MINUTES = 12 * 60
RATE_WINDOW = 5  # minutes over which comment/question rates are averaged
TOP = 5


def _minute(ts: datetime, live_at: datetime | None) -> int:
    return counters.minute_of(ts, live_at) if live_at else 0


def _segments(session: LiveSession) -> list[dict]:
    live_at = session.went_live_at or session.starts_at
    rows = Segment.objects.filter(session_id=session.pk).order_by("starts_at", "position")
    return [
        {
            "id": str(s.pk),
            "title": s.title,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "start_minute": max(0, int((s.starts_at - live_at).total_seconds() // 60)),
            "end_minute": max(0, int((s.ends_at - live_at).total_seconds() // 60)),
        }
        for s in rows
    ]


def _fair_breakdown(session: LiveSession, segments: list[dict]) -> dict:
    model = results.application_model()
    if model is None:
        return {"applications": 0, "applicants": 0, "top_jobs": [], "per_segment": []}
    qs = model.objects.filter(session_id=session.pk)
    totals = qs.aggregate(applications=Count("pk"), applicants=Count("phone", distinct=True))
    per_posting: dict[str, int] = {}
    per_segment: dict[str, int] = {}
    for row in qs.values("posting_id", "segment_id").annotate(n=Count("pk")).order_by():
        key = str(row["posting_id"])
        per_posting[key] = per_posting.get(key, 0) + row["n"]
        seg = str(row["segment_id"]) if row["segment_id"] else ""
        per_segment[seg] = per_segment.get(seg, 0) + row["n"]
    top = sorted(per_posting.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    posting_model = model._meta.get_field("posting").related_model
    titles = {
        str(p["pk"]): p["title"]
        for p in posting_model.objects.filter(pk__in=[k for k, _ in top]).values("pk", "title")
    }
    return {
        "applications": totals["applications"],
        "applicants": totals["applicants"],
        "top_jobs": [{"id": k, "title": titles.get(k, ""), "applications": n} for k, n in top],
        "per_segment": [
            {"id": s["id"], "title": s["title"], "applications": per_segment.get(s["id"], 0)}
            for s in segments
        ]
        + ([{"id": "", "title": "", "applications": per_segment[""]}] if per_segment.get("") else []),
    }


def _sales_breakdown(session: LiveSession) -> dict:
    paid = Q(status=Order.Status.PAID)
    rows = list(
        Order.objects.filter(session_id=session.pk)
        .values("product_id")
        .annotate(orders=Count("pk"), gmv_net=Sum("amount", filter=paid))
        .order_by()
    )
    rows.sort(key=lambda r: (-(r["gmv_net"] or Decimal(0)), -r["orders"]))
    rows = rows[:TOP]
    names = dict(
        Product.objects.filter(pk__in=[r["product_id"] for r in rows if r["product_id"]]).values_list(
            "pk", "name"
        )
    )
    return {
        "top_products": [
            {
                "id": str(r["product_id"] or ""),
                "name": names.get(r["product_id"], ""),
                "orders": r["orders"],
                "gmv_net": f"{r['gmv_net'] or Decimal(0):.2f}",
            }
            for r in rows
        ]
    }


def breakdown(session: LiveSession) -> dict:
    """The PostgreSQL part of the snapshot (uncached)."""
    segments = _segments(session)
    out = {"segments": segments}
    if session.kind == LiveSession.Kind.JOB_FAIR:
        out["fair"] = _fair_breakdown(session, segments)
    else:
        out["sales"] = _sales_breakdown(session)
    return out


def _breakdown_cached(session: LiveSession, *, redis_ok: bool) -> dict:
    if not redis_ok:
        return breakdown(session)
    key = counters.prefix(session.pk) + "screen"
    r = counters.client()
    try:
        cached = r.get(key)
        if cached is not None:
            return json.loads(cached)
        fresh = breakdown(session)
        r.set(key, json.dumps(fresh), ex=BREAKDOWN_TTL)
        return fresh
    except redis.RedisError:
        return breakdown(session)


def applications_key(session_id) -> str:
    return counters.prefix(session_id) + "apps"


def applications_count(session_id, *, cached: bytes | None = None) -> int | None:
    """Applications of a session, shared between pollers for BREAKDOWN_TTL seconds (PostgreSQL is the truth).

    ``cached``: the value of ``applications_key`` when the caller already read it (same round trip)."""
    model = results.application_model()
    if model is None:
        return None
    if cached is not None:
        return int(cached)
    key = applications_key(session_id)
    try:
        cached = counters.client().get(key)
        if cached is not None:
            return int(cached)
        n = model.objects.filter(session_id=session_id).count()
        counters.client().set(key, n, ex=BREAKDOWN_TTL)
        return n
    except redis.RedisError:
        return model.objects.filter(session_id=session_id).count()


def _rate(per_minute: list[dict], field: str, now_minute: int) -> float:
    recent = [row[field] for row in per_minute if now_minute - RATE_WINDOW < row["minute"] <= now_minute]
    return round(sum(recent) / RATE_WINDOW, 1) if per_minute else 0.0


def _on_air(segments: list[dict], now: datetime) -> tuple[dict | None, dict | None]:
    iso = now.isoformat()
    current = next((s for s in segments if s["starts_at"] <= iso < s["ends_at"]), None)
    upcoming = [s for s in segments if s["starts_at"] > iso]
    return current, (upcoming[0] if upcoming else None)


def _curve(per_minute: list[dict], current: int, now_minute: int, *, live: bool) -> dict:
    """Per-minute concurrency (null where a minute saw no event at all, so the line bridges the gap
    instead of dropping to 0) with the running minute set to the viewers present now."""
    concurrent: list[int | None] = []
    for row in per_minute:
        quiet = not (row["concurrent"] or row["views"] or row["comments"] or row["orders"])
        concurrent.append(None if quiet else row["concurrent"])
    if live and per_minute and per_minute[-1]["minute"] == now_minute:
        concurrent[-1] = max(current, per_minute[-1]["concurrent"])
    return {
        "minutes": [row["minute"] for row in per_minute],
        "concurrent": concurrent,
        "views": [row["views"] for row in per_minute],
        "comments": [row["comments"] for row in per_minute],
    }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


COUNT_FIGURES = (
    "current_viewers",
    "peak_viewers",
    "views",
    "unique_viewers",
    "comments",
    "questions",
    "questions_unanswered",
    "job_card_clicks",
    "product_clicks",
    "orders",
)


def display(out: dict) -> dict:
    """The snapshot's figures as the screen shows them, formatted by ``core.formatting`` (the rule
    pages, emails and exports use) so the screen's script only places text: counts "1,234",
    rates per minute "2.4", money "¥1,234.50", the apply rate "12.3%". Adds ``display`` to ``out``
    and ``gmv_net_text`` to each top product; returns ``out``."""
    shown: dict[str, str] = {}
    figures = out.get("figures")
    if figures is not None:
        shown.update({key: formatting.decimal(figures[key], 0) for key in COUNT_FIGURES})
        shown["comments_per_min"] = formatting.decimal(figures["comments_per_min"], 1)
        shown["questions_per_min"] = formatting.decimal(figures["questions_per_min"], 1)
        shown["gmv_net"] = formatting.yuan(figures["gmv_net"])
    if "fair" in out:
        fair = out["fair"]
        shown["applications"] = formatting.decimal(fair.get("applications"), 0)
        if figures is not None:
            shown["apply_rate"] = formatting.percent(fair.get("apply_rate"))
    if "sales" in out:
        out["sales"]["top_products"] = [  # copies: the breakdown rows are shared between polls
            {**row, "gmv_net_text": formatting.yuan(row["gmv_net"])}
            for row in out["sales"].get("top_products", [])
        ]
    out["display"] = shown
    return out


def snapshot(*, session: LiveSession) -> dict:
    """Everything the data screen shows, for both kinds. ``counters`` is "ok" or "degraded"."""
    now = timezone.now()
    stats: dict = {}
    state = "ok"
    try:
        counters.ensure_built(session.pk)
        stats = counters.read(session.pk, went_live_at=session.went_live_at, minutes=MAX_CURVE_MINUTES)
    except redis.RedisError:
        state = "degraded"
    extra = _breakdown_cached(session, redis_ok=state == "ok")
    current, upcoming = _on_air(extra["segments"], now)
    per_minute = stats.get("per_minute", [])
    now_minute = _minute(now, session.went_live_at)
    out = {
        "session": str(session.pk),
        "kind": session.kind,
        "status": session.status,
        "status_label": session.get_status_display(),
        "as_of": now.isoformat(),
        "counters": state,
        "segments": extra["segments"],
        "current_segment": current["id"] if current else None,
        "next_segment": upcoming["id"] if upcoming else None,
        "now_minute": now_minute if session.went_live_at else None,
    }
    if state == "ok":
        out["figures"] = {key: stats[key] for key in (*COUNT_FIGURES, "gmv_net")}
        out["figures"]["comments_per_min"] = _rate(per_minute, "comments", now_minute)
        out["figures"]["questions_per_min"] = _rate(per_minute, "questions", now_minute)
        out["curve"] = _curve(
            per_minute, stats["current_viewers"], now_minute, live=session.went_live_at is not None
        )
    if "fair" in extra:
        fair = dict(extra["fair"])
        if state == "ok":
            fair["apply_rate"] = _ratio(fair["applicants"], stats["unique_viewers"])
        out["fair"] = fair
    if "sales" in extra:
        sales = dict(extra["sales"])
        if state == "ok":
            sales["funnel"] = [
                {"step": "views", "value": stats["views"]},
                {"step": "product_clicks", "value": stats["product_clicks"]},
                {"step": "orders", "value": stats["orders"]},
            ]
        out["sales"] = sales
    return display(out)
