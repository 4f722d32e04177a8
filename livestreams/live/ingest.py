"""The ingest hot path: cheap validation, one bulk INSERT … ON CONFLICT DO NOTHING, one Redis script.

No per-item serializer: each event is a small dict checked by hand. Rows are appended with a single
``INSERT … SELECT FROM unnest(arrays) ON CONFLICT (session_id, event_id) DO NOTHING RETURNING`` (one
round trip for up to 1,000 events), inside a transaction that also holds the session's shared advisory
lock so a counter rebuild never reads a snapshot that misses an applied batch.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from core.errors import ApplicationError
from livestreams.live import counters
from livestreams.live.credentials import IngestContext
from livestreams.models import LiveEvent, LiveSession, Product

MAX_BATCH = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024
GRACE_AFTER_END = timedelta(minutes=10)
GRACE_BEFORE_LIVE = timedelta(minutes=5)
MAX_CLOCK_SKEW = timedelta(minutes=5)
KINDS = frozenset(LiveEvent.Kind.values)
ALLOWED_KEYS = frozenset(
    {"id", "type", "ts", "member_id", "device_id", "text", "question", "posting", "product"}
)
MAX_TEXT = 2000
MAX_KEY = 128


class BatchConflict(ApplicationError):
    status_code = 422


@dataclass
class BatchOutcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    counters: str = "ok"
    results: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "counters": self.counters,
            "results": self.results,
        }


def body_hash(event: dict) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def _reject(reason: str, message: str) -> dict:
    return {"status": "rejected", "reason": reason, "message": message}


def _parse_ts(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


def _uuid(value) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def known_postings(ids: set[uuid.UUID]) -> set[uuid.UUID] | None:
    """Posting ids that exist, or None when the jobs app has no JobPosting model (any uuid accepted)."""
    if not ids or not apps.is_installed("jobs"):
        return None
    try:
        posting = apps.get_model("jobs", "JobPosting")
    except LookupError:
        return None
    return set(posting.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _window_problem(ctx: IngestContext, now: datetime) -> str | None:
    if ctx.status == LiveSession.Status.LIVE:
        return None
    if ctx.status == LiveSession.Status.ENDED and ctx.ended_at and now <= ctx.ended_at + GRACE_AFTER_END:
        return None
    return f"Session is {ctx.status}; events are taken while live and {GRACE_AFTER_END} after the end."


def events_ingest(*, ctx: IngestContext, events) -> BatchOutcome:
    if not isinstance(events, list):
        raise ApplicationError("Send a JSON list of events.", fields={"events": ["Expected a list."]})
    if len(events) > MAX_BATCH:
        raise ApplicationError(
            f"At most {MAX_BATCH} events per batch.", code="batch_too_large", status_code=413
        )
    now = timezone.now()
    outcome = BatchOutcome(results=[None] * len(events))
    closed = _window_problem(ctx, now)
    earliest = (ctx.went_live_at - GRACE_BEFORE_LIVE) if ctx.went_live_at else None
    latest_allowed = now + MAX_CLOCK_SKEW
    if ctx.ended_at:
        latest_allowed = min(latest_allowed, ctx.ended_at + GRACE_AFTER_END)

    rows: list[tuple] = []  # (index, event_id, kind, ts, viewer, ref, text, is_question, hash, device)
    seen: dict[str, tuple[int, str]] = {}
    posting_refs: set[uuid.UUID] = set()
    product_refs: set[uuid.UUID] = set()
    for index, event in enumerate(events):
        if closed:
            outcome.results[index] = _reject("session_not_live", closed)
            continue
        if not isinstance(event, dict):
            outcome.results[index] = _reject("invalid", "Each event must be a JSON object.")
            continue
        if any(isinstance(value, str) and "\x00" in value for value in event.values()):
            outcome.results[index] = _reject("invalid_text", "Values may not contain NUL characters.")
            continue
        unknown = event.keys() - ALLOWED_KEYS
        if unknown:
            outcome.results[index] = _reject(
                "unknown_field", f"Unknown field(s): {', '.join(sorted(unknown))}."
            )
            continue
        event_id = event.get("id")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 100:
            outcome.results[index] = _reject("invalid_id", "id must be a string of 1–100 characters.")
            continue
        kind = event.get("type")
        if kind not in KINDS:
            outcome.results[index] = _reject("unknown_type", f"Unknown event type {str(kind)[:40]!r}.")
            continue
        ts = _parse_ts(event.get("ts"))
        if ts is None:
            outcome.results[index] = _reject("invalid_ts", "ts must be an ISO 8601 time with a time zone.")
            continue
        if ts > latest_allowed:
            outcome.results[index] = _reject("ts_out_of_range", "ts is in the future or after the session.")
            continue
        if earliest is not None and ts < earliest:
            outcome.results[index] = _reject("ts_out_of_range", "ts is before the session went live.")
            continue
        member, device = event.get("member_id"), event.get("device_id")
        member_device = ""
        if device is not None and not (isinstance(device, str) and len(device) <= MAX_KEY):
            viewer = None
        elif member:
            viewer = "m:" + member if isinstance(member, str) and len(member) <= MAX_KEY else None
            member_device = device or ""  # a member's presence is the union of their devices
        elif device:
            viewer = "d:" + device
        else:
            viewer = None
        if viewer is None:
            outcome.results[index] = _reject(
                "invalid_viewer", f"member_id or device_id (a string of ≤ {MAX_KEY} characters) is required."
            )
            continue
        text, is_question, ref = "", False, None
        if kind == "comment":
            text = event.get("text", "")
            is_question = event.get("question", False)
            if not isinstance(text, str) or len(text) > MAX_TEXT or not isinstance(is_question, bool):
                outcome.results[index] = _reject(
                    "invalid_comment", f"text must be a string ≤ {MAX_TEXT} characters, question a boolean."
                )
                continue
        elif kind == "job_card_click":
            ref = _uuid(event.get("posting"))
            if ref is None:
                outcome.results[index] = _reject("invalid_posting", "posting must be a job posting id.")
                continue
            posting_refs.add(ref)
        elif kind == "product_click":
            ref = _uuid(event.get("product"))
            if ref is None:
                outcome.results[index] = _reject("invalid_product", "product must be a product id.")
                continue
            product_refs.add(ref)
        digest = body_hash(event)
        previous = seen.get(event_id)
        if previous is not None:
            if previous[1] == digest:
                outcome.results[index] = {"status": "duplicate"}
                outcome.duplicates += 1
            else:
                outcome.results[index] = _reject("id_reused", "This event id was used with a different body.")
            continue
        seen[event_id] = (index, digest)
        rows.append((index, event_id, kind, ts, viewer, ref, text, is_question, digest, member_device))

    if posting_refs or product_refs:
        valid_postings = known_postings(posting_refs)
        valid_products = (
            set(
                Product.objects.filter(pk__in=product_refs, union_id=ctx.union_id).values_list(
                    "pk", flat=True
                )
            )
            if product_refs
            else set()
        )
        kept = []
        for row in rows:
            if row[2] == "job_card_click" and valid_postings is not None and row[5] not in valid_postings:
                outcome.results[row[0]] = _reject("unknown_posting", "No such job posting.")
                seen.pop(row[1], None)
            elif row[2] == "product_click" and row[5] not in valid_products:
                outcome.results[row[0]] = _reject("unknown_product", "No such product in this union.")
                seen.pop(row[1], None)
            else:
                kept.append(row)
        rows = kept

    if any(r and r.get("reason") == "id_reused" for r in outcome.results):
        _raise_conflict(outcome)

    if rows:
        _store(ctx, rows, outcome)
    outcome.rejected = sum(1 for r in outcome.results if r["status"] == "rejected")
    return outcome


def _raise_conflict(outcome: BatchOutcome):
    conflicts = {
        str(i): [r["message"]] for i, r in enumerate(outcome.results) if r and r.get("reason") == "id_reused"
    }
    raise BatchConflict(
        "Event id reused with a different body; nothing from this batch was stored.",
        code="event_id_conflict",
        fields={"events": conflicts},
    )


_INSERT = """
INSERT INTO livestreams_liveevent
    (session_id, event_id, kind, ts, viewer, ref, text, is_question, body_hash, device)
SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::uuid[], %s::text[],
                         %s::bool[], %s::text[], %s::text[])
ON CONFLICT (session_id, event_id) DO NOTHING
RETURNING event_id
"""


def _store(ctx: IngestContext, rows: list[tuple], outcome: BatchOutcome) -> None:
    cols = [list(col) for col in zip(*rows, strict=True)]
    rebuild_after = ctx.counters_dirty
    with transaction.atomic(), connection.cursor() as cur:
        counters.advisory_lock(cur, ctx.session_id, shared=True)
        cur.execute(_INSERT, [ctx.session_id, *cols[1:]])
        inserted = {row[0] for row in cur.fetchall()}
        if len(inserted) < len(rows):
            missing = [r[1] for r in rows if r[1] not in inserted]
            cur.execute(
                "SELECT event_id, body_hash FROM livestreams_liveevent WHERE session_id = %s AND event_id = ANY(%s)",
                [ctx.session_id, missing],
            )
            stored = dict(cur.fetchall())
        else:
            stored = {}
        fresh = []
        for row in rows:
            index, event_id = row[0], row[1]
            if event_id in inserted:
                outcome.results[index] = {"status": "accepted"}
                outcome.accepted += 1
                fresh.append((row[2], row[4], row[3], row[7], row[9]))
            elif stored.get(event_id) == row[8]:
                outcome.results[index] = {"status": "duplicate"}
                outcome.duplicates += 1
            else:
                outcome.results[index] = _reject("id_reused", "This event id was used with a different body.")
        if any(r.get("reason") == "id_reused" for r in outcome.results):
            _raise_conflict(outcome)  # rolls the whole batch back
        if not rebuild_after:
            try:
                if counters.apply_events(ctx.session_id, fresh, ctx.went_live_at) == "rebuild":
                    rebuild_after = True
            except redis.RedisError:
                counters.mark_dirty(ctx.session_id)
                outcome.counters = "degraded"
    if rebuild_after and outcome.counters == "ok":
        try:
            counters.rebuild(ctx.session_id)
        except redis.RedisError:
            counters.mark_dirty(ctx.session_id)
            outcome.counters = "degraded"
