"""Live counters in Redis: derived from PostgreSQL, updated once per batch, rebuildable at any time.

Keys (prefix ``yz:live:<session>:``):
  c   hash     views, comment, question, answered, like, share, follow, job_card_click, product_click,
               orders, gmv_fen, refunded_fen, peak, maxts, built
  uv  HLL      unique viewers           cm  HLL   commenters          by  HLL  buyers
  pz  zset     present viewer -> last join/heartbeat time (ms)
  lv  hash     viewer (or "viewer<TAB>device" for a member's device) -> last leave time (ms)
  dv  hash     member viewer -> JSON {device: last join/heartbeat (ms)} of their devices still present
  m   hash     "<minute>:<metric>" -> count   (v views, x concurrency, comment, question, orders, gmv …)

Concurrency never goes negative: it is the number of viewers whose newest presence event is a join or
heartbeat no older than the timeout (a member on several devices: on any of them, counted once), measured against the newest event time seen — a count of set
members, not a running sum, so duplicate or out-of-order joins/leaves cannot push it below zero.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

import orjson
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from livestreams.live import results
from livestreams.live.presence import PRESENCE_TIMEOUT_SECONDS, advisory_lock  # noqa: F401 -- used by ingest
from livestreams.models import LiveCounterState, LiveSession

KEYS = ("c", "uv", "pz", "lv", "m", "cm", "dv")
_PRESENCE = frozenset({"join", "heartbeat", "leave"})
TTL_SECONDS = 7 * 24 * 3600


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2, retry_on_timeout=False
    )


def prefix(session_id) -> str:
    return f"yz:live:{session_id}:"


_APPLY_EVENTS = """
-- KEYS[1] is the session's "c" hash; the other keys share its prefix (one key and one argument: redis-py
-- packs each on its own, ≈ 5 µs apiece, more than the script's own work for a single event). A single
-- Redis, not a cluster: the keys are named here, not declared.
local p = string.sub(KEYS[1], 1, -2)
local c, uv, pz, lv, m, cm, dv = KEYS[1], p .. 'uv', p .. 'pz', p .. 'lv', p .. 'm', p .. 'cm', p .. 'dv'
if redis.call('HEXISTS', c, 'built') == 0 then return -1 end
-- ARGV[1]: one JSON array [timeout ms, minute, presence, counts, per-minute counts, viewers, commenters, newest ms]
local a = cjson.decode(ARGV[1])
local timeout = a[1]
local stored = tonumber(redis.call('HGET', c, 'maxts') or '0')
-- a[3]: the presence events (join, heartbeat, leave) in batch order, one flat array
-- [kind, viewer, ts_ms, device, newest ts_ms of the batch up to this event, kind, …]
local ev = a[3]
for i = 1, #ev, 5 do
  local k, v, ts, dev = ev[i], ev[i+1], ev[i+2], ev[i+3]
  local maxts = ev[i+4]
  if stored > maxts then maxts = stored end
  -- a member's devices are tracked apart (lv field "viewer<TAB>device", dv: viewer -> {device: last seen})
  local lkey = v
  if dev ~= '' then lkey = v .. '\t' .. dev end
  if k == 'leave' then
    local left = tonumber(redis.call('HGET', lv, lkey) or '-1')
    if ts > left then redis.call('HSET', lv, lkey, ts) end
    -- still present through another device seen within the timeout?
    local best = -1
    local raw = redis.call('HGET', dv, v)
    if raw then
      local devices = cjson.decode(raw)
      if dev ~= '' and devices[dev] and ts >= devices[dev] then devices[dev] = nil end
      local keep = {}
      local any = false
      for d, seen in pairs(devices) do
        if seen >= maxts - timeout then
          keep[d] = seen
          any = true
          if d ~= dev and seen > best then best = seen end
        end
      end
      if any then redis.call('HSET', dv, v, cjson.encode(keep)) else redis.call('HDEL', dv, v) end
    end
    if best >= 0 then
      redis.call('ZADD', pz, best, v)
    else
      local seen = tonumber(redis.call('ZSCORE', pz, v) or '-1')
      if seen >= 0 and ts >= seen then redis.call('ZREM', pz, v) end
    end
  else
    local left = tonumber(redis.call('HGET', lv, lkey) or '-1')
    if ts > left then
      redis.call('ZADD', pz, 'GT', ts, v)
      if dev ~= '' then
        local raw = redis.call('HGET', dv, v)
        local devices = raw and cjson.decode(raw) or {}
        if (devices[dev] or -1) < ts then devices[dev] = ts end
        redis.call('HSET', dv, v, cjson.encode(devices))
      end
    end
  end
