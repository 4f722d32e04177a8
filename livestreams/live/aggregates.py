"""Partial aggregates of a session's raw events, folded as they arrive, so results read aggregates.

``aggregates_fold`` runs from beat (``livestreams.live_aggregates_fold``, every tick, for live and just
ended sessions) and once more at the start of every result computation. It reads the events stored
since the previous fold — by id, under the session's exclusive advisory lock for the instant it reads
the newest id, so no ingest transaction can commit an older id later — and adds them to:

* ``LiveFold`` (one row per session): counts per timeline minute and per clicked posting/product;
* ``LiveFoldViewer`` (one row per viewer): counts per segment bucket (distinct viewers and commenters
  overall and per segment are rows, not a scan), and watch time as merged pieces ``runs`` plus the
  newest presence event, whose piece stays open until the next one (docs/live.md has the rule).

Redeliveries never reach the fold (ON CONFLICT keeps them out of the table), so nothing counts twice.
Counts do not depend on order, so late events just add. Watch time does: an event older than its
viewer's newest folded presence event, or a viewer seen on several devices, marks the viewer
``dirty``, and the result reads that viewer's watch time from the raw events (a few viewers, one
filtered scan). While a session is live, events later than ``now − LIVE_MARGIN`` wait in ``pending``:
their minute and the end of their piece depend on when the session ends.

The fold records what it assumed (went-live time, segment edges, end). If the session disagrees later
(segments edited, the end moved), ``aggregates_valid`` is false and beat's next fold starts again from
scratch; until then the result takes the raw path (livestreams/live/results.py), which stays the
reference. A result computation itself only ever adds to aggregates that hold (``start_over=False``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from django.db import connection, transaction
from django.utils import timezone

from livestreams.live.presence import PRESENCE_TIMEOUT_SECONDS, advisory_lock
from livestreams.models import LiveFold, LiveFoldViewer, LiveSession, Segment

TIMEOUT_MS = PRESENCE_TIMEOUT_SECONDS * 1000
LIVE_MARGIN = timedelta(seconds=2)
FETCH = 20_000  # rows per round trip of the fold's server-side cursor
# Index in a viewer's per-bucket counts: [views, comments, questions, likes, shares, follows, job card
# clicks, product clicks]; a question also counts as a comment (its kind is "comment").
COUNTS = ("views", "comments", "questions", "likes", "shares", "follows", "job_card_clicks", "product_clicks")
VIEWERS, COMMENTERS = len(COUNTS), len(COUNTS) + 1  # after the counts in LiveFold.buckets / .totals
_SLOT = {"join": 0, "comment": 1, "like": 3, "share": 4, "follow": 5, "job_card_click": 6, "product_click": 7}
MINUTE_NAMES = {
    "join": "views",
    "comment": "comments",
    "job_card_click": "job_card_clicks",
    "product_click": "product_clicks",
    "like": "likes",
    "share": "shares",
    "follow": "follows",
}
PRESENCE = frozenset({"join", "heartbeat", "leave"})


def segment_bounds(session_id) -> list[datetime]:
    bounds: list[datetime] = []
    for starts_at, ends_at in (
        Segment.objects.filter(session_id=session_id)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    ):
        bounds += [starts_at, ends_at]
    return bounds


def _bounds_key(bounds: list[datetime]) -> list[str]:
    return [b.isoformat() for b in bounds]


def _assumptions_hold(state: LiveFold, session: LiveSession, bounds: list[datetime]) -> bool:
    if state.went_live_at != session.went_live_at or state.bounds != _bounds_key(bounds):
        return False
    if state.ended_at is not None and state.ended_at != session.ended_at:
        return False
    # Events folded while live were taken as "before the end" and their pieces as ending by then.
    return not (
        session.ended_at is not None
        and state.horizon_at is not None
        and state.horizon_at + timedelta(milliseconds=1) > session.ended_at
    )


def aggregates_valid(session: LiveSession, bounds: list[datetime]) -> bool:
    """True when the session's stored aggregates (folded up to now) describe it exactly."""
    state = LiveFold.objects.filter(session_id=session.pk).first()
    return (
        state is not None
        and session.status == LiveSession.Status.ENDED
        and state.ended_at == session.ended_at
        and _assumptions_hold(state, session, bounds)
    )


