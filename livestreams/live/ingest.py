"""The ingest hot path: typed decoding, a binary COPY (or one INSERT … ON CONFLICT), one Redis script.

Where the time went (benchmarks/profile_ingest.py, and per-process CPU under the HTTP benchmark): at the
start, SQL ≈ 28 % (psycopg building array literals), validation ≈ 15 %, Redis ≈ 12 %, hashing ≈ 7 %,
parsing ≈ 6 %. Later, PostgreSQL took ≈ 12 µs of CPU per event for a json_to_recordset row with its ON
CONFLICT probe, the Redis script ≈ 5 µs (two or three commands per event), the gunicorn worker ≈ 12 µs
(docs/operations.md#ingest-2026-12-07-where-the-time-goes-and-the-figures). Now:

* a well-formed body is decoded by msgspec straight into ``EventIn`` structs (one pass in C, unknown
  fields refused there); any other body is parsed as plain JSON and each event checked on its own, so
  that its problem is named. ``event_validate`` returns an ``EventRow`` or a ``Rejection``;
* the idempotency hash is blake2b over the event's sorted-key compact JSON (msgspec's encoding of an
  ``EventIn`` is byte-identical to orjson's of the dict, and to the ``json.dumps(sort_keys=True, …)``
  stored before), so a redelivery matches whichever way either copy was read;
* a batch of 32 or more new rows goes in by binary COPY under a savepoint (≈ 7 µs of PostgreSQL per
  row); when one id is stored already (a bridge retrying) the COPY fails as a whole and the rows take
  ``INSERT … SELECT … FROM json_to_recordset(…) ON CONFLICT (session_id, event_id) DO NOTHING RETURNING``;
  smaller batches take that INSERT at once, with the lock taken in the same statement;
* the credential's context may be recalled from an earlier request of this process (credentials._lookup);
  then the first statement of the transaction confirms it, and a stale one raises StaleContext before
  anything is stored (the API redoes the request from a fresh lookup);
* all of it in a transaction holding the session's shared advisory lock, so a counter rebuild never
  reads a snapshot that misses an applied batch;
* the Redis script gets the batch's counts summed, and only presence events one by one
  (counters.apply_events).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec
import orjson
import psycopg
import redis
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from msgspec import UNSET, UnsetType

from core import sql
from core.errors import ApplicationError
from livestreams import hooks
from livestreams.live import counters
from livestreams.live.credentials import STILL_SO_SQL, IngestContext, StaleContext
from livestreams.live.presence import ADVISORY_CLASS
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
ACCEPTED = {"status": "accepted"}
DUPLICATE = {"status": "duplicate"}


class BatchConflict(ApplicationError):
    status_code = 422


@dataclass
class BatchOutcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    counters: str = "ok"
    results: list = field(default_factory=list)

    def as_dict(self, *, problems_only: bool = False) -> dict:
        """``problems_only``: only the events that were not accepted, each with its ``index`` — the
        small answer for bridges that send 1,000 events a batch (``?results=problems``)."""
        if problems_only:
            results = [{"index": i, **r} for i, r in enumerate(self.results) if r is not ACCEPTED]
        else:
            results = self.results
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "counters": self.counters,
            "results": results,
        }


class EventIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A well-formed event as the bridge sends it; anything that does not decode into this shape
    goes to ``_validate_loose``, which says exactly what is wrong.

    The fields are in alphabetical order and an absent one stays ``UNSET`` (never encoded), so msgspec's
    encoding of a decoded event is byte for byte orjson's sorted-key encoding of the same JSON object:
    ``body_hash`` is the same whichever way the event was read (tests/livestreams/test_ingest.py)."""

    device_id: str | None | UnsetType = UNSET
    id: str
    member_id: str | None | UnsetType = UNSET
    posting: str | None | UnsetType = UNSET
    product: str | None | UnsetType = UNSET
    question: bool | UnsetType = UNSET
    text: str | UnsetType = UNSET
    ts: str
    type: str


