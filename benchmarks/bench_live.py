"""Live tracking benchmark, all in one run (a throwaway database on the embedded PostgreSQL):

(a) batch ingest through HTTP (gunicorn on a free loopback port) in events/s, and the ratio to a raw
    psycopg COPY of the same events into the same table, measured in the same run;
(b) single-event requests: events/s and p99 latency, next to the bare JSON endpoint;
(c) result computation for a session with 1,000,000 viewer events and 10,000 orders: seconds, peak
    Python memory, and the ratio to the bare SQL aggregate;
(d) live stats p99 while batches are ingested: a pass of its own after (a), not counted in (a) — the
    poller's requests would otherwise load the machine during our half of (a) and not during the COPY's.

(a) and (b) run in BENCH_LIVE_ROUNDS rounds (default 4), ours and the baseline alternating ABBA, so the
machine's drift between the two halves of a measurement falls on both; the figure is the total over the
rounds, and each round's own ratio is printed under it.

Run: ``make bench BENCH=live`` (or ``.venv/bin/python -m benchmarks.bench_live``).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import harness

BASE_DIR = Path(__file__).resolve().parent.parent
BATCH_EVENTS = int(os.environ.get("BENCH_LIVE_BATCH_EVENTS", "200000"))
STATS_EVENTS = int(os.environ.get("BENCH_LIVE_STATS_EVENTS", "200000"))  # ingested while (d) polls
SINGLE_REQUESTS = int(os.environ.get("BENCH_LIVE_SINGLE", "4000"))
RESULT_EVENTS = int(os.environ.get("BENCH_LIVE_RESULT_EVENTS", "1000000"))
RESULT_ORDERS = 10_000
CLIENT_THREADS = int(os.environ.get("BENCH_LIVE_CLIENTS", "4"))
# (a) and (b) run in this many rounds, ours and the baseline alternating (ABBA); the figure is the total.
ROUNDS = int(os.environ.get("BENCH_LIVE_ROUNDS", "4"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main() -> None:
    """Parent: create a throwaway database, run the child with it, always drop it."""
    sys.path.insert(0, str(BASE_DIR))
    from config import embedded

    embedded.ensure_services()
    import psycopg

    admin_url = os.environ["DATABASE_URL"]
    name = f"bench_live_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    # dj-database-url wants a URL: rebuild one from the socket/host parameters.
    params = psycopg.conninfo.conninfo_to_dict(url)
    host = params.get("host", "")
    db_url = (
        f"postgresql://{params.get('user', 'postgres')}@/{name}?host={host}" if host.startswith("/") else None
    )
    if db_url is None:
        db_url = admin_url.rsplit("/", 1)[0] + "/" + name
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        REDIS_DB="9",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        PYTHONPATH=str(BASE_DIR),
    )
    env.pop("YIZHAN_TESTING", None)
    try:
        subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_live", "--child"], cwd=BASE_DIR, env=env, check=True
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis as redis_lib
    from django.conf import settings

    redis_lib.Redis.from_url(settings.REDIS_URL).flushdb()
    server = harness.Server(dict(os.environ))
    try:
        server.start()
        print(f"server: {harness.server_description(server.env)}")
        _run(server.port)
    finally:
        server.stop()
        redis_lib.Redis.from_url(settings.REDIS_URL).flushdb()


def _wait_http(port):
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _setup_session(title: str, hours_ago: float = 3):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from core.models import Union, User
    from livestreams.live import credentials
    from livestreams.models import LiveSession

    union, _ = Union.objects.get_or_create(name="基准测试工会")
    organizer, _ = User.objects.get_or_create(
        username="bench-organizer", defaults={"role": "organizer", "union": union}
    )
    went = timezone.now() - timedelta(hours=hours_ago)
    session = LiveSession.objects.create(
        union=union,
        kind="job_fair",
        title=title,
        starts_at=went,
        ends_at=went + timedelta(hours=11),
        status="live",
        went_live_at=went,
    )
    issued = credentials.credential_issue(session=session, by=organizer)
    token, _ = Token.objects.get_or_create(user=organizer)
    return session, issued.token, token.key


def _events(session, n, prefix="e"):
    return harness.viewer_events(session.went_live_at, n, prefix)


def _run(port):
    from django.db import connection

    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; other processes share this machine)")
    parts = os.environ.get("BENCH_LIVE_PARTS", "abcd")
    base = f"http://127.0.0.1:{port}"
    print(f"client threads {CLIENT_THREADS}")
    if "a" in parts or "d" in parts:
        _batch_bench(port, connection, parts)
    if "b" in parts:
        _single_bench(base)
    if "c" in parts:
        _result_bench(connection)


def _alternating(total: int, ours, baseline) -> list[tuple]:
    """Split range(total) into ROUNDS slices and run ``ours(first, last)`` and ``baseline(first, last)`` on
    each, alternating which goes first (harness.alternating). Returns (the round's size, ours' result, the
    baseline's result) per round."""
    bounds = list(itertools.pairwise(total * r // ROUNDS for r in range(ROUNDS + 1)))
    results = harness.alternating(ROUNDS, lambda r: ours(*bounds[r]), lambda r: baseline(*bounds[r]))
    return [
        (last - first, mine, theirs) for (first, last), (mine, theirs) in zip(bounds, results, strict=True)
    ]


def _batch_bench(port, connection, parts: str):
    import hashlib
    from datetime import datetime

    import httpx

    base = f"http://127.0.0.1:{port}"

    # --- (a) batch ingest over HTTP; (d) live stats polled during a further ingest pass ----------------
    a_events = BATCH_EVENTS if "a" in parts else 0
    d_events = STATS_EVENTS if "d" in parts else 0
    hours_ago = harness.live_hours_for(a_events + d_events)
    session, token, user_token = _setup_session("bench batch", hours_ago=hours_ago)
    events = _events(session, a_events + d_events)
    bodies = [json.dumps({"events": events[i : i + 1000]}).encode() for i in range(0, a_events, 1000)]
    d_bodies = [
        json.dumps({"events": events[i : i + 1000]}).encode() for i in range(a_events, len(events), 1000)
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers) as warm:
        warm.post(f"/api/v1/sessions/{session.pk}/events/", content=json.dumps({"events": events[:10]}))
    stats_latencies: list[float] = []
    trivial_latencies: list[float] = []

    def poll_stats(stop: threading.Event):
        """Alternate the live stats read with the trivial endpoint, so both see the same load."""
        with httpx.Client(base_url=base, headers={"Authorization": f"Token {user_token}"}) as client:
            # Unmeasured: the first read of a credential on a connection's worker fills its cache.
            client.get(f"/api/v1/sessions/{session.pk}/live/")
            client.get("/bench/json")
            while not stop.is_set():
                t = time.perf_counter()
                r = client.get(f"/api/v1/sessions/{session.pk}/live/")
                stats_latencies.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
                time.sleep(0.025)
                t = time.perf_counter()
                client.get("/bench/json")
                trivial_latencies.append(time.perf_counter() - t)
                time.sleep(0.025)

    # The baseline: a raw COPY of the same events into the same table (another session id, same indexes).
    copy_session, _, _ = _setup_session("bench copy", hours_ago=hours_ago)
    rows = [
        (
            str(copy_session.pk),
            e["id"],
            e["type"],
            datetime.fromisoformat(e["ts"]),
            "m:" + e["member_id"],
            None,
            e.get("text", ""),
            bool(e.get("question", False)),
            hashlib.blake2b(e["id"].encode(), digest_size=16).hexdigest(),
        )
        for e in events[:a_events]
    ]
    raw = (
        connection.connection
        if connection.connection
        else (connection.ensure_connection() or connection.connection)
    )

    # The bridge: CLIENT_THREADS keep-alive connections posting 1,000-event batches back to back, through
    # the harness's light http.client generator (httpx cost the client process ≈ 2 µs of CPU per event,
    # taken from the same two cores the server is measured on).
    path = f"/api/v1/sessions/{session.pk}/events/?results=problems"

    def over_http(first: int, last: int, sent=bodies, poll: bool = False) -> float:
        """Post sent[first:last] (with (d)'s poller running when ``poll``); seconds taken."""
        stop = threading.Event()
        poller = threading.Thread(target=poll_stats, args=(stop,)) if poll else None
        if poller:
            poller.start()
        load = harness.closed_loop(
            port,
            lambda i: ("POST", path, sent[first + i], headers),
            clients=CLIENT_THREADS,
            requests=last - first,
        )
        stop.set()
        if poller:
            poller.join()
        assert load.statuses == {200: last - first}, load.statuses
        return load.seconds

    def by_copy(first: int, last: int) -> float:
        t0 = time.perf_counter()
        with raw.cursor() as cur:
            with cur.copy(
                "COPY livestreams_liveevent (session_id, event_id, kind, ts, viewer, ref, text, is_question, body_hash) FROM STDIN"
            ) as copy:
                for row in rows[first * 1000 : last * 1000]:
                    copy.write_row(row)
        raw.commit()
        return time.perf_counter() - t0

    from livestreams.models import LiveEvent

    if bodies:
        rounds = _alternating(len(bodies), over_http, by_copy)
        pairs = [(batches * 1000 / http_s, batches * 1000 / copy_s) for batches, http_s, copy_s in rounds]
        http_seconds = sum(http_s for _, http_s, _ in rounds)
        copy_seconds = sum(copy_s for _, _, copy_s in rounds)
        assert LiveEvent.objects.filter(session=session).count() == a_events
        assert LiveEvent.objects.filter(session=copy_session).count() == a_events
        print(
            harness.ratio_line(
                "(a) batch ingest over HTTP vs raw COPY",
                a_events / http_seconds,
                a_events / copy_seconds,
                "events/s",
                goal="ratio ≥ 0.5",
            )
        )
        print(harness.rounds_line(pairs))
    if d_bodies:
        seconds = over_http(0, len(d_bodies), sent=d_bodies, poll=True)
        assert LiveEvent.objects.filter(session=session).count() == len(events)
        print(
            harness.ratio_line(
                f"(d) live stats p99 while {d_events:,} events are ingested ({d_events / seconds:,.0f}/s; "
                f"{len(stats_latencies)} polls) vs /bench/json p99",
                _pct(stats_latencies, 0.99) * 1000,
                _pct(trivial_latencies, 0.99) * 1000,
                "ms",
                goal="ratio ≤ 2",
            )
        )


def _single_bench(base):
    import httpx

    lock = threading.Lock()
    # --- (b) single-event requests -----------------------------------------------------------------------
    single_session, token2, _ = _setup_session("bench single")
    singles = [json.dumps(e).encode() for e in _events(single_session, SINGLE_REQUESTS, prefix="s")]
    headers2 = {"Authorization": f"Bearer {token2}", "Content-Type": "application/json"}

    def send_each(path: str, check, bodies: list[bytes]) -> tuple[list[float], float]:
        latencies: list[float] = []
        queue2 = list(reversed(bodies))

        def sender():
            mine = []
            with httpx.Client(base_url=base, headers=headers2) as client:
                client.post(path, content=b"[]")
                while True:
                    with lock:
                        if not queue2:
                            break
                        body = queue2.pop()
                    t = time.perf_counter()
                    r = client.post(path, content=body)
                    mine.append(time.perf_counter() - t)
                    assert check(r), r.text[:200]
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=sender) for _ in range(CLIENT_THREADS)]
        t0 = time.perf_counter()
        [t.start() for t in threads]
        [t.join() for t in threads]
        return latencies, time.perf_counter() - t0

    def ours(first, last):
        return send_each(
            f"/api/v1/sessions/{single_session.pk}/events/",
            lambda r: r.status_code == 200 and r.json()["accepted"] == 1,
            singles[first:last],
        )

    def bare(first, last):
        return send_each("/bench/json", lambda r: r.status_code == 200, singles[first:last])

    rounds = _alternating(len(singles), ours, bare)
    latencies = [x for _, (mine, _), _ in rounds for x in mine]
    bare_latencies = [x for _, _, (theirs, _) in rounds for x in theirs]
    seconds = sum(s for _, (_, s), _ in rounds)
    bare_seconds = sum(b for _, _, (_, b) in rounds)
    pairs = [(len(mine) / s, len(theirs) / b) for _, (mine, s), (theirs, b) in rounds]
    print(
        harness.ratio_line(
            f"(b) single-event requests ({len(latencies):,})",
            len(latencies) / seconds,
            len(bare_latencies) / bare_seconds,
            "req/s",
            goal="ratio ≥ 0.5",
        )
    )
    print(harness.rounds_line(pairs))
    print(
        harness.ratio_line(
            "(b) single-event p99", _pct(latencies, 0.99) * 1000, _pct(bare_latencies, 0.99) * 1000, "ms"
        )
    )


def _result_bench(connection):
    import resource
    import tracemalloc

    from livestreams.live import aggregates, results
    from livestreams.models import LiveFold, LiveFoldViewer

    session, n, load = _load_result_session(connection)
    sid = str(session.pk)

    # Bare SQL aggregate: the headline counts in one statement, no watch-time rule, no breakdowns.
    def bare():
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT count(*) FILTER (WHERE kind = 'join'), count(DISTINCT viewer),
                       count(*) FILTER (WHERE kind = 'comment'),
                       (SELECT sum(amount) FROM livestreams_order WHERE session_id = %s)
                FROM livestreams_liveevent WHERE session_id = %s
                """,
                [sid, sid],
            )
            return cur.fetchone()

    bare()  # warm the cache the same way for both
    t0 = time.perf_counter()
    bare()
    bare_seconds = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    timings: dict = {}
    t0 = time.perf_counter()
    result = results.result_compute(session_id=session.pk, timings=timings)
    compute_seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    bare()
    bare_seconds = min(bare_seconds, time.perf_counter() - t0)
    assert timings["source"] == "aggregates", timings
    scorecard = (result.scorecard, result.breakdowns, result.timeline)
    t0 = time.perf_counter()
    raw_result = results.result_compute(session_id=session.pk, source="raw")
    raw_seconds = time.perf_counter() - t0
    assert (raw_result.scorecard, raw_result.breakdowns, raw_result.timeline) == scorecard
    dirty = LiveFoldViewer.objects.filter(session=session, dirty=True).count()
    # A refold from scratch (what beat does after a segment edit): the whole session in one fold.
    LiveFold.objects.filter(session=session).delete()
    t0 = time.perf_counter()
    refolded = aggregates.aggregates_fold(session_id=session.pk)
    refold_seconds = time.perf_counter() - t0
    again = results.result_compute(session_id=session.pk, timings=(again_timings := {}))
    assert again_timings["source"] == "aggregates", again_timings
    assert (again.scorecard, again.breakdowns, again.timeline) == scorecard
    print(
        f"(c) result of {n:,} viewer events + {RESULT_ORDERS:,} orders: {compute_seconds:.2f}s from aggregates "
        f"(peak Python memory {peak / 1e6:.1f} MB); bare SQL aggregate {bare_seconds:.2f}s; "
        f"ratio {compute_seconds / bare_seconds:.2f}  (goal ratio ≤ 2)"
    )
    print(
        f"    max RSS of this process {rss_after / 1024:.0f} MB (+{(rss_after - rss_before) / 1024:.0f} MB "
        f"during the computation); same result from every raw event: {raw_seconds:.2f}s "
        f"(ratio {raw_seconds / bare_seconds:.2f}), equal to the one from aggregates"
    )
    print(
        f"    loading {load['events']:,} rows ({load['redelivered']:,} redelivered, dropped by ON CONFLICT) "
        f"in {load['slices']} arrival slices: {load['insert']:.1f}s (generation {load['generate']:.1f}s)"
    )
    print(
        f"    beat's folds during the session: {load['folds']} folds, {load['folded']:,} events in "
        f"{load['fold']:.1f}s = {load['fold'] / max(load['folded'], 1) * 1e6:.1f} µs/event; "
        f"a refold from scratch: {refolded:,} events in {refold_seconds:.1f}s = "
        f"{refold_seconds / max(refolded, 1) * 1e6:.1f} µs/event"
    )
    print(f"    viewers whose watch time came from the raw events (late or multi-device): {dirty:,}")
    print(f"    PostgreSQL backend of this run: {_backend_peak(connection)}")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_total_relation_size('livestreams_liveevent'), pg_relation_size('livestreams_liveevent'), "
            "(SELECT count(*) FROM livestreams_liveevent)"
        )
        total, heap, rows = cur.fetchone()
    print(
        f"    raw events table: {rows:,} rows, {total / 1e6:.0f} MB with indexes "
        f"({total / max(rows, 1):.0f} bytes/row, heap {heap / max(rows, 1):.0f})"
    )
    print(
        "    steps: "
        + ", ".join(f"{k} {v:.2f}s" if isinstance(v, float) else f"{k} {v}" for k, v in timings.items())
    )
    print(
        f"    unique viewers {result.unique_viewers:,}, peak concurrent {result.peak_concurrent:,}, "
        f"avg watch {result.scorecard['average_watch_seconds']} s, GMV net ¥{result.gmv_net}"
    )


def _backend_peak(connection) -> str:
    """Peak RSS of the PostgreSQL backend serving this run (generation, folds, results), from /proc."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "peak RSS unknown (not on this machine)"
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), "0")
    return f"peak RSS {int(peak) / 1024:.0f} MB (shared buffers it touched included)"