def _newest_id(session_id) -> int:
    """The newest event id such that no smaller id can still commit: read under the exclusive lock that
    waits for every ingest transaction of the session holding the shared one."""
    with transaction.atomic(), connection.cursor() as cur:
        advisory_lock(cur, session_id, shared=False)
        cur.execute(
            "SELECT coalesce(max(id), 0) FROM livestreams_liveevent WHERE session_id = %s", [session_id]
        )
        return int(cur.fetchone()[0])


class _Viewer:
    __slots__ = ("row_id", "devices", "dirty", "last_us", "last_eid", "last_t", "last_kind", "runs", "counts")

    def __init__(self, row=None):
        if row is None:
            self.row_id, self.devices, self.dirty = None, [], False
            self.last_us, self.last_eid, self.last_t, self.last_kind = None, "", None, ""
            self.runs, self.counts = [], {}
        else:
            (
                self.row_id,
                self.devices,
                self.dirty,
                self.last_us,
                self.last_eid,
                self.last_t,
                self.last_kind,
            ) = row[:7]
            self.runs, self.counts = row[7], row[8]

    def as_json(self, viewer: str) -> dict:
        return {
            "v": viewer,
            "dv": self.devices,
            "dt": self.dirty,
            "lus": self.last_us,
            "le": self.last_eid,
            "lt": self.last_t,
            "lk": self.last_kind,
            "r": self.runs,
            "c": self.counts,
        }


_FOLD_ROWS = """
SELECT id, viewer, device, kind, event_id, (extract(epoch FROM ts) * 1000000)::bigint AS us,
       (date_part('epoch', ts - %(start)s) * 1000)::bigint AS t,
       CASE WHEN %(end)s::timestamptz IS NULL OR ts <= %(end)s::timestamptz
            THEN GREATEST(0, floor(extract(epoch FROM ts - %(start)s) / 60))::int END AS m,
       {bucket} AS b, ref, is_question
FROM livestreams_liveevent
WHERE session_id = %(sid)s AND ((id > %(after)s AND id <= %(upto)s) OR id = ANY(%(pending)s::bigint[]))
ORDER BY ts, event_id COLLATE "C"
"""

_UPSERT = """
INSERT INTO livestreams_livefoldviewer
    (session_id, viewer, devices, dirty, last_us, last_eid, last_t, last_kind, runs, counts)
SELECT %s, v, dv, dt, lus, le, lt, lk, r, c
FROM json_to_recordset(%s::json)
     AS j(v text, dv jsonb, dt bool, lus bigint, le text, lt bigint, lk text, r jsonb, c jsonb)
ON CONFLICT (session_id, viewer) DO UPDATE SET
    devices = EXCLUDED.devices, dirty = EXCLUDED.dirty, last_us = EXCLUDED.last_us,
    last_eid = EXCLUDED.last_eid, last_t = EXCLUDED.last_t, last_kind = EXCLUDED.last_kind,
    runs = EXCLUDED.runs, counts = EXCLUDED.counts
"""


def _load_viewers(cur, session_id, names: list[str], into: dict) -> None:
    cur.execute(
        "SELECT viewer, id, devices, dirty, last_us, last_eid, last_t, last_kind, runs, counts "
        "FROM livestreams_livefoldviewer WHERE session_id = %s AND viewer = ANY(%s)",
        [session_id, names],
    )
    for row in cur.fetchall():
        _, row_id, devices, dirty, last_us, last_eid, last_t, last_kind, runs, counts = row
        into[row[0]] = _Viewer(
            [row_id, _json(devices), dirty, last_us, last_eid, last_t, last_kind, _json(runs), _json(counts)]
        )


def _json(value):
    return (
        orjson.loads(value)
        if isinstance(value, str | bytes) and value[:1] in ("[", "{", b"[", b"{")
        else value
    )