end
-- a[4], a[5]: the batch's counts, summed in Python ({field: n} of c and of m)
for f, n in pairs(a[4]) do redis.call('HINCRBY', c, f, n) end
for f, n in pairs(a[5]) do redis.call('HINCRBY', m, f, n) end
-- a[6], a[7]: the batch's distinct viewers and commenters
for _, pair in ipairs({{uv, a[6]}, {cm, a[7]}}) do
  local key, list = pair[1], pair[2]
  for i = 1, #list, 500 do redis.call('PFADD', key, unpack(list, i, math.min(i + 499, #list))) end
end
local maxts = a[8]
if stored > maxts then maxts = stored end
redis.call('HSET', c, 'maxts', maxts)
redis.call('ZREMRANGEBYSCORE', pz, '-inf', '(' .. (maxts - timeout))
local cur = redis.call('ZCARD', pz)
if cur > tonumber(redis.call('HGET', c, 'peak') or '0') then redis.call('HSET', c, 'peak', cur) end
local mkey = string.format('%d:x', a[2])
if cur > tonumber(redis.call('HGET', m, mkey) or '0') then redis.call('HSET', m, mkey, cur) end
for _, k in ipairs({c, uv, pz, lv, m, cm, dv}) do redis.call('EXPIRE', k, ARGV_TTL) end
return cur
""".replace("ARGV_TTL", str(TTL_SECONDS))


@functools.cache
def _script():
    return client().register_script(_APPLY_EVENTS)


_ONE_MINUTE = timedelta(minutes=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def minute_of(ts: datetime, went_live_at: datetime | None) -> int:
    """The live minute of ``ts`` (exact: timedelta floor division, as SQL's floor over the epoch)."""
    if went_live_at is None:
        return 0
    return max(0, (ts - went_live_at) // _ONE_MINUTE)


def minute_at(at: float, live_us: int | None) -> int:
    """``minute_of`` for ``at = ts.timestamp()`` and ``live_us``, went_live_at in whole microseconds since
    the epoch (``epoch_us``); integer arithmetic, no datetime per event (an aware datetime subtraction and
    a timedelta floor division cost ≈ 1 µs here). Exact: ``at`` is correctly rounded from whole
    microseconds, and for these dates its rounding error times 10⁶ stays under ½ (tests compare it with
    ``minute_of`` around minute boundaries and across time zones)."""
    if live_us is None:
        return 0
    return max(0, (round(at * 1_000_000) - live_us) // 60_000_000)


def epoch_us(when: datetime | None) -> int | None:
    return None if when is None else (when - _EPOCH) // _ONE_MICROSECOND


def apply_events(session_id, events: list[tuple[str, str, float, bool, str]], went_live_at) -> str:
    """Apply newly stored events (kind, viewer, at = ts.timestamp(), is_question, device). "ok", or "rebuild"
    (counters missing).

    Only presence (join, heartbeat, leave) is order-dependent, so only presence events reach the script one
    by one; the counts per field and per minute and the distinct viewers and commenters are summed here, so
    the script does a few dozen commands for them per batch instead of two or three per event.

    Raises redis.RedisError when Redis is unreachable; the caller marks the counters dirty.
    """
    if not events:
        return "ok"
    counts: dict[str, int] = {}
    per_minute: dict[str, int] = {}
    viewers: set[str] = set()
    commenters: set[str] = set()
    presence: list = []
    newest = 0
    last_minute = 0
    live_us = epoch_us(went_live_at)
    for kind, viewer, at, is_question, device in events:
        ms = int(at * 1000)  # as rebuild() reads it: int(ts.timestamp() * 1000)
        if ms > newest:
            newest = ms
        viewers.add(viewer)
        minute = minute_at(at, live_us)
        if minute > last_minute:  # the minute whose concurrency this batch samples
            last_minute = minute
        if kind in _PRESENCE:
            presence += (kind, viewer, ms, device, newest)
            if kind != "join":
                continue
            field, short = "views", "v"
        else:
            field = short = "question" if is_question else kind
        counts[field] = counts.get(field, 0) + 1
        key = f"{minute}:{short}"
        per_minute[key] = per_minute.get(key, 0) + 1
        if kind == "comment":
            commenters.add(viewer)
            if is_question:  # a question is a comment too
                counts["comment"] = counts.get("comment", 0) + 1
                key = f"{minute}:comment"
                per_minute[key] = per_minute.get(key, 0) + 1
    # One JSON argument: redis-py packs each argument on its own (≈ 5 µs each).
    arg = orjson.dumps(
        [
            PRESENCE_TIMEOUT_SECONDS * 1000,
            last_minute,
            presence,
            counts,
            per_minute,
            list(viewers),
            list(commenters),
            newest,
        ]
    )
    result = _script()(keys=[prefix(session_id) + "c"], args=[arg])
    return "rebuild" if int(result) < 0 else "ok"


def apply_order(
    session_id, *, new: bool, amount_fen: int, refunded_fen: int, buyer: str, minute: int | None
) -> str:
    """Mirror one order; ``minute`` is None for orders outside the live window (not on the per-minute chart)."""
    p = prefix(session_id)
    r = client()
    if not r.hexists(p + "c", "built"):
        return "rebuild"
    pipe = r.pipeline(transaction=True)
    if new:
        pipe.hincrby(p + "c", "orders", 1)
        pipe.hincrby(p + "c", "gmv_fen", amount_fen)
        if minute is not None:
            pipe.hincrby(p + "m", f"{minute}:orders", 1)
            pipe.hincrby(p + "m", f"{minute}:gmv_fen", amount_fen)
        pipe.pfadd(p + "by", buyer)
        pipe.expire(p + "by", TTL_SECONDS)  # may be the key's first write after a rebuild
    if refunded_fen:
        pipe.hincrby(p + "c", "refunded_fen", refunded_fen)
    pipe.execute()
    return "ok"


def apply_answered(session_id, delta: int) -> None:
    try:
        if client().hexists(prefix(session_id) + "c", "built"):
            client().hincrby(prefix(session_id) + "c", "answered", delta)
    except redis.RedisError:
        mark_dirty(session_id)


def mark_dirty(session_id) -> None:
    """One upsert statement, no ``atomic``: ingest calls this inside a transaction Django does not manage
    (core.sql.transaction_opened_by)."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO livestreams_livecounterstate (session_id, dirty_since) VALUES (%s, %s) "
            "ON CONFLICT (session_id) DO UPDATE SET dirty_since = EXCLUDED.dirty_since",
            [session_id, timezone.now()],
        )


def rebuild(session_id) -> dict:
    """Recompute every counter of a session from PostgreSQL and swap them in atomically.

    Holds the session's advisory lock exclusively, so no ingest transaction is between its insert and
    its counter update while the snapshot is read.
    """
    session = LiveSession.objects.get(pk=session_id)
    live_at = session.went_live_at
    with transaction.atomic(), connection.cursor() as cur:
        advisory_lock(cur, session_id, shared=False)
        cur.execute(
            """
            SELECT kind, is_question, count(*), max(ts) FROM livestreams_liveevent
            WHERE session_id = %s GROUP BY kind, is_question
            """,
            [session_id],
        )
        counts: dict[str, int] = {}
        maxts = None
        for kind, is_q, n, ts in cur.fetchall():
            key = {"join": "views"}.get(kind, kind)
            if is_q:
                counts["question"] = counts.get("question", 0) + n
            if kind not in ("leave", "heartbeat"):
                counts[key] = counts.get(key, 0) + n
            maxts = ts if maxts is None or ts > maxts else maxts
        cur.execute(
            "SELECT count(*) FROM livestreams_liveevent WHERE session_id=%s AND answered_at IS NOT NULL",
            [session_id],
        )
        counts["answered"] = cur.fetchone()[0]
        cur.execute("SELECT DISTINCT viewer FROM livestreams_liveevent WHERE session_id = %s", [session_id])
        viewers = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT DISTINCT viewer FROM livestreams_liveevent WHERE session_id = %s AND kind = 'comment'",
            [session_id],
        )
        commenters = [row[0] for row in cur.fetchall()]
        # Presence: per device of a viewer, the newest join/heartbeat unless a leave at or after it; a
        # viewer is present while any of their devices is (same rule as the Lua script).
        cur.execute(
            """
            SELECT viewer, device,
                   max(ts) FILTER (WHERE kind IN ('join', 'heartbeat')),
                   max(ts) FILTER (WHERE kind = 'leave')
            FROM livestreams_liveevent
            WHERE session_id = %s AND kind IN ('join', 'heartbeat', 'leave')
            GROUP BY viewer, device
            """,
            [session_id],
        )
        present: dict[str, int] = {}
        left: dict[str, int] = {}
        devices: dict[str, dict[str, int]] = {}
        maxms = int(maxts.timestamp() * 1000) if maxts else 0
        for viewer, device, seen, gone in cur.fetchall():
            seen_ms = int(seen.timestamp() * 1000) if seen else None
            gone_ms = int(gone.timestamp() * 1000) if gone else None
            if gone_ms is not None:
                left[f"{viewer}\t{device}" if device else viewer] = gone_ms
            if seen_ms is not None and (gone_ms is None or seen_ms > gone_ms):
                if seen_ms >= maxms - PRESENCE_TIMEOUT_SECONDS * 1000:
                    present[viewer] = max(present.get(viewer, 0), seen_ms)
                    if device:
                        devices.setdefault(viewer, {})[device] = seen_ms
        minute_sql = "GREATEST(0, floor(extract(epoch FROM ts - %s) / 60))::int" if live_at else "0"
        params = [live_at] if live_at else []
        cur.execute(
            f"""
            SELECT {minute_sql} AS minute, kind, is_question, count(*)
            FROM livestreams_liveevent
            WHERE session_id = %s AND kind NOT IN ('leave', 'heartbeat')
            GROUP BY 1, 2, 3
            """,
            [*params, session_id],
        )
        per_minute: dict[str, int] = {}
        for minute, kind, is_q, n in cur.fetchall():
            name = {"join": "v"}.get(kind, kind)
            per_minute[f"{minute}:{name}"] = per_minute.get(f"{minute}:{name}", 0) + n
            if is_q:
                per_minute[f"{minute}:question"] = per_minute.get(f"{minute}:question", 0) + n
        order_sql = minute_sql.replace("ts", "ordered_at")
        cur.execute(
            f"""
            SELECT CASE WHEN channel = 'live' THEN {order_sql} END, count(*), coalesce(sum(amount), 0)
            FROM livestreams_order WHERE session_id = %s GROUP BY 1
            """,
            [*params, session_id],
        )
        orders = gmv_fen = 0
        for minute, n, amount in cur.fetchall():
            fen = int(amount * 100)
            if minute is not None:  # replay/later orders are in the totals, not on the per-minute chart
                per_minute[f"{minute}:orders"] = n
                per_minute[f"{minute}:gmv_fen"] = fen
            orders += n
            gmv_fen += fen
        cur.execute(
            """
            SELECT coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0) FROM livestreams_order
            WHERE session_id = %s
            """,
            [session_id],
        )
        refunded_fen = int(cur.fetchone()[0] * 100)
        cur.execute("SELECT DISTINCT buyer FROM livestreams_order WHERE session_id = %s", [session_id])
        buyers = [row[0] for row in cur.fetchall()]
        timeline = results.concurrency_per_minute(cur, session) if live_at else {}
        for minute, conc in timeline.items():
            per_minute[f"{minute}:x"] = conc
        peak = max([*timeline.values(), len(present)], default=0)

        c = {**counts, "orders": orders, "gmv_fen": gmv_fen, "refunded_fen": refunded_fen}
        c.update(peak=peak, maxts=maxms, built=timezone.now().isoformat())
        _swap_in(session_id, c, viewers, commenters, buyers, present, left, per_minute, devices)
        LiveCounterState.objects.update_or_create(
            session_id=session_id, defaults={"dirty_since": None, "rebuilt_at": timezone.now()}
        )
    return c


def _swap_in(session_id, c, viewers, commenters, buyers, present, left, per_minute, devices) -> None:
    p = prefix(session_id)
    tmp = f"yz:rebuild:{session_id}:"
    r = client()
    pipe = r.pipeline(transaction=False)
    names = ("c", "uv", "cm", "by", "pz", "lv", "m", "dv")
    pipe.delete(*[tmp + n for n in names])
    pipe.hset(tmp + "c", mapping={k: v for k, v in c.items()})
    for name, items in (("uv", viewers), ("cm", commenters), ("by", buyers)):
        for i in range(0, len(items), 5000):
            pipe.pfadd(tmp + name, *items[i : i + 5000])
    if present:
        pipe.zadd(tmp + "pz", present)
    if left:
        pipe.hset(tmp + "lv", mapping=left)
    if per_minute:
        pipe.hset(tmp + "m", mapping=per_minute)
    if devices:
        pipe.hset(tmp + "dv", mapping={v: json.dumps(d) for v, d in devices.items()})
    pipe.execute()
    swap = r.pipeline(transaction=True)
    for name in names:
        swap.delete(p + name)
    for name in names:
        if r.exists(tmp + name):
            swap.rename(tmp + name, p + name)
            swap.expire(p + name, TTL_SECONDS)
    swap.execute()


def ensure_built(session_id) -> bool:
    """Rebuild if Redis lost the counters (restart) — returns True when a rebuild ran."""
    if client().hexists(prefix(session_id) + "c", "built"):
        return False
    rebuild(session_id)
    return True


def read(session_id, *, went_live_at=None, minutes: int = 60) -> dict:
    return read_and_get(session_id, None, went_live_at=went_live_at, minutes=minutes)[0]


def read_and_get(
    session_id, key: str | None, *, went_live_at=None, minutes: int = 60
) -> tuple[dict, bytes | None]:
    """``read``, plus the value of one more Redis key in the same round trip (None: not asked or unset)."""
    p = prefix(session_id)
    pipe = client().pipeline(transaction=False)
    pipe.hgetall(p + "c")
    pipe.pfcount(p + "uv")
    pipe.pfcount(p + "cm")
    pipe.pfcount(p + "by")
    pipe.zcard(p + "pz")
    pipe.hgetall(p + "m")
    if key is not None:
        pipe.get(key)
    c, uv, cm, by, current, m, *more = pipe.execute()
    return _stats(c, uv, cm, by, current, m, went_live_at=went_live_at, minutes=minutes), (
        more[0] if more else None
    )


def _stats(c, uv, cm, by, current, m, *, went_live_at, minutes: int) -> dict:
    c = {k.decode(): v.decode() for k, v in c.items()}
    m = {k.decode(): int(v) for k, v in m.items()}
    latest = max([int(k.split(":")[0]) for k in m] or [0])
    if went_live_at is not None:
        latest = max(latest, minute_of(timezone.now(), went_live_at))
    first = max(0, latest - minutes + 1)
    per_minute = [
        {
            "minute": i,
            "views": m.get(f"{i}:v", 0),
            "concurrent": m.get(f"{i}:x", 0),
            "comments": m.get(f"{i}:comment", 0),
            "questions": m.get(f"{i}:question", 0),
            "job_card_clicks": m.get(f"{i}:job_card_click", 0),
            "product_clicks": m.get(f"{i}:product_click", 0),
            "orders": m.get(f"{i}:orders", 0),
            "gmv": f"{m.get(f'{i}:gmv_fen', 0) / 100:.2f}",
        }
        for i in range(first, latest + 1)
    ]

    def n(key):
        return int(c.get(key, 0))

    gmv_fen, refunded_fen = n("gmv_fen"), n("refunded_fen")
    return {
        "built": "built" in c,
        "current_viewers": current,
        "unique_viewers": uv,
        "peak_viewers": max(n("peak"), current),
        "views": n("views"),
        "comments": n("comment"),
        "commenters": cm,
        "questions": n("question"),
        "questions_unanswered": max(0, n("question") - n("answered")),
        "likes": n("like"),
        "shares": n("share"),
        "follows": n("follow"),
        "job_card_clicks": n("job_card_click"),
        "product_clicks": n("product_click"),
        "orders": n("orders"),
        "buyers": by,
        "gmv": f"{gmv_fen / 100:.2f}",
        "refunded": f"{refunded_fen / 100:.2f}",
        "gmv_net": f"{(gmv_fen - refunded_fen) / 100:.2f}",
        "per_minute": per_minute,
    }
