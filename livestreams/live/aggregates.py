"""Partial aggregates of a session's raw events, folded as they arrive, so results read aggregates.

``aggregates_fold`` runs from beat (``livestreams.live_aggregates_fold``, every tick, for live and just
ended sessions) and once more at the start of every result computation. It reads the events stored
since the previous fold — by id, under the session's exclusive advisory lock for the instant it reads
the newest id, so no ingest transaction can commit an older id later — and adds them to:

* ``LiveFold`` (one row per session): counts per timeline minute, per clicked posting/product and per
  segment bucket, and distinct viewers and commenters overall and per bucket;
* ``LiveFoldViewer`` (one row per viewer): the buckets the viewer was seen and commented in (so a
  later fold knows who is new), and watch time as merged pieces ``runs`` plus the newest presence
  event, whose piece stays open until the next one (docs/live.md has the rule).

The fold is set-based SQL over the new events: one GROUP BY GROUPING SETS for the session-wide counts
(added to ``LiveFold``'s small maps), and one statement that groups the new events per viewer, cuts
their presence pieces with window functions (the first piece starts at the stored newest event),
merges them with the stored last run, upserts every touched viewer (INSERT … ON CONFLICT DO UPDATE)
and answers how many viewers and commenters are new. No Python loop runs per event.

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

from django.db import connection, transaction
from django.utils import timezone

from livestreams.live.presence import PRESENCE_TIMEOUT_SECONDS, advisory_lock
from livestreams.models import LiveFold, LiveFoldViewer, LiveSession, Segment

TIMEOUT_MS = PRESENCE_TIMEOUT_SECONDS * 1000
LIVE_MARGIN = timedelta(seconds=2)
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


# The events a fold takes: stored since the watermark (``through_id``) or left pending by the previous
# fold, with their time in ms since went-live (``t``), timeline minute (``m``, none after the end) and
# segment bucket (``b``); ``horizon`` (while live) leaves the newest ones pending.
_FOLDED = """
SELECT * FROM (
    SELECT id, viewer, device, kind, event_id, ts, ref, is_question,
           (date_part('epoch', ts - %(start)s) * 1000)::bigint AS t,
           CASE WHEN %(end)s::timestamptz IS NULL OR ts <= %(end)s::timestamptz
                THEN GREATEST(0, floor(extract(epoch FROM ts - %(start)s) / 60))::int END AS m,
           {bucket} AS b
    FROM livestreams_liveevent
    WHERE session_id = %(sid)s
      AND ((id > %(after)s AND id <= %(upto)s) OR id = ANY(%(pending)s::bigint[]))
) e
WHERE %(horizon)s::bigint IS NULL OR t <= %(horizon)s::bigint
"""

_PENDING = """
SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM (
    SELECT id, (date_part('epoch', ts - %(start)s) * 1000)::bigint AS t
    FROM livestreams_liveevent
    WHERE session_id = %(sid)s
      AND ((id > %(after)s AND id <= %(upto)s) OR id = ANY(%(pending)s::bigint[]))
) e
WHERE t > %(horizon)s::bigint
"""

# Session-wide counts of the new events. GROUPING(b, m, kind, ref): 5 = per bucket and kind,
# 13 = per kind, 9 = per minute and kind, 12 = per kind and clicked ref.
_COUNTS = """
SELECT GROUPING(b, m, kind, ref), b, m, kind, ref::text, count(*), count(*) FILTER (WHERE is_question)
FROM ({folded}) f
GROUP BY GROUPING SETS ((b, kind), (kind), (m, kind), (kind, ref))
"""

# The per-viewer rows, in one statement: the new events per viewer and bucket (``vb``, ``pv``), the
# viewers' rows as the previous fold left them (``old``), the presence events in order per viewer with
# the one before each (``pres``; the first one's is the stored newest), the pieces between them, merged
# with the stored last run into runs of contiguous pieces (``runs``), then one upsert. What it returns
# is what the session-wide counts need: new (viewer, bucket) and (commenter, bucket) pairs per bucket
# (rows with a bucket) and new viewers and commenters (the row without).
_VIEWERS = """
WITH vb AS (
    SELECT viewer, b, bool_or(kind = 'comment') AS commented FROM ({folded}) f GROUP BY viewer, b
), pv AS (
    SELECT viewer, array_agg(b ORDER BY b) AS buckets,
           coalesce(array_agg(b ORDER BY b) FILTER (WHERE commented), '{{}}') AS commented
    FROM vb GROUP BY viewer
), old AS MATERIALIZED (
    SELECT o.* FROM livestreams_livefoldviewer o JOIN pv USING (viewer) WHERE o.session_id = %(sid)s
), pres AS (
    SELECT viewer, device, kind, event_id, t, (extract(epoch FROM ts) * 1000000)::bigint AS us,
           row_number() OVER w AS k, lead(t) OVER w IS NULL AS newest,
           lag(t) OVER w AS pt, lag(kind) OVER w AS pk
    FROM ({folded}) f
    WHERE kind IN ('join', 'heartbeat', 'leave')
    WINDOW w AS (PARTITION BY viewer ORDER BY ts, event_id COLLATE "C")
), psum AS (
    SELECT viewer, min(device) AS dmin, max(device) AS dmax,
           max(us) FILTER (WHERE k = 1) AS first_us, max(event_id) FILTER (WHERE k = 1) AS first_eid,
           max(us) FILTER (WHERE newest) AS last_us, max(event_id) FILTER (WHERE newest) AS last_eid,
           max(t) FILTER (WHERE newest) AS last_t, max(kind) FILTER (WHERE newest) AS last_kind
    FROM pres GROUP BY viewer
), pieces AS (
    SELECT viewer, s, e FROM (
        SELECT p.viewer, GREATEST(coalesce(p.pt, o.last_t), 0) AS s,
               LEAST(p.t, coalesce(p.pt, o.last_t) + {timeout}, %(dur)s::bigint) AS e
        FROM pres p LEFT JOIN old o ON p.k = 1 AND o.viewer = p.viewer
        WHERE coalesce(p.pk, o.last_kind) IN ('join', 'heartbeat')
    ) x WHERE e > s
), edges AS (
    SELECT viewer, s, e FROM pieces
    UNION ALL
    SELECT viewer, (runs -> -1 ->> 0)::bigint, (runs -> -1 ->> 1)::bigint
    FROM old JOIN (SELECT DISTINCT viewer FROM pieces) cut USING (viewer)
    WHERE jsonb_array_length(runs) > 0
), runs AS (
    SELECT viewer, jsonb_agg(jsonb_build_array(s, e) ORDER BY s) AS runs FROM (
        SELECT viewer, island, min(s) AS s, max(e) AS e FROM (
            SELECT viewer, s, e, count(*) FILTER (WHERE before IS DISTINCT FROM s)
                       OVER (PARTITION BY viewer ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
            FROM (SELECT viewer, s, e, lag(e) OVER (PARTITION BY viewer ORDER BY s, e) AS before
                  FROM edges) l
        ) i GROUP BY viewer, island
    ) r GROUP BY viewer
), new AS (
    SELECT pv.viewer, o.viewer IS NULL AS is_new, pv.buckets AS nb, pv.commented AS nc,
           o.commented AS oc, d.devices,
           coalesce(o.dirty, false) OR jsonb_array_length(d.devices) > 1 OR (
               o.last_us IS NOT NULL AND ps.first_us IS NOT NULL
               AND (ps.first_us, ps.first_eid COLLATE "C") <= (o.last_us, o.last_eid COLLATE "C")
           ) AS dirty,
           coalesce(ps.last_us, o.last_us) AS last_us, coalesce(ps.last_eid, o.last_eid, '') AS last_eid,
           coalesce(ps.last_t, o.last_t) AS last_t, coalesce(ps.last_kind, o.last_kind, '') AS last_kind,
           CASE WHEN r.viewer IS NULL THEN coalesce(o.runs, '[]')
                ELSE (coalesce(o.runs, '[]') - (-1)) || r.runs END AS runs,
           CASE WHEN o.buckets @> pv.buckets THEN o.buckets
                ELSE ARRAY(SELECT DISTINCT x FROM unnest(coalesce(o.buckets, '{{}}') || pv.buckets) x ORDER BY x)
           END AS buckets,
           CASE WHEN coalesce(o.commented, '{{}}') @> pv.commented THEN coalesce(o.commented, '{{}}')
                ELSE ARRAY(SELECT DISTINCT x FROM unnest(o.commented || pv.commented) x ORDER BY x)
           END AS commented
    FROM pv
    LEFT JOIN old o USING (viewer)
    LEFT JOIN psum ps USING (viewer)
    LEFT JOIN runs r USING (viewer)
    -- the devices seen: two make the viewer dirty for good, so more than two are not kept
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN ps.viewer IS NULL THEN coalesce(o.devices, '[]')
            WHEN ps.dmin = ps.dmax AND coalesce(o.devices, '[]') IN ('[]', jsonb_build_array(ps.dmin))
                THEN jsonb_build_array(ps.dmin)
            ELSE (SELECT jsonb_agg(DISTINCT x) FROM (
                      SELECT jsonb_array_elements_text(coalesce(o.devices, '[]'))
                      UNION SELECT ps.dmin UNION SELECT ps.dmax) u(x))
        END AS devices
    ) d
), up AS (
    INSERT INTO livestreams_livefoldviewer
        (session_id, viewer, devices, dirty, last_us, last_eid, last_t, last_kind, runs, buckets, commented)
    SELECT %(sid)s, viewer, devices, dirty, last_us, last_eid, last_t, last_kind, runs, buckets, commented
    FROM new
    ON CONFLICT (session_id, viewer) DO UPDATE SET
        devices = EXCLUDED.devices, dirty = EXCLUDED.dirty, last_us = EXCLUDED.last_us,
        last_eid = EXCLUDED.last_eid, last_t = EXCLUDED.last_t, last_kind = EXCLUDED.last_kind,
        runs = EXCLUDED.runs, buckets = EXCLUDED.buckets, commented = EXCLUDED.commented
)
SELECT vb.b, count(*) FILTER (WHERE o.viewer IS NULL OR vb.b <> ALL(o.buckets)),
       count(*) FILTER (WHERE vb.commented AND (o.viewer IS NULL OR vb.b <> ALL(o.commented)))