def aggregates_fold(*, session_id, now: datetime | None = None, start_over: bool = True) -> int:
    """Fold the events stored since the last fold into the session's aggregates; the number folded.

    ``start_over=False`` (a result computation someone waits for): only add to aggregates that still
    hold; folding a whole session from scratch is beat's work, and meanwhile results read raw events.
    """
    session = LiveSession.objects.filter(pk=session_id).first()
    if not start_over and not LiveFold.objects.filter(session_id=session_id).exists():
        return 0
    if (
        session is None
        or session.went_live_at is None
        or session.status
        not in (
            LiveSession.Status.LIVE,
            LiveSession.Status.ENDED,
        )
    ):
        return 0
    upto = _newest_id(session_id)
    now = now or timezone.now()
    bounds = segment_bounds(session_id)
    with transaction.atomic():
        state, _ = LiveFold.objects.get_or_create(session_id=session_id)
        state = LiveFold.objects.select_for_update().get(pk=state.pk)  # one fold of a session at a time
        session.refresh_from_db(fields=["status", "went_live_at", "ended_at"])
        if not _assumptions_hold(state, session, bounds):
            if not start_over:
                return 0
            _reset(state, session, bounds)
        ended = session.status == LiveSession.Status.ENDED
        start = session.went_live_at
        end = session.ended_at if ended else None
        dur = int((end - start).total_seconds() * 1000) if ended else None
        horizon_at = None if ended else now - LIVE_MARGIN
        horizon = int((horizon_at - start).total_seconds() * 1000) if horizon_at else None
        if upto <= state.through_id and not state.pending and not (ended and state.ended_at is None):
            return 0
        folded, pending = _fold_rows(state, session_id, start, end, dur, horizon, bounds, upto)
        state.through_id = max(state.through_id, upto)
        state.pending = pending
        if ended:
            state.ended_at = end
        elif folded:
            state.horizon_at = max(filter(None, [state.horizon_at, horizon_at]))
        state.folded_at = timezone.now()
        state.save()
        return folded


def _reset(state: LiveFold, session: LiveSession, bounds: list[datetime]) -> None:
    LiveFoldViewer.objects.filter(session_id=session.pk).delete()
    state.through_id, state.pending, state.minutes, state.refs = 0, [], {}, {}
    state.buckets, state.totals = {}, []
    state.went_live_at, state.bounds = session.went_live_at, _bounds_key(bounds)
    state.ended_at, state.horizon_at = None, None


def _fold_rows(state, session_id, start, end, dur, horizon, bounds, upto) -> tuple[int, list[int]]:
    bucket = "width_bucket(ts, %(bounds)s::timestamptz[])" if bounds else "(0::int)"
    params = {
        "sid": session_id,
        "start": start,
        "end": end,
        "bounds": bounds,
        "after": state.through_id,
        "upto": upto,
        "pending": state.pending,
    }
    viewers: dict[str, _Viewer] = {}
    minutes, refs, buckets = state.minutes, state.refs, state.buckets
    if not state.totals:
        state.totals = [0] * (len(COUNTS) + 2)
    totals = state.totals
    pending: list[int] = []
    folded = 0
    raw = connection.connection
    with raw.cursor(name=f"fold_{session_id}".replace("-", "_")) as cur, connection.cursor() as side:
        cur.itersize = FETCH
        cur.execute(_FOLD_ROWS.format(bucket=bucket), params)
        while True:
            rows = cur.fetchmany(FETCH)
            if not rows:
                break
            if state.through_id:  # a later fold: bring in the viewers folded before
                missing = sorted({r[1] for r in rows} - viewers.keys())
                if missing:
                    _load_viewers(side, session_id, missing, viewers)
            for _id, viewer, device, kind, eid, us, t, m, b, ref, question in rows:
                if horizon is not None and t > horizon:
                    pending.append(_id)
                    continue
                folded += 1
                v = viewers.get(viewer)
                if v is None:
                    v = viewers[viewer] = _Viewer()
                    totals[VIEWERS] += 1  # not loaded from an earlier fold: a new viewer
                key = str(b)
                counts = v.counts.get(key)
                if counts is None:
                    counts = v.counts[key] = [0] * len(COUNTS)
                    buckets.setdefault(key, [0] * (len(COUNTS) + 2))[VIEWERS] += 1
                agg = buckets[key]
                slot = _SLOT.get(kind)
                if slot is not None:
                    if slot == 1:  # the viewer's first comment (here / at all) makes them a commenter
                        if not counts[1]:
                            agg[COMMENTERS] += 1
                        if not any(c[1] for c in v.counts.values()):
                            totals[COMMENTERS] += 1
                    counts[slot] += 1
                    agg[slot] += 1
                    totals[slot] += 1
                if question:
                    counts[2] += 1
                    agg[2] += 1
                    totals[2] += 1
                if kind in PRESENCE:
                    _presence(v, device, kind, eid, us, t, dur)
                    if kind != "join":
                        continue
                if m is not None:
                    minute = minutes.setdefault(str(m), {})
                    name = MINUTE_NAMES.get(kind, kind)
                    minute[name] = minute.get(name, 0) + 1
                    minute["questions"] = minute.get("questions", 0) + (1 if question else 0)
                if ref is not None:
                    key = f"{kind}\t{ref}"
                    refs[key] = refs.get(key, 0) + 1
        items = list(viewers.items())
        for i in range(0, len(items), 5000):
            batch = orjson.dumps([v.as_json(name) for name, v in items[i : i + 5000]])
            side.execute(_UPSERT, [session_id, batch.decode()])
    return folded, pending