# The session's raw events, generated in PostgreSQL (no Python loop per row). Viewers join, heartbeat
# every 60 s while they watch (2,400 s on average), leave; a third are anonymous devices, the rest
# members, 6 % of whom also watch on a laptop for part of the time; 40 % comment (a third of the
# comments are questions, half of those answered), some like, share, follow and click products and job
# cards. Each event arrives 0–1 s after its time, 0.2 % of them 30–300 s late, and 3 % are delivered a
# second time. Viewers are cut where the running count of events reaches the target.
_GENERATE = """
SELECT setseed(0.7);
CREATE TEMP TABLE bench_viewer AS
SELECT v, viewer, two, at, least(at + stay, 7199.0) AS leave_at, r1, r2, r3, r4, r5, r6,
       sum(events) OVER (ORDER BY v) AS running
FROM (
    SELECT v, viewer, two, at, stay, r1, r2, r3, r4, r5, r6,
           (least(59, greatest(0, ceil((least(at + stay, 7199.0) - at) / 60)::int - 1)) + 2)
           * (CASE WHEN two THEN 2 ELSE 1 END)
           + (r1 < 0.4)::int + (r4 < 0.2)::int + (r5 < 0.08)::int + (r6 < 0.15)::int AS events
    FROM (
        SELECT v, CASE WHEN v %% 3 = 0 THEN 'd:' ELSE 'm:' END || v AS viewer,
               v %% 3 <> 0 AND random() < 0.06 AS two, random() * 7000 AS at,
               -ln(1 - random()) * 2400 + 60 AS stay, random() AS r1, random() AS r2, random() AS r3,
               random() AS r4, random() AS r5, random() AS r6
        FROM generate_series(1, %(viewers)s) v
    ) x
) y;
DELETE FROM bench_viewer WHERE running > %(events)s;
CREATE TEMP TABLE bench_stream AS
SELECT v, viewer, device, s0, s1, least(59, greatest(0, ceil((s1 - s0) / 60)::int - 1)) AS k
FROM (
    SELECT v, viewer, CASE WHEN v %% 3 = 0 THEN '' ELSE 'phone' END AS device, at AS s0, leave_at AS s1
    FROM bench_viewer
    UNION ALL
    SELECT v, viewer, 'laptop', at + 0.3 * (leave_at - at), at + 0.8 * (leave_at - at)
    FROM bench_viewer WHERE two
) s;
CREATE TEMP TABLE bench_event AS
SELECT viewer || '-' || device || '-' || g AS event_id, viewer, device,
       CASE WHEN g = 0 THEN 'join' WHEN g <= k THEN 'heartbeat' ELSE 'leave' END AS kind,
       CASE WHEN g <= k THEN s0 + 60 * g ELSE s1 END AS sec, NULL::uuid AS ref, false AS question,
       false AS answered
FROM bench_stream, generate_series(0, k + 1) g
UNION ALL
SELECT viewer || '-' || kind, viewer, '', kind, at + random() * (leave_at - at), ref, question, answered
FROM (
    SELECT viewer, at, leave_at, 'comment' AS kind, NULL::uuid AS ref, r2 < 0.33 AS question,
           r2 < 0.33 AND r3 < 0.5 AS answered
    FROM bench_viewer WHERE r1 < 0.4
    UNION ALL SELECT viewer, at, leave_at, 'like', NULL, false, false FROM bench_viewer WHERE r4 < 0.2
    UNION ALL SELECT viewer, at, leave_at, CASE WHEN r5 < 0.03 THEN 'share' ELSE 'follow' END, NULL,
                     false, false FROM bench_viewer WHERE r5 < 0.08
    UNION ALL SELECT viewer, at, leave_at, CASE WHEN r6 < 0.1 THEN 'product_click' ELSE 'job_card_click' END,
                     CASE WHEN r6 < 0.1 THEN (%(products)s::uuid[])[1 + v %% 20]
                          ELSE (%(postings)s::uuid[])[1 + v %% 10] END, false, false
              FROM bench_viewer WHERE r6 < 0.15
) e;
CREATE TEMP TABLE bench_arrival AS
SELECT sec + CASE WHEN random() < 0.002 THEN 30 + random() * 270 ELSE random() END AS arrive, *
FROM bench_event
UNION ALL
SELECT sec + 5 + random() * 60, * FROM bench_event WHERE random() < 0.03;
CREATE INDEX ON bench_arrival (arrive);
ANALYZE bench_arrival;
"""