FROM vb LEFT JOIN old o USING (viewer) GROUP BY vb.b
UNION ALL
SELECT NULL, count(*) FILTER (WHERE is_new),
       count(*) FILTER (WHERE cardinality(nc) > 0 AND (is_new OR cardinality(oc) = 0))
FROM new
"""


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
    """Fold the new events in three set-based statements: the session-wide counts, the per-viewer
    upsert (which answers the new distinct viewers and commenters), and the ids left pending."""
    bucket = "width_bucket(ts, %(bounds)s::timestamptz[])" if bounds else "(0::int)"
    params = {
        "sid": session_id,
        "start": start,
        "end": end,
        "dur": dur,
        "horizon": horizon,
        "bounds": bounds,
        "after": state.through_id,
        "upto": upto,
        "pending": state.pending,
    }
    minutes, refs, buckets = state.minutes, state.refs, state.buckets
    if not state.totals:
        state.totals = [0] * (len(COUNTS) + 2)
    totals = state.totals
    folded = 0
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '128MB'")
        # The new events in a temporary table with its own statistics. Read in place, their count was
        # estimated from the raw table's statistics, which know nothing of a session that started after
        # the last ANALYZE: a few rows, so the joins below went nested-loop over thousands (a fold took
        # 15 s instead of 0.2 s in benchmarks.profile_fold with BENCH_PROFILE_FOLD_OTHER=200000).
        cur.execute("DROP TABLE IF EXISTS pg_temp.fold_new")
        cur.execute(
            f"CREATE TEMPORARY TABLE fold_new ON COMMIT DROP AS {_FOLDED.format(bucket=bucket)}", params
        )
        cur.execute("ANALYZE fold_new")
        folded_sql = "SELECT * FROM fold_new"
        cur.execute(_COUNTS.format(folded=folded_sql), params)
        for grouping, b, m, kind, ref, n, questions in cur.fetchall():
            if grouping in (5, 13):  # per bucket and kind / per kind (the totals)
                row = totals if grouping == 13 else buckets.setdefault(str(b), [0] * (len(COUNTS) + 2))
                slot = _SLOT.get(kind)
                if slot is not None:
                    row[slot] += n
                row[2] += questions
                folded += n if grouping == 13 else 0
            elif kind in PRESENCE and kind != "join":
                continue  # heartbeats and leaves are in no minute and click no ref
            elif grouping == 9 and m is not None:
                minute = minutes.setdefault(str(m), {})
                name = MINUTE_NAMES.get(kind, kind)
                minute[name] = minute.get(name, 0) + n
                minute["questions"] = minute.get("questions", 0) + questions
            elif grouping == 12 and ref is not None:
                key = f"{kind}\t{ref}"
                refs[key] = refs.get(key, 0) + n
        if folded:
            cur.execute(_VIEWERS.format(folded=folded_sql, timeout=TIMEOUT_MS), params)
            for b, viewers, commenters in cur.fetchall():
                row = totals if b is None else buckets[str(b)]
                row[VIEWERS] += viewers
                row[COMMENTERS] += commenters
        pending: list[int] = []
        if horizon is not None:
            cur.execute(_PENDING, params)
            pending = list(cur.fetchone()[0])
    return folded, pending


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