class _Batch(msgspec.Struct, forbid_unknown_fields=True):
    events: list[EventIn]


_BATCH = msgspec.json.Decoder(_Batch)
_ONE = msgspec.json.Decoder(EventIn)
_ENCODE = msgspec.json.Encoder().encode


def events_decode(body: bytes) -> list[EventIn] | None:
    """A well-formed request body — ``{"events": [...]}`` or one event — decoded into ``EventIn`` in one
    pass in C (no dict per event); None for anything else, which the caller reads as plain JSON so that
    each event's own problem is named (events_ingest takes both)."""
    try:
        return _BATCH.decode(body).events
    except msgspec.DecodeError:  # ValidationError included
        pass
    try:
        return [_ONE.decode(body)]
    except msgspec.DecodeError:
        return None


@dataclass(slots=True)
class EventRow:
    index: int
    event_id: str
    kind: str
    ts: datetime
    viewer: str
    ref: uuid.UUID | None
    text: str
    is_question: bool
    digest: str
    device: str  # a member's device ("" otherwise): a member's presence is the union of their devices
    at: float  # ts.timestamp(), read once: the window and the counters compare and bucket this

    def json_row(self) -> dict:
        """The row under the short column names of ``_INSERT``'s json_to_recordset."""
        return {
            "e": self.event_id,
            "k": self.kind,
            "t": self.ts,
            "v": self.viewer,
            "r": self.ref,
            "x": self.text,
            "q": self.is_question,
            "h": self.digest,
            "d": self.device,
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    message: str  # or a lazy translation, read in the active language when sent

    def as_result(self) -> dict:
        return {"status": "rejected", "reason": self.reason, "message": str(self.message)}


@dataclass(frozen=True, slots=True)
class Window:
    """What the session accepts right now: closed (with the reason) or a ts range, in epoch seconds
    (``datetime.timestamp()``: correctly rounded from whole microseconds, so for these dates it orders
    exactly as the datetimes do, and a float comparison costs a fraction of an aware-datetime one)."""

    closed: str | None
    earliest: float | None
    latest: float


def body_hash(event: dict | EventIn) -> str:
    """The event's idempotency hash: blake2b of its canonical (sorted-key, compact) JSON."""
    data = _ENCODE(event) if type(event) is EventIn else orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _reject(reason: str, message: str) -> dict:
    return Rejection(reason, message).as_result()


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
    """Posting ids that exist, or None when no app owns postings (any uuid accepted). jobs answers
    through the ``known_postings`` hook: livestreams sits below jobs in the dependency order."""
    if not ids:
        return None
    answers = [found for found in hooks.run("known_postings", ids) if found is not None]
    return set().union(*answers) if answers else None


def _window_problem(ctx: IngestContext, now: datetime) -> str | None:
    if ctx.status == LiveSession.Status.LIVE:
        return None
    if ctx.status == LiveSession.Status.ENDED and ctx.ended_at and now <= ctx.ended_at + GRACE_AFTER_END:
        return None
    status = LiveSession.Status(ctx.status).label if ctx.status in LiveSession.Status.values else ctx.status
    minutes = int(GRACE_AFTER_END.total_seconds() // 60)
    return gettext(
        "The session is “%(status)s”; events are taken while it is live and %(minutes)d minutes after the end."
    ) % {"status": status, "minutes": minutes}


def ingest_window(ctx: IngestContext, now: datetime) -> Window:
    latest = now + MAX_CLOCK_SKEW
    if ctx.ended_at:
        latest = min(latest, ctx.ended_at + GRACE_AFTER_END)
    earliest = (ctx.went_live_at - GRACE_BEFORE_LIVE).timestamp() if ctx.went_live_at else None
    return Window(closed=_window_problem(ctx, now), earliest=earliest, latest=latest.timestamp())


_BAD_ID = Rejection("invalid_id", gettext_lazy("id must be a string of 1–100 characters."))
_BAD_TS = Rejection("invalid_ts", gettext_lazy("ts must be an ISO 8601 time with a time zone."))
_FUTURE = Rejection("ts_out_of_range", gettext_lazy("ts is in the future or after the session."))
_TOO_EARLY = Rejection("ts_out_of_range", gettext_lazy("ts is before the session went live."))
_BAD_VIEWER = Rejection(
    "invalid_viewer",
    format_lazy(
        gettext_lazy("member_id or device_id (a string of ≤ {n} characters) is required."), n=MAX_KEY
    ),
)
_BAD_COMMENT = Rejection(
    "invalid_comment",
    format_lazy(gettext_lazy("text must be a string ≤ {n} characters, question a boolean."), n=MAX_TEXT),
)
_BAD_POSTING = Rejection("invalid_posting", gettext_lazy("posting must be a job posting id."))
_BAD_PRODUCT = Rejection("invalid_product", gettext_lazy("product must be a product id."))
_NUL = Rejection("invalid_text", gettext_lazy("Values may not contain NUL characters."))


def _viewer(member, device) -> tuple[str, str] | None:
    """(viewer, member's device) — a member counts once however many devices they watch on."""
    if device is not None and not (isinstance(device, str) and len(device) <= MAX_KEY):
        return None
    if member:
        return ("m:" + member, device or "") if isinstance(member, str) and len(member) <= MAX_KEY else None
    if device:
        return "d:" + device, ""
    return None


def _kind_fields(
    kind: str, text, question, posting, product
) -> tuple[str, bool, uuid.UUID | None] | Rejection:
    """(text, is_question, ref) for the fields that only some kinds carry."""
    if kind == "comment":
        if not isinstance(text, str) or len(text) > MAX_TEXT or not isinstance(question, bool):
            return _BAD_COMMENT
        return text, question, None
    if kind == "job_card_click":
        ref = _uuid(posting)
        return _BAD_POSTING if ref is None else ("", False, ref)
    if kind == "product_click":
        ref = _uuid(product)
        return _BAD_PRODUCT if ref is None else ("", False, ref)
    return "", False, None


def _checked(index: int, raw: dict | EventIn, e, window: Window) -> EventRow | Rejection:
    """The rules every event obeys, in the order their rejections are reported. ``e`` is an
    ``EventIn`` or (loose path) a view of the raw dict with the same attribute names; ``raw`` is what the
    hash is taken of."""
    event_id, kind = e.id, e.type
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 100:
        return _BAD_ID
    if kind not in KINDS:
        return Rejection("unknown_type", gettext("Unknown event type %(type)r.") % {"type": str(kind)[:40]})
    ts = _parse_ts(e.ts)
    if ts is None:
        return _BAD_TS
    at = ts.timestamp()
    if at > window.latest:
        return _FUTURE
    if window.earliest is not None and at < window.earliest:
        return _TOO_EARLY
    member, device = e.member_id, e.device_id
    viewer = _viewer(None if member is UNSET else member, None if device is UNSET else device)
    if viewer is None:
        return _BAD_VIEWER
    text, question = e.text, e.question
    extra = _kind_fields(
        kind, "" if text is UNSET else text, False if question is UNSET else question, e.posting, e.product
    )
    if isinstance(extra, Rejection):
        return extra
    return EventRow(
        index, event_id, kind, ts, viewer[0], extra[2], extra[0], extra[1], body_hash(raw), viewer[1], at
    )


class _Loose:
    """Attribute view of a raw event dict for the slow path (missing keys read as absent)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict):
        self._raw = raw

    def __getattr__(self, name):
        return self._raw.get(name, {"text": "", "question": False}.get(name))


def _has_nul(raw: dict) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in raw.values())


def event_validate(raw, *, index: int, window: Window, nul_free: bool = False) -> EventRow | Rejection:
    """One event → the row to store, or why not. ``nul_free``: the caller saw no ``\\u0000`` in the
    request body, so no value can hold a NUL (JSON has no other way to write one)."""
    if window.closed:
        return Rejection("session_not_live", window.closed)
    if type(raw) is EventIn:  # decoded from the body by events_decode (only when it holds no NUL)
        return _checked(index, raw, raw, window)
    try:
        typed = msgspec.convert(raw, EventIn)
    except msgspec.ValidationError:
        return _validate_loose(raw, index=index, window=window)
    if not nul_free and _has_nul(raw):
        return _NUL
    return _checked(index, raw, typed, window)


def _validate_loose(raw, *, index: int, window: Window) -> EventRow | Rejection:
    if not isinstance(raw, dict):
        return Rejection("invalid", gettext("Each event must be a JSON object."))
    if _has_nul(raw):
        return _NUL
    unknown = raw.keys() - ALLOWED_KEYS
    if unknown:
        return Rejection(
            "unknown_field", gettext("Unknown field(s): %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    return _checked(index, raw, _Loose(raw), window)


def _check_refs(ctx: IngestContext, rows: list[EventRow], outcome: BatchOutcome) -> list[EventRow]:
    """Drop clicks on postings/products that do not exist (products: of this union)."""
    postings = {r.ref for r in rows if r.kind == "job_card_click"}
    products = {r.ref for r in rows if r.kind == "product_click"}
    if not postings and not products:
        return rows
    valid_postings = known_postings(postings)
    valid_products = (
        set(Product.objects.filter(pk__in=products, union_id=ctx.union_id).values_list("pk", flat=True))
        if products
        else set()
    )
    kept = []
    for row in rows:
        if row.kind == "job_card_click" and valid_postings is not None and row.ref not in valid_postings:
            outcome.results[row.index] = _reject("unknown_posting", gettext("No such job posting."))
        elif row.kind == "product_click" and row.ref not in valid_products:
            outcome.results[row.index] = _reject("unknown_product", gettext("No such product in this union."))
        else:
            kept.append(row)
    return kept


def events_ingest(*, ctx: IngestContext, events, nul_free: bool = False) -> BatchOutcome:
    if not isinstance(events, list):
        raise ApplicationError(
            gettext("Send a JSON list of events."), fields={"events": [gettext("Expected a list.")]}
        )
    if len(events) > MAX_BATCH:
        raise ApplicationError(
            gettext("At most %(n)d events per batch.") % {"n": MAX_BATCH},
            code="batch_too_large",
            status_code=413,
        )
    window = ingest_window(ctx, timezone.now())
    outcome = BatchOutcome(results=[None] * len(events))
    rows: list[EventRow] = []
    seen: dict[str, str] = {}  # event id → digest, for repeats inside the batch
    conflict = False
    for index, raw in enumerate(events):
        checked = event_validate(raw, index=index, window=window, nul_free=nul_free)
        if isinstance(checked, Rejection):
            outcome.results[index] = checked.as_result()
            continue
        previous = seen.get(checked.event_id)
        if previous is None:
            seen[checked.event_id] = checked.digest
            rows.append(checked)
        elif previous == checked.digest:
            outcome.results[index] = DUPLICATE
            outcome.duplicates += 1
        else:
            outcome.results[index] = _reject(
                "id_reused", gettext("This event id was used with a different body.")
            )
            conflict = True
    rows = _check_refs(ctx, rows, outcome)
    if ctx.recalled and (conflict or not rows):
        raise StaleContext  # nothing to store confirms the recalled context: answer from a fresh one
    if conflict:
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
        gettext("Event id reused with a different body; nothing from this batch was stored."),
        code="event_id_conflict",
        fields={"events": conflicts},
    )


# A batch of new events goes in by binary COPY: measured per event (docs/operations.md, "Ingest,
# 2026-12-07"), PostgreSQL spends ≈ 7 µs on a binary COPY row against ≈ 12 µs on a json_to_recordset row
# with its ON CONFLICT probe and RETURNING, and psycopg writes the row in C. COPY
# has no ON CONFLICT, so it runs under a savepoint: a redelivered event id (a bridge retrying a batch)
# makes it fail with a unique violation, nothing of it stays, and the batch takes the INSERT below.
_COPY = (
    "COPY livestreams_liveevent (session_id, event_id, kind, ts, viewer, ref, text, is_question, body_hash, device) "
    "FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = ("uuid", "text", "text", "timestamptz", "text", "uuid", "text", "bool", "text", "text")
# Below this many rows one INSERT statement beats COPY's extra round trips (start, data, savepoint).
COPY_MIN_ROWS = 32


def _copy(cur, session_id: uuid.UUID, rows: list[EventRow]) -> bool:
    """COPY every row; False (and nothing stored) when one of the ids is stored already."""
    try:
        with transaction.atomic(), cur.cursor.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            write = copy.write_row
            for r in rows:
                write(
                    (
                        session_id,
                        r.event_id,
                        r.kind,
                        r.ts,
                        r.viewer,
                        r.ref,
                        r.text,
                        r.is_question,
                        r.digest,
                        r.device,
                    )
                )
    except psycopg.errors.UniqueViolation:
        return False
    return True


# Otherwise the rows travel as one JSON parameter that PostgreSQL unpacks with json_to_recordset: one
# round trip, no temporary table, no per-value adaptation in psycopg (orjson writes the whole document in
# C, datetimes and uuids included); ON CONFLICT skips the ids stored before and RETURNING names the new.
# The statements are prepared (core.sql: planned once per connection, not per request — for a single
# event planning cost more than the insert).
_INSERT = """
INSERT INTO livestreams_liveevent
    (session_id, event_id, kind, ts, viewer, ref, text, is_question, body_hash, device)
SELECT %s::uuid, e, k, t, v, r, x, q, h, d
FROM {also}json_to_recordset(%s::json) AS b(e text, k text, t timestamptz, v text, r uuid, x text, q bool, h text, d text)
ON CONFLICT (session_id, event_id) DO NOTHING
RETURNING event_id
"""
# A small batch (a single event, mostly) opens its transaction with one statement
# (core.sql.transaction_opened_by): it takes the session's shared lock (presence.advisory_lock), confirms
# a recalled context (credentials.STILL_SO_SQL; "SELECT" — one empty row — for a fresh one), and inserts;
# one row comes back: (confirmed, the new ids). With BEGIN, the Redis script and COMMIT, a single event is
# four round trips where it was five (the credential lookup is the one saved).
_OPEN_WITH_INSERT = """
WITH held AS (SELECT pg_advisory_xact_lock_shared(%s::int, hashtext(%s::text))),
ok AS ({still}),
new AS ({insert})
SELECT EXISTS (SELECT FROM ok), ARRAY(SELECT event_id FROM new)
"""
_OPEN_FRESH, _OPEN_RECALLED = (
    _OPEN_WITH_INSERT.format(still=still, insert=_INSERT.format(also="held, ok, "))
    for still in ("SELECT", STILL_SO_SQL)
)
_INSERT = _INSERT.format(also="")
# A large batch's first statement: the lock, and whether a recalled context still holds.
_LOCK_RECALLED = f"SELECT pg_advisory_xact_lock_shared(%s::int, hashtext(%s::text)), EXISTS ({STILL_SO_SQL})"


def _json_rows(rows: list[EventRow]) -> str:
    return orjson.dumps([row.json_row() for row in rows]).decode()


def _insert(session_id: str, rows: list[EventRow]) -> set[str]:
    """Append the rows (the session's lock is held); return the ids that were new."""
    return {r[0] for r in sql.fetchall(_INSERT, [session_id, _json_rows(rows)])}


def _open_with_insert(ctx: IngestContext, rows: list[EventRow]) -> tuple[str, list]:
    """The statement (and parameters) that opens a small batch's transaction: see _OPEN_WITH_INSERT."""
    lock = [ADVISORY_CLASS, ctx.session_id]
    if ctx.recalled:
        return _OPEN_RECALLED, [*lock, *ctx.still_so_params(), ctx.session_id, _json_rows(rows)]
    return _OPEN_FRESH, [*lock, ctx.session_id, _json_rows(rows)]


def _confirmed(ctx: IngestContext, cur) -> None:
    """Take the session's shared lock; a recalled context must still hold (StaleContext otherwise)."""
    if not ctx.recalled:
        counters.advisory_lock(cur, ctx.session_id, shared=True)
        return
    cur.execute(_LOCK_RECALLED, [ADVISORY_CLASS, ctx.session_id, *ctx.still_so_params()])
    if not cur.fetchone()[1]:
        raise StaleContext


def _accepted(rows: list[EventRow], outcome: BatchOutcome) -> list[tuple]:
    """Every row was new (the COPY stored them all): (kind, viewer, at, is_question, device) each."""
    results = outcome.results
    for row in rows:
        results[row.index] = ACCEPTED
    outcome.accepted += len(rows)
    return [(r.kind, r.viewer, r.at, r.is_question, r.device) for r in rows]


def _settled(session_id, rows: list[EventRow], inserted: set[str], outcome: BatchOutcome) -> list[tuple]:
    """Sort the rows into new, duplicates of a stored event, and reused ids (which roll the batch back);
    the new ones as ``_accepted`` gives them."""
    stored = {}
    if len(inserted) < len(rows):
        stored = dict(
            sql.fetchall(
                "SELECT event_id, body_hash FROM livestreams_liveevent WHERE session_id = %s AND event_id = ANY(%s)",
                [session_id, [r.event_id for r in rows if r.event_id not in inserted]],
            )
        )
    fresh = []
    conflict = False
    for row in rows:
        if row.event_id in inserted:
            outcome.results[row.index] = ACCEPTED
            outcome.accepted += 1
            fresh.append((row.kind, row.viewer, row.at, row.is_question, row.device))
        elif stored.get(row.event_id) == row.digest:
            outcome.results[row.index] = DUPLICATE
            outcome.duplicates += 1
        else:
            outcome.results[row.index] = _reject(
                "id_reused", gettext("This event id was used with a different body.")
            )
            conflict = True
    if conflict:
        _raise_conflict(outcome)  # rolls the whole batch back
    return fresh


def _mirror(ctx: IngestContext, fresh: list[tuple], outcome: BatchOutcome) -> bool:
    """Apply the new events to the Redis counters, in the transaction (the lock held); True when the
    counters must be rebuilt after the commit. Redis unreachable: the counters are marked dirty."""
    try:
        return counters.apply_events(ctx.session_id, fresh, ctx.went_live_at) == "rebuild"
    except redis.RedisError:
        counters.mark_dirty(ctx.session_id)
        outcome.counters = "degraded"
        return False


def _store(ctx: IngestContext, rows: list[EventRow], outcome: BatchOutcome) -> None:
    rebuild_after = ctx.counters_dirty
    if len(rows) < COPY_MIN_ROWS:
        with sql.transaction_opened_by(*_open_with_insert(ctx, rows)) as opened:
            still, inserted = opened[0]
            if not still:
                raise StaleContext
            fresh = _settled(ctx.session_id, rows, set(inserted), outcome)
            rebuild_after = rebuild_after or _mirror(ctx, fresh, outcome)
    else:
        with transaction.atomic(), connection.cursor() as cur:
            _confirmed(ctx, cur)
            if _copy(cur, uuid.UUID(ctx.session_id), rows):
                fresh = _accepted(rows, outcome)
            else:
                fresh = _settled(ctx.session_id, rows, _insert(ctx.session_id, rows), outcome)
            rebuild_after = rebuild_after or _mirror(ctx, fresh, outcome)
    if rebuild_after and outcome.counters == "ok":
        try:
            counters.rebuild(ctx.session_id)
        except redis.RedisError:
            counters.mark_dirty(ctx.session_id)
            outcome.counters = "degraded"
