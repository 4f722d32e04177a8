"""Session results computed from PostgreSQL with SQL aggregates (no Python loops over raw events).

Watch-time rule (docs/live.md): for each viewer's device, order its join/heartbeat/leave events by time.
Every join or heartbeat opens a piece that lasts until the device's next presence event, but at most
``PRESENCE_TIMEOUT`` (5 minutes) — a gap longer than that without a heartbeat closes the piece at the last
heartbeat + 5 minutes. A leave opens nothing. Pieces are clipped to [went_live_at, ended_at]. A viewer's
presence is the union of their devices' pieces (a member leaving on the phone while the laptop still
sends heartbeats is still watching). The merged pieces of one viewer never overlap, so a viewer's watch
time can never exceed the live duration, and duplicate or out-of-order events cannot make it infinite.

Concurrency: +1 at each piece start, −1 at each end, at one-second resolution; the per-minute value is
the highest level during that minute; peak concurrency is the highest per-minute value; average
concurrency is total watch time / live duration.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from core.models import User
from livestreams import hooks
from livestreams.live import aggregates
from livestreams.live.presence import PRESENCE_TIMEOUT_SECONDS
from livestreams.models import LiveSession, Order, Product, Segment, SessionResult

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT, ROUND_HALF_UP))


def _ratio(num, den, places: int = 4) -> float | None:
    if not den:
        return None
    return round(float(num) / float(den), places)


def live_window(session: LiveSession) -> tuple[datetime, datetime]:
    start = session.went_live_at or session.starts_at
    end = session.ended_at or (
        timezone.now() if session.status == LiveSession.Status.LIVE else session.ends_at
    )
    return start, max(start, end)


# Times are integer milliseconds since went_live_at (exact, and far cheaper than numeric intervals).
# Pieces are cut per device of a viewer. Most viewers have one device, whose pieces never overlap: they go
# straight to the counting. Members seen on several devices at once (a phone and a laptop) are merged per
# viewer into islands — the union of their devices — so they count once and keep the time one device
# covers after another has left. Sessions with no such member run exactly the one-sort plan (one sort
# (viewer, ts) feeds the window pass); a single MixedAggregate then counts piece starts per second, ends
# per second, pieces per viewer and the total in the same pass. Lists of viewers are joined as
# ``IN (SELECT unnest(…))`` (a hash join), not ``= ANY(…)``: measured, the array filter was compared
# element by element on every event row (1M events × 2,500 viewers: 40 s).
# GROUPING(ssec, esec, viewer): 3 = starts per second, 5 = ends per second, 6 = one viewer, 7 = total.
_MULTI_DEVICE = """
SELECT coalesce(array_agg(viewer), '{}') FROM (
    SELECT viewer FROM livestreams_liveevent
    WHERE session_id = %(sid)s AND kind IN ('join', 'heartbeat', 'leave') AND viewer IN (
        SELECT viewer FROM livestreams_liveevent WHERE session_id = %(sid)s AND device <> ''
    )
    GROUP BY viewer HAVING min(device) <> max(device)
) m
"""


def _piece_rows(where: str, partition: str, table: str = "livestreams_liveevent") -> str:
    return f"""
        SELECT viewer, kind,
               GREATEST(t, 0) AS s,
               LEAST(COALESCE(lead(t) OVER w, %(dur)s), t + {PRESENCE_TIMEOUT_SECONDS * 1000}, %(dur)s) AS e
        FROM (
            SELECT viewer, device, kind, event_id, ts,
                   (date_part('epoch', ts - %(start)s) * 1000)::bigint AS t
            FROM {table}
            WHERE session_id = %(sid)s AND kind IN ('join', 'heartbeat', 'leave'){where}
        ) ev
        WINDOW w AS (PARTITION BY {partition} ORDER BY ts, event_id COLLATE "C")
    """


_SINGLE = _piece_rows("", 'viewer COLLATE "C"')
_SINGLE_OF_MIXED = _piece_rows(" AND viewer NOT IN (SELECT unnest(%(multi)s::text[]))", 'viewer COLLATE "C"')


def _merged(table: str = "livestreams_liveevent") -> str:
    return f"""
    SELECT viewer, 'join' AS kind, min(s) AS s, max(e) AS e FROM (
        SELECT viewer, s, e,
               count(*) FILTER (WHERE before IS NULL OR s > before)
                   OVER (PARTITION BY viewer ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
        FROM (
            SELECT viewer, s, e,
                   max(e) OVER (PARTITION BY viewer ORDER BY s, e
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM ({_piece_rows(" AND viewer IN (SELECT unnest(%(multi)s::text[]))", "viewer, device", table)}) d
            WHERE kind <> 'leave' AND e > s
        ) r
    ) i
    GROUP BY viewer, island
"""


_MERGED = _merged()


def _pieces_sql(pieces: str, ctes: str = "") -> str:
    return f"""
WITH {ctes}g AS (
    SELECT GROUPING(s / 1000, e / 1000, viewer) AS g, s / 1000 AS ssec, e / 1000 AS esec,
           count(*) AS n, sum(e - s) AS total
    FROM ({pieces}) x
    WHERE kind <> 'leave' AND e > s
    GROUP BY GROUPING SETS ((s / 1000), (e / 1000), (viewer), ())
), per_sec AS (
    SELECT sec, sum(d) AS d
    FROM (SELECT ssec AS sec, n AS d FROM g WHERE g = 3 UNION ALL SELECT esec, -n FROM g WHERE g = 5) d
    GROUP BY sec
), lvl AS (
    SELECT sec, sum(d) OVER (ORDER BY sec) AS level FROM per_sec
)
SELECT 'm' AS tag, sec / 60 AS minute, max(level) AS a, (array_agg(level ORDER BY sec DESC))[1] AS b
FROM lvl GROUP BY sec / 60
UNION ALL
SELECT 't', NULL, coalesce(sum(total) FILTER (WHERE g = 7), 0), count(*) FILTER (WHERE g = 6) FROM g
"""


_PIECES = _pieces_sql(_SINGLE)
_PIECES_MIXED = _pieces_sql(f"{_SINGLE_OF_MIXED} UNION ALL {_MERGED}")


def _watch(cur, session: LiveSession) -> tuple[Decimal, int, dict[int, int]]:
    start, end = live_window(session)
    duration_ms = int((end - start).total_seconds() * 1000)
    params = {"sid": session.pk, "start": start, "dur": duration_ms}
    cur.execute(_MULTI_DEVICE, params)
    params["multi"] = cur.fetchone()[0]
    cur.execute(_PIECES_MIXED if params["multi"] else _PIECES, params)
    return _watch_rows(cur.fetchall(), start, end)


def _watch_rows(rows, start, end) -> tuple[Decimal, int, dict[int, int]]:
    per_minute_max: dict[int, int] = {}
    per_minute_last: dict[int, int] = {}
    total, watchers = Decimal(0), 0
    for tag, minute, a, b in rows:
        if tag == "t":
            total, watchers = Decimal(int(a)) / 1000, int(b)
        else:
            per_minute_max[int(minute)] = int(a)
            per_minute_last[int(minute)] = int(b)
    return total, watchers, _timeline(start, end, per_minute_max, per_minute_last)


def _timeline(start, end, per_minute_max: dict, per_minute_last: dict) -> dict[int, int]:
    minutes = max(1, int((end - start).total_seconds() + 59) // 60)
    timeline, level = {}, 0
    for m in range(minutes):
        if m in per_minute_max:
            timeline[m] = max(level, per_minute_max[m])
            level = per_minute_last[m]
        else:
            timeline[m] = level
    return timeline


# The aggregates path: the fold's pieces, plus the raw pieces of the few viewers the fold could not
# follow (late events, several devices), counted by the same SQL as the raw path.
def _watch_from_aggregates(cur, session: LiveSession, agg: dict) -> tuple[Decimal, int, dict[int, int]]:
    start, end = live_window(session)
    params = {
        "sid": session.pk,
        "start": start,
        "dur": int((end - start).total_seconds() * 1000),
        "dirty": agg["dirty_single"],
        "multi": agg["dirty_multi"],
    }
    pieces, ctes = aggregates.CLEAN_PIECES, ""
    if agg["dirty_single"] or agg["dirty_multi"]:
        # The dirty viewers' presence events, read in one scan for both kinds.
        ctes = """dirty_ev AS MATERIALIZED (
            SELECT session_id, viewer, device, kind, event_id, ts FROM livestreams_liveevent
            WHERE session_id = %(sid)s AND kind IN ('join', 'heartbeat', 'leave')
              AND viewer IN (SELECT unnest(%(dirty)s::text[] || %(multi)s::text[]))
        ), """
    if agg["dirty_single"]:
        pieces += " UNION ALL " + _piece_rows(
            " AND viewer IN (SELECT unnest(%(dirty)s::text[]))", 'viewer COLLATE "C"', "dirty_ev"
        )
    if agg["dirty_multi"]:
        pieces += f" UNION ALL {_merged('dirty_ev')}"
    cur.execute(_pieces_sql(pieces, ctes), params)
    return _watch_rows(cur.fetchall(), start, end)


def _events_from_aggregates(cur, session: LiveSession, agg: dict):
    """The same four maps as ``_events``, from the folded counts (answered questions are read from
    the raw events through the partial questions index: they are answered after they arrive)."""
    bounds = aggregates.segment_bounds(session.pk)
    bucket = "width_bucket(ts, %(bounds)s::timestamptz[])" if bounds else "(0::int)"
    cur.execute(
        f"""
        SELECT GROUPING(b), b, count(*) FROM (
            SELECT {bucket} AS b FROM livestreams_liveevent
            WHERE session_id = %(sid)s AND is_question AND answered_at IS NOT NULL
        ) q GROUP BY GROUPING SETS ((), (b))
        """,
        {"sid": session.pk, "bounds": bounds},
    )
    answered = {(grouped, b): n for grouped, b, n in cur.fetchall()}

    def values(row: list, answered_n: int) -> dict:
        out = dict(zip(aggregates.COUNTS, row, strict=False))
        out.update(
            viewers=row[aggregates.VIEWERS], commenters=row[aggregates.COMMENTERS], answered=answered_n
        )
        return {name: int(out[name]) for name in EVENT_FIELDS}

    totals = values(agg["totals"], answered.get((1, None), 0))
    per_bucket = {b: values(row, answered.get((0, b), 0)) for b, row in agg["buckets"].items()}
    per_ref = {}
    for key, n in agg["refs"].items():
        kind, ref = key.split("\t", 1)
        per_ref[(kind, ref)] = {aggregates.MINUTE_NAMES.get(kind, kind): n}
    return totals, per_bucket, agg["minutes"], per_ref


def concurrency_per_minute(cur, session: LiveSession) -> dict[int, int]:
    return _watch(cur, session)[2]


def segment_minutes(segment: Segment, went_live_at: datetime) -> range:
    """Every timeline minute the segment is on air in, including the minute it ends in.

    A minute counts when it overlaps [starts_at, ends_at): a segment ending at 01:30 covers minute 1, one
    ending exactly at 02:00 does not cover minute 2, and a segment shorter than a minute covers the one
    (or two) minutes it touches — never none.
    """
    first = max(0, math.floor((segment.starts_at - went_live_at).total_seconds() / 60))
    end = math.ceil((segment.ends_at - went_live_at).total_seconds() / 60)
    return range(first, max(end, first + 1))


def _segment_bounds(segments: list[Segment]) -> list[datetime]:
    bounds = []
    for s in segments:
        bounds += [s.starts_at, s.ends_at]
    return bounds


def _segment_of_bucket(bucket: int, segments: list[Segment]) -> Segment | None:
    # width_bucket over [s1.start, s1.end, s2.start, …]: bucket 1 = inside s1, 2 = gap, 3 = inside s2 …
    if bucket % 2 == 1 and 0 < bucket <= 2 * len(segments):
        return segments[(bucket - 1) // 2]
    return None


EVENT_FIELDS = [
    "views",
    "viewers",
    "comments",
    "commenters",
    "questions",
    "answered",
    "likes",
    "shares",
    "follows",
    "job_card_clicks",
    "product_clicks",
]


def _events(cur, session: LiveSession, segments: list[Segment]):
    """Two scans, both hash aggregates: per viewer (for distinct counts), then per minute / per clicked ref."""
    start, end = live_window(session)
    bounds = _segment_bounds(segments)
    bucket = "width_bucket(ts, %(bounds)s::timestamptz[])" if bounds else "(0::int)"
    # Events after the end (the bridge's grace window) count in the totals but not in a timeline minute.
    params = {"sid": session.pk, "start": start, "end": end, "bounds": bounds}
    # Distinct viewers/commenters overall and per segment: group by viewer first (hashed), then count groups.
    cur.execute(
        f"""
        WITH per AS (
            SELECT GROUPING(b) AS gb, b, viewer,
                   count(*) FILTER (WHERE kind = 'join') AS views,
                   count(*) FILTER (WHERE kind = 'comment') AS comments,
                   count(*) FILTER (WHERE is_question) AS questions,
                   count(*) FILTER (WHERE is_question AND answered_at IS NOT NULL) AS answered,
                   count(*) FILTER (WHERE kind = 'like') AS likes,
                   count(*) FILTER (WHERE kind = 'share') AS shares,
                   count(*) FILTER (WHERE kind = 'follow') AS follows,
                   count(*) FILTER (WHERE kind = 'job_card_click') AS job_card_clicks,
                   count(*) FILTER (WHERE kind = 'product_click') AS product_clicks
            FROM (SELECT {bucket} AS b, viewer, kind, is_question, answered_at
                  FROM livestreams_liveevent WHERE session_id = %(sid)s) e
            GROUP BY GROUPING SETS ((viewer), (b, viewer))
        )
        SELECT gb, b, sum(views), count(*), sum(comments), count(*) FILTER (WHERE comments > 0),
               sum(questions), sum(answered), sum(likes), sum(shares), sum(follows),
               sum(job_card_clicks), sum(product_clicks)
        FROM per GROUP BY gb, b
        """,
        params,
    )
    totals, per_bucket = {}, {}
    for row in cur.fetchall():
        values = {name: int(v or 0) for name, v in zip(EVENT_FIELDS, row[2:], strict=True)}
        if row[0]:
            totals = values
        else:
            per_bucket[row[1]] = values
    cur.execute(
        """
        SELECT GROUPING(m) AS gm, m, kind, ref, count(*) AS n, count(*) FILTER (WHERE is_question) AS q
        FROM (
            SELECT CASE WHEN ts <= %(end)s THEN GREATEST(0, floor(extract(epoch FROM ts - %(start)s) / 60))::int
                   END AS m, kind, ref, is_question
            FROM livestreams_liveevent
            WHERE session_id = %(sid)s AND kind NOT IN ('heartbeat', 'leave')
        ) e
        GROUP BY GROUPING SETS ((m, kind), (kind, ref))
        """,
        params,
    )
    per_minute: dict[int, dict] = {}
    per_ref: dict[tuple, dict] = {}
    names = aggregates.MINUTE_NAMES
    for gm, m, kind, ref, n, q in cur.fetchall():
        if not gm:
            if m is None:
                continue
            bucket_values = per_minute.setdefault(m, {})
            bucket_values[names.get(kind, kind)] = bucket_values.get(names.get(kind, kind), 0) + n
            bucket_values["questions"] = bucket_values.get("questions", 0) + q
        elif ref is not None:
            per_ref[(kind, str(ref))] = {names.get(kind, kind): n}
    return totals or dict.fromkeys(EVENT_FIELDS, 0), per_bucket, per_minute, per_ref


# The per-minute timeline is the live window only: replay/later orders keep their minute_offset on the row
# (attribution) but group under NULL here, so they never land in a minute of the live timeline.
_LIVE_MINUTE = "(CASE WHEN o.channel = 'live' THEN o.minute_offset END)"


def _orders(cur, session: LiveSession):
    cur.execute(
        f"""
        SELECT GROUPING(o.segment_id) AS g_s, GROUPING(o.product_id) AS g_p,
               GROUPING(COALESCE(p.seller_id, seg.seller_id)) AS g_u, GROUPING({_LIVE_MINUTE}) AS g_m,
               GROUPING(o.channel) AS g_c,
               o.segment_id, o.product_id, COALESCE(p.seller_id, seg.seller_id), {_LIVE_MINUTE}, o.channel,
               count(*), count(DISTINCT o.buyer), coalesce(sum(o.quantity), 0), coalesce(sum(o.amount), 0),
               coalesce(sum(o.amount) FILTER (WHERE o.status = 'refunded'), 0),
               count(*) FILTER (WHERE o.status = 'refunded')
        FROM livestreams_order o
        LEFT JOIN livestreams_product p ON p.id = o.product_id
        LEFT JOIN livestreams_segment seg ON seg.id = o.segment_id
        WHERE o.session_id = %s
        GROUP BY GROUPING SETS ((), (o.segment_id), (o.product_id), (COALESCE(p.seller_id, seg.seller_id)),
                                ({_LIVE_MINUTE}), (o.channel))
        """,
        [session.pk],
    )
    out = {"total": None, "segment": {}, "product": {}, "seller": {}, "minute": {}, "channel": {}}
    for row in cur.fetchall():
        g = row[:5]
        keys = row[5:10]
        orders, buyers, items, gross, refunded, refunds = row[10:]
        values = {
            "orders": orders,
            "buyers": buyers,
            "items": int(items),
            "gmv_gross": Decimal(gross),
            "refunded": Decimal(refunded),
            "refunds": refunds,
            "gmv_net": Decimal(gross) - Decimal(refunded),
        }
        if all(g):
            out["total"] = values
        else:
            name = ["segment", "product", "seller", "minute", "channel"][g.index(0)]
            out[name][keys[g.index(0)]] = values
    if out["total"] is None:
        out["total"] = {
            "orders": 0,
            "buyers": 0,
            "items": 0,
            "gmv_gross": ZERO,
            "refunded": ZERO,
            "refunds": 0,
            "gmv_net": ZERO,
        }
    return out


def application_model():
    """The applications model when an app provides one (jobs registers it), else None (results then
    omit applications). A hook, not an import: livestreams sits below jobs in the dependency order."""
    return next((m for m in hooks.run("application_model") if m is not None), None)


def posting_titles(ids) -> dict[str, str]:
    """Titles of the given job postings, by id, from the app that owns postings (jobs), else {}."""
    titles: dict[str, str] = {}
    for found in hooks.run("posting_titles", list(ids)):
        titles.update(found or {})
    return titles


def application_metrics(*, session_ids: list, unique_viewers: int, views: int) -> dict | None:
    """Applications, applicants (distinct phones), apply rate and APM, per job, segment, minute, channel.

    apply rate = applicants / unique viewers; APM = applications per 1,000 views (room entries).
    Across several sessions (a series) applicants are de-duplicated by phone.
    """
    model = application_model()
    if model is None:
        return None
    names = {f.name for f in model._meta.get_fields()}
    qs = model.objects.filter(session_id__in=session_ids)
    agg = qs.aggregate(applications=Count("pk"), applicants=Count("phone", distinct=True))
    out = {
        "applications": agg["applications"],
        "applicants": agg["applicants"],
        "apply_rate": _ratio(agg["applicants"], unique_viewers),
        "apm": _ratio(agg["applications"] * 1000, views, 2),
        "per_posting": {},
        "per_segment": {},
        "per_minute": {},
        "per_channel": {},
    }
    titles = posting_titles(qs.values_list("posting_id", flat=True).distinct())
    for row in (
        qs.values("posting_id").annotate(n=Count("pk"), people=Count("phone", distinct=True)).order_by()
    ):
        key = str(row["posting_id"])
        out["per_posting"][key] = {
            "title": titles.get(key, key),
            "applications": row["n"],
            "applicants": row["people"],
        }
    for field_name, bucket in (
        ("segment", "per_segment"),
        ("minute_offset", "per_minute"),
        ("channel", "per_channel"),
    ):
        if field_name not in names:
            continue
        column = "segment_id" if field_name == "segment" else field_name
        for row in qs.values(column).annotate(n=Count("pk"), people=Count("phone", distinct=True)).order_by():
            out[bucket][str(row[column])] = {"applications": row["n"], "applicants": row["people"]}
    return out


def result_compute(
    *, session_id, timings: dict | None = None, source: str = "auto", fold: bool = True
) -> SessionResult:
    """Compute and store a session's result.

    ``source``: "auto" folds the newest events into the session's aggregates first and reads those when
    they describe the ended session exactly (livestreams/live/aggregates.py), else the raw events;
    "raw" always reads every raw event — the reference the aggregates are tested against.
    ``fold=False``: the caller folded just before, outside its transaction (the fold's lock on the
    session's ingest would otherwise last until that transaction ends).
    """
    clock = time.perf_counter()
    if source != "raw" and fold:
        aggregates.aggregates_fold(session_id=session_id, start_over=False)
    if timings is not None:
        timings["fold"] = time.perf_counter() - clock
    return _result_compute(session_id=session_id, timings=timings, source=source)


@transaction.atomic
def _result_compute(*, session_id, timings: dict | None, source: str) -> SessionResult:
    session = LiveSession.objects.select_related("union").get(pk=session_id)
    segments = list(Segment.objects.filter(session=session).select_related("seller").order_by("starts_at"))
    start, end = live_window(session)
    live_seconds = int((end - start).total_seconds())
    folded = source != "raw" and aggregates.aggregates_valid(session, _segment_bounds(segments))
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '128MB'")
        clock = time.perf_counter()
        if folded:
            agg = aggregates.aggregates_read(session)
            total_watch, watchers, conc = _watch_from_aggregates(cur, session, agg)
            lap = time.perf_counter()
            totals, per_bucket, per_minute_events, per_ref = _events_from_aggregates(cur, session, agg)
        else:
            total_watch, watchers, conc = _watch(cur, session)
            lap = time.perf_counter()
            totals, per_bucket, per_minute_events, per_ref = _events(cur, session, segments)
        lap2 = time.perf_counter()
        orders = _orders(cur, session)
        if timings is not None:
            timings.update(
                source="aggregates" if folded else "raw",
                watch=lap - clock,
                events=lap2 - lap,
                orders=time.perf_counter() - lap2,
            )
    unique = totals["viewers"]
    views = totals["views"]
    o = orders["total"]
    peak = max(conc.values(), default=0)
    watch_seconds = int(total_watch)
    apps_metrics = application_metrics(session_ids=[session.pk], unique_viewers=unique, views=views)
    applications = apps_metrics["applications"] if apps_metrics else 0
    applicants = apps_metrics["applicants"] if apps_metrics else 0
    orders_kept = o["orders"] - o["refunds"]
    scorecard = {
        "live_seconds": live_seconds,
        "views": views,
        "unique_viewers": unique,
        "viewers_with_watch_time": watchers,
        "peak_concurrent": peak,
        "total_watch_seconds": watch_seconds,
        "average_concurrent": _ratio(total_watch, live_seconds, 2),
        "average_watch_seconds": _ratio(total_watch, unique, 1),
        "comments": totals["comments"],
        "commenters": totals["commenters"],
        "questions": totals["questions"],
        "questions_answered": totals["answered"],
        "likes": totals["likes"],
        "shares": totals["shares"],
        "follows": totals["follows"],
        "job_card_clicks": totals["job_card_clicks"],
        "product_clicks": totals["product_clicks"],
        "applications": applications if apps_metrics else None,
        "applicants": applicants if apps_metrics else None,
        "apply_rate": apps_metrics["apply_rate"] if apps_metrics else None,
        "apm": apps_metrics["apm"] if apps_metrics else None,
        "apm_denominator": gettext("views (room entries)"),
        "orders": o["orders"],
        "orders_refunded": o["refunds"],
        "buyers": o["buyers"],
        "items": o["items"],
        "gmv_gross": _money(o["gmv_gross"]),
        "refunded": _money(o["refunded"]),
        "gmv_net": _money(o["gmv_net"]),
        "conversion": _ratio(o["buyers"], unique),
        "aov": _money(o["gmv_net"] / orders_kept) if orders_kept else None,
        "aov_definition": gettext("net GMV / orders not refunded"),
        "gpm": _money(o["gmv_net"] * 1000 / views) if views else None,
        "gpm_denominator": gettext("net GMV per 1,000 views (room entries)"),
        "currency": "CNY",
    }
    breakdowns = _breakdowns(
        session, segments, conc, per_bucket, per_ref, orders, apps_metrics, unique, views
    )
    timeline = [
        {
            "minute": m,
            "concurrent": conc.get(m, 0),
            "views": per_minute_events.get(m, {}).get("views", 0),
            "comments": per_minute_events.get(m, {}).get("comments", 0),
            "questions": per_minute_events.get(m, {}).get("questions", 0),
            "job_card_clicks": per_minute_events.get(m, {}).get("job_card_clicks", 0),
            "product_clicks": per_minute_events.get(m, {}).get("product_clicks", 0),
            "orders": orders["minute"].get(m, {}).get("orders", 0),
            "gmv_net": _money(orders["minute"].get(m, {}).get("gmv_net", ZERO)),
            "applications": (apps_metrics or {}).get("per_minute", {}).get(str(m), {}).get("applications", 0),
        }
        for m in range(max(len(conc), 1))
    ]
    result, _ = SessionResult.objects.update_or_create(
        session=session,
        defaults={
            "computed_at": timezone.now(),
            "live_seconds": live_seconds,
            "views": views,
            "unique_viewers": unique,
            "peak_concurrent": peak,
            "total_watch_seconds": watch_seconds,
            "comments": totals["comments"],
            "questions": totals["questions"],
            "questions_answered": totals["answered"],
            "applications": applications,
            "applicants": applicants,
            "orders": o["orders"],
            "buyers": o["buyers"],
            "gmv_gross": o["gmv_gross"],
            "refunded": o["refunded"],
            "gmv_net": o["gmv_net"],
            "scorecard": scorecard,
            "breakdowns": breakdowns,
            "timeline": timeline,
        },
    )
    return result


def _breakdowns(session, segments, conc, per_bucket, per_ref, orders, apps_metrics, unique, views) -> dict:
    start, _ = live_window(session)
    seg_rows = []
    bucket_of = {}
    for i, seg in enumerate(segments):
        bucket_of[seg.pk] = 2 * i + 1
    for seg in segments:
        ev = per_bucket.get(bucket_of[seg.pk], {})
        od = orders["segment"].get(seg.pk, {})
        first = max(0, int((seg.starts_at - start).total_seconds() // 60))
        last = int((seg.ends_at - start).total_seconds() // 60)
        minutes = [conc[m] for m in segment_minutes(seg, start) if m in conc]
        ap = (apps_metrics or {}).get("per_segment", {}).get(str(seg.pk), {})
        seg_rows.append(
            {
                "id": str(seg.pk),
                "title": seg.title,
                "seller": seg.seller.name if seg.seller_id else None,
                "starts_minute": first,
                "ends_minute": last,
                "views": ev.get("views", 0),
                "viewers": ev.get("viewers", 0),
                "peak_concurrent": max(minutes, default=0),
                "average_concurrent": _ratio(sum(minutes), len(minutes), 1) if minutes else None,
                "comments": ev.get("comments", 0),
                "questions": ev.get("questions", 0),
                "job_card_clicks": ev.get("job_card_clicks", 0),
                "product_clicks": ev.get("product_clicks", 0),
                "orders": od.get("orders", 0),
                "gmv_net": _money(od.get("gmv_net", ZERO)),
                "applications": ap.get("applications", 0),
            }
        )
    # Jobs: clicks from events, applications from the jobs app.
    posting_ids = {ref for (kind, ref) in per_ref if kind == "job_card_click"}
    per_posting_apps = (apps_metrics or {}).get("per_posting", {})
    posting_ids |= set(per_posting_apps)
    titles = posting_titles(sorted(posting_ids)) if posting_ids else {}
    jobs = []
    for pid in sorted(posting_ids):
        clicks = per_ref.get(("job_card_click", pid), {})
        ap = per_posting_apps.get(pid, {})
        jobs.append(
            {
                "id": pid,
                "title": titles.get(pid) or ap.get("title") or pid[:8],
                "clicks": clicks.get("job_card_clicks", 0),
                "applications": ap.get("applications", 0),
                "applicants": ap.get("applicants", 0),
                "apply_rate": _ratio(ap.get("applicants", 0), unique),
                "apm": _ratio(ap.get("applications", 0) * 1000, views, 2),
            }
        )
    jobs.sort(key=lambda r: (-r["applications"], -r["clicks"], r["title"]))
    # Products and sellers.
    product_ids = {ref for (kind, ref) in per_ref if kind == "product_click"}
    product_ids |= {str(p) for p in orders["product"] if p}
    products_by_id = {
        str(p.pk): p for p in Product.objects.filter(pk__in=product_ids).select_related("seller")
    }
    products = []
    seller_clicks: dict = defaultdict(int)
    for pid in sorted(product_ids):
        prod = products_by_id.get(pid)
        od = next((v for k, v in orders["product"].items() if str(k) == pid), {})
        clicks = per_ref.get(("product_click", pid), {}).get("product_clicks", 0)
        if prod and prod.seller_id:
            seller_clicks[prod.seller_id] += clicks
        products.append(
            {
                "id": pid,
                "name": prod.name if prod else pid[:8],
                "sku": prod.sku if prod else "",
                "seller": prod.seller.name if prod and prod.seller_id else None,
                "clicks": clicks,
                "orders": od.get("orders", 0),
                "items": od.get("items", 0),
                "gmv_net": _money(od.get("gmv_net", ZERO)),
                "click_to_order": _ratio(od.get("orders", 0), clicks),
            }
        )
    products.sort(key=lambda r: (-Decimal(r["gmv_net"]), r["name"]))
    seller_ids = [k for k in orders["seller"] if k] + [k for k in seller_clicks if k]
    names = {u.pk: u.name for u in User.objects.filter(pk__in=seller_ids)}
    sellers = []
    for sid in sorted(set(seller_ids)):
        od = orders["seller"].get(sid, {})
        sellers.append(
            {
                "id": sid,
                "name": names.get(sid, str(sid)),
                "product_clicks": seller_clicks.get(sid, 0),
                "orders": od.get("orders", 0),
                "buyers": od.get("buyers", 0),
                "items": od.get("items", 0),
                "gmv_gross": _money(od.get("gmv_gross", ZERO)),
                "refunded": _money(od.get("refunded", ZERO)),
                "gmv_net": _money(od.get("gmv_net", ZERO)),
            }
        )
    sellers.sort(key=lambda r: (-Decimal(r["gmv_net"]), r["name"]))
    channels = {}
    for ch in ("live", "replay"):
        od = orders["channel"].get(ch, {})
        ap = (apps_metrics or {}).get("per_channel", {}).get(ch, {})
        channels[ch] = {
            "orders": od.get("orders", 0),
            "gmv_net": _money(od.get("gmv_net", ZERO)),
            "applications": ap.get("applications", 0),
            "applicants": ap.get("applicants", 0),
        }
    return {
        "segments": seg_rows,
        "jobs": jobs,
        "products": products,
        "sellers": sellers,
        "channels": channels,
    }


def series_rollup(*, series) -> dict:
    """Totals over a series' sessions, with viewers, buyers and applicants de-duplicated across sessions."""
    sessions = list(LiveSession.objects.filter(series=series).select_related("result").order_by("starts_at"))
    # Every headline number is over the same sessions: those with a stored result. A session still live
    # (or not yet computed) would otherwise add viewers, buyers and applicants but no views or GMV.
    ids = [s.pk for s in sessions if getattr(s, "result", None) is not None]
    rows = []
    totals = defaultdict(lambda: 0)
    money = defaultdict(lambda: ZERO)
    for s in sessions:
        r = getattr(s, "result", None)
        rows.append({"session": s, "result": r})
        if r is None:
            continue
        for name in ("views", "comments", "questions", "orders", "applications"):
            totals[name] += getattr(r, name)
        # Peaks do not add up across sessions: the series' peak is the highest single-session peak.
        totals["peak_concurrent"] = max(totals["peak_concurrent"], r.peak_concurrent)
        totals["total_watch_seconds"] += r.total_watch_seconds
        for name in ("gmv_gross", "refunded", "gmv_net"):
            money[name] += getattr(r, name)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT viewer) FROM livestreams_liveevent WHERE session_id = ANY(%s)", [ids]
        )
        unique = cur.fetchone()[0]
    buyers = Order.objects.filter(session_id__in=ids).values("buyer").distinct().count()
    apps_metrics = application_metrics(session_ids=ids, unique_viewers=unique, views=totals["views"])
    return {
        "sessions": rows,
        "sessions_with_results": sum(1 for r in rows if r["result"] is not None),
        "unique_viewers": unique,
        "buyers": buyers,
        "applicants": apps_metrics["applicants"] if apps_metrics else None,
        "apply_rate": apps_metrics["apply_rate"] if apps_metrics else None,
        "applications": apps_metrics["applications"] if apps_metrics else totals["applications"],
        "apm": apps_metrics["apm"] if apps_metrics else None,
        **{k: v for k, v in totals.items() if k != "applications"},
        **{k: _money(v) for k, v in money.items()},
    }