def _presence(v: _Viewer, device: str, kind: str, eid: str, us: int, t: int, dur: int | None) -> None:
    if device not in v.devices:
        v.devices.append(device)
        if len(v.devices) > 1:
            v.dirty = True  # several devices: the union of their pieces comes from the raw events
    if v.dirty:
        return
    if v.last_us is not None:
        if (us, eid) <= (v.last_us, v.last_eid):
            v.dirty = True  # out of order: the pieces around it are not known here
            return
        if v.last_kind != "leave":
            s = max(v.last_t, 0)
            e = min(t, v.last_t + TIMEOUT_MS)
            if dur is not None:
                e = min(e, dur)
            if e > s:
                if v.runs and v.runs[-1][1] == s:
                    v.runs[-1][1] = e  # contiguous pieces: one run, same +1/−1 per second
                else:
                    v.runs.append([s, e])
    v.last_us, v.last_eid, v.last_t, v.last_kind = us, eid, t, kind


def aggregates_read(session: LiveSession) -> dict:
    """The session-wide part of the aggregates and the viewers whose watch time the fold left to the
    raw events; the per-viewer rows are summed in SQL by ``results`` (pieces_sql, counts_sql)."""
    state = LiveFold.objects.get(session_id=session.pk)
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT coalesce(array_agg(viewer) FILTER (WHERE jsonb_array_length(devices) <= 1), '{}'),
                   coalesce(array_agg(viewer) FILTER (WHERE jsonb_array_length(devices) > 1), '{}')
            FROM livestreams_livefoldviewer WHERE session_id = %s AND dirty
            """,
            [session.pk],
        )
        dirty_single, dirty_multi = cur.fetchone()
    return {
        "dirty_single": list(dirty_single),
        "dirty_multi": list(dirty_multi),
        "minutes": {int(m): values for m, values in state.minutes.items()},
        "refs": state.refs,
        "buckets": {int(b): values for b, values in state.buckets.items()},
        "totals": state.totals or [0] * (len(COUNTS) + 2),
    }


# Closed runs and the open last piece of every viewer the fold followed, as (viewer, kind, s, e) rows:
# the same shape as the raw path's piece rows, so results counts them with the same SQL.
CLEAN_PIECES = f"""
SELECT f.viewer, 'join' AS kind, (r ->> 0)::bigint AS s, (r ->> 1)::bigint AS e
FROM livestreams_livefoldviewer f, jsonb_array_elements(f.runs) r
WHERE f.session_id = %(sid)s AND NOT f.dirty
UNION ALL
SELECT viewer, last_kind, GREATEST(last_t, 0), LEAST(last_t + {TIMEOUT_MS}, %(dur)s)
FROM livestreams_livefoldviewer
WHERE session_id = %(sid)s AND NOT dirty AND last_kind IN ('join', 'heartbeat')
"""