_ARRIVE = """
INSERT INTO livestreams_liveevent
    (session_id, event_id, kind, ts, viewer, device, ref, text, is_question, body_hash, answered_at)
SELECT %(sid)s, event_id, kind, %(start)s::timestamptz + sec * interval '1 second', viewer, device, ref,
       CASE WHEN kind = 'comment' THEN '主播好' ELSE '' END, question, 'x',
       CASE WHEN answered THEN %(start)s::timestamptz + (sec + 30) * interval '1 second' END
FROM bench_arrival WHERE arrive >= %(a)s AND arrive < %(b)s ORDER BY arrive
ON CONFLICT (session_id, event_id) DO NOTHING
"""

SLICE_SECONDS = 60  # beat folds every tick (2 s); the benchmark folds once a minute of arrivals


def _load_result_session(connection):
    """A 2-hour session of RESULT_EVENTS viewer events + 10,000 orders, delivered in arrival order in
    one-minute slices with beat's fold after each (the session live), then the end and the late ones."""
    import random
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from livestreams.live import aggregates
    from livestreams.models import LiveSession, Product, Segment

    session, _, _ = _setup_session(f"bench result {RESULT_EVENTS:,}", hours_ago=2.5)
    start = session.went_live_at
    for i in range(8):
        Segment.objects.create(
            session=session,
            title=f"企业 {i + 1}",
            starts_at=start + timedelta(minutes=15 * i),
            ends_at=start + timedelta(minutes=15 * (i + 1)),
            position=i + 1,
        )
    products = [
        Product.objects.create(union=session.union, name=f"商品 {i}", sku=f"B-{i}", price="19.90").pk
        for i in range(20)
    ]
    postings = [uuid.UUID(int=i + 1) for i in range(10)]
    sid = str(session.pk)
    load = {"folds": 0, "folded": 0, "fold": 0.0, "insert": 0.0}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")  # random() in one order: the same data
        cur.execute(
            _GENERATE,
            {
                "viewers": RESULT_EVENTS // 20,
                "events": RESULT_EVENTS,
                "products": [str(p) for p in products],
                "postings": [str(p) for p in postings],
            },
        )
        cur.execute("RESET max_parallel_workers_per_gather")
        cur.execute("SELECT count(*), max(arrive) FROM bench_arrival")
        total_rows, last_arrival = cur.fetchone()
    load["generate"] = time.perf_counter() - t0

    def arrive(a, b):
        clock = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(_ARRIVE, {"sid": sid, "start": start, "a": a, "b": b})
        load["insert"] += time.perf_counter() - clock

    def fold(now):
        clock = time.perf_counter()
        load["folded"] += aggregates.aggregates_fold(session_id=session.pk, now=now)
        load["fold"] += time.perf_counter() - clock
        load["folds"] += 1

    edge = -60.0
    slices = 0
    while edge < 7200:
        arrive(edge, edge + SLICE_SECONDS)
        edge += SLICE_SECONDS
        slices += 1
        fold(start + timedelta(seconds=edge))
        if slices == 3:
            with connection.cursor() as cur:
                cur.execute("ANALYZE livestreams_liveevent")
    LiveSession.objects.filter(pk=session.pk).update(status="ended", ended_at=start + timedelta(hours=2))
    arrive(edge, last_arrival + 1)  # the late ones, after the end
    slices += 1
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM livestreams_liveevent WHERE session_id = %s", [sid])
        n = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM bench_viewer")
        viewers = cur.fetchone()[0]
    rnd = random.Random(7)
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy(
            "COPY livestreams_order (session_id, platform_order_id, product_id, quantity, amount, buyer, "
            "ordered_at, minute_offset, channel, status, body_hash, created_at, updated_at) FROM STDIN"
        ) as copy:
            now = start + timedelta(hours=2)
            for i in range(RESULT_ORDERS):
                when = rnd.uniform(0, 7200)
                copy.write_row(
                    (
                        sid,
                        f"O{i}",
                        products[i % 20] if i % 2 else None,
                        1 + i % 3,
                        Decimal(rnd.randint(990, 19900)) / 100,
                        f"m:{rnd.randint(1, viewers)}",
                        start + timedelta(seconds=when),
                        int(when // 60),
                        "live",
                        "refunded" if i % 40 == 0 else "paid",
                        "x",
                        now,
                        now,
                    )
                )
    raw.commit()
    with connection.cursor() as cur:
        cur.execute("ANALYZE livestreams_liveevent")
        cur.execute("ANALYZE livestreams_order")
    fold(timezone.now())  # beat's fold after the end: the late ones
    session.refresh_from_db()
    load.update(events=total_rows, redelivered=total_rows - n, slices=slices)
    return session, n, load


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(BASE_DIR))
        child()
    else:
        main()
