"""Live stats while batch ingest saturates the machine: one pool against the two documented pools.

The data screen polls ``GET /api/v1/sessions/<id>/live/`` every 2 s; it must not queue behind the
bridge's ingest batches. docs/operations.md#production runs two gunicorn instances with the same
production command: the web pool (pages, API, live stats) and the ingest pool (``…/events/``,
``…/orders/``, webhooks) started under ``nice`` so that a page or a stats poll gets a core as soon as
it asks, however busy ingest is. The reverse proxy routes by path; here the client does that routing.

For each layout, 4 clients post 1,000-event batches (BENCH_LIVESTATS_EVENTS in total) while one
client alternates the live stats read and the trivial ``/bench/json`` endpoint on the web pool, every
25 ms; printed: stats p99 next to the trivial endpoint's p99 under the same load, and the ratio, and
how many polls were answered from the process's memory (LIVE_STATS_CACHE_SECONDS, default 1 s): one
client polling every ~50 ms stands for many screens on one session; a single screen polls every 2 s
and would miss every time.
Run: make bench BENCH=livestats   (or .venv/bin/python -m benchmarks.bench_livestats)
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

from benchmarks import harness

EVENTS = int(os.environ.get("BENCH_LIVESTATS_EVENTS", "300000"))
CLIENTS = 4
REDIS_DB = 11


def _setup() -> None:
    """Runs in a subprocess against the throwaway DB; prints the sessions and tokens as JSON."""
    import django

    django.setup()
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from core.models import Union, User
    from livestreams.live import credentials
    from livestreams.models import LiveSession

    union = Union.objects.create(name="基准测试工会")
    organizer = User.objects.create(username="bench-organizer", role="organizer", union=union)
    out = []
    for title in ("one pool", "two pools"):
        went = timezone.now() - timedelta(hours=3)
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
        out.append({"session": str(session.pk), "ingest": issued.token, "went": went.isoformat()})
    token, _ = Token.objects.get_or_create(user=organizer)
    print(json.dumps({"sessions": out, "user": token.key}))


def _bodies(session: dict, prefix: str) -> list[bytes]:
    events = harness.viewer_events(datetime.fromisoformat(session["went"]), EVENTS, prefix)
    return [json.dumps({"events": events[i : i + 1000]}).encode() for i in range(0, len(events), 1000)]


def _measure(ingest_port: int, web_port: int, session: dict, user_token: str, prefix: str) -> dict:
    bodies = list(reversed(_bodies(session, prefix)))
    lock = threading.Lock()
    stop = threading.Event()
    stats_ms: list[float] = []
    trivial_ms: list[float] = []
    hits: list[bool] = []  # answered from the process's memory (X-Live-Stats-Cache: hit)
    path = f"/api/v1/sessions/{session['session']}/events/?results=problems"
    ingest_headers = {"Authorization": f"Bearer {session['ingest']}", "Content-Type": "application/json"}

    def send():
        conn = http.client.HTTPConnection("127.0.0.1", ingest_port, timeout=120)
        while True:
            with lock:
                if not bodies:
                    break
                body = bodies.pop()
            conn.request("POST", path, body, ingest_headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
        conn.close()

    def poll():
        conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=60)
        stats = (f"/api/v1/sessions/{session['session']}/live/", {"Authorization": f"Token {user_token}"})
        while not stop.is_set():
            for target, (url, headers) in ((stats_ms, stats), (trivial_ms, ("/bench/json", {}))):
                began = time.perf_counter()
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (url, response.status)
                target.append((time.perf_counter() - began) * 1000)
                if target is stats_ms:
                    hits.append(response.getheader("X-Live-Stats-Cache") == "hit")
                time.sleep(0.025)

    poller = threading.Thread(target=poll)
    senders = [threading.Thread(target=send) for _ in range(CLIENTS)]
    began = time.perf_counter()
    poller.start()
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    seconds = time.perf_counter() - began
    stop.set()
    poller.join()
    return {
        "events_per_s": EVENTS / seconds,
        "stats_p99": harness.pct(stats_ms, 99),
        "stats_p50": harness.pct(stats_ms, 50),
        "trivial_p99": harness.pct(trivial_ms, 99),
        "polls": len(stats_ms),
        "hits": sum(hits),
    }


def main() -> None:
    with harness.throwaway_database("bench_livestats") as db_url:
        env = harness.server_env(db_url, REDIS_DB)
        try:
            harness.migrate(env)
            setup = subprocess.run(
                [sys.executable, "-c", "from benchmarks.bench_livestats import _setup; _setup()"],
                cwd=harness.BASE_DIR,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            data = json.loads(setup.stdout.strip().splitlines()[-1])
            one, two = data["sessions"]
            print(harness.machine_line())
            print(f"web pool:    {harness.server_description(env)}")
            print(f"ingest pool: `{' '.join(harness.INGEST_COMMAND)}` (same configuration, its own bind)")
            results = {}
            with harness.Server(env) as web:
                results["one pool (ingest and stats on the same server)"] = _measure(
                    web.port, web.port, one, data["user"], "a"
                )
                with harness.Server(env, command=harness.INGEST_COMMAND) as ingest:
                    results["two pools (documented production)"] = _measure(
                        ingest.port, web.port, two, data["user"], "b"
                    )
            for label, r in results.items():
                print(
                    harness.ratio_line(
                        f"live stats p99 during ingest, {label}",
                        r["stats_p99"],
                        r["trivial_p99"],
                        "ms",
                        goal="ratio ≤ 2" if label.startswith("two") else "",
                    )
                    + f"  [stats p50 {r['stats_p50']:.1f} ms, {r['polls']} polls ({r['hits']} from memory), ingest {r['events_per_s']:,.0f} events/s]"
                )
        finally:
            harness.flush_redis(REDIS_DB)


if __name__ == "__main__":
    main()
