"""Live stats while batch ingest saturates the machine: many screens polling every 2 s, one pool
against the two documented pools.

The data screen polls ``GET /api/v1/sessions/<id>/live/`` every 2 s; it must not queue behind the
bridge's ingest batches. docs/operations.md#production runs two gunicorn instances with the same
production command: the web pool (pages, API, live stats) and the ingest pool (``…/events/``,
``…/orders/``, webhooks) started under ``nice`` so that a page or a stats poll gets a core as soon as
it asks, however busy ingest is. The reverse proxy routes by path; here the client does that routing.

For each layout: ``BENCH_LIVESTATS_SCREENS`` screens (default 20; each its own user and API token, an
organizer or a host) on ``SESSIONS`` sessions, each polling live stats every 2 s from its own
keep-alive connection, with starts staggered over the first 2 s, and the trivial ``/bench/json``
polled by the same screen 1 s after each stats poll (the same rate, the same connection). After a
warm-up of ``WARMUP`` seconds (every screen has polled twice), 4 clients post 1,000-event batches to
the ingest pool (each to its own session) for ``BENCH_LIVESTATS_SECONDS`` (default 25). Printed: stats
p99 next to the trivial endpoint's p99 over the ingest period, the ratio, stats p50, and how many
polls were misses (``X-Live-Stats-Cache`` not ``hit``: the scope check or the body was read on the
request's own time).
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

SECONDS = float(os.environ.get("BENCH_LIVESTATS_SECONDS", "25"))
SCREENS = int(os.environ.get("BENCH_LIVESTATS_SCREENS", "20"))
SESSIONS = 4
SENDERS = 4
PERIOD = 2.0  # the data screen's poll interval
WARMUP = 4.0
REDIS_DB = 11
_MARK = "@@@@@@@@"  # replaced per batch by the batch number, so every event id is new


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
    layouts = {}
    for layout in ("one", "two"):
        sessions = []
        for n in range(SESSIONS):
            went = timezone.now() - timedelta(hours=3)
            session = LiveSession.objects.create(
                union=union,
                kind="job_fair",
                title=f"{layout} pool(s) #{n}",
                starts_at=went,
                ends_at=went + timedelta(hours=11),
                status="live",
                went_live_at=went,
            )
            issued = credentials.credential_issue(session=session, by=organizer)
            sessions.append({"session": str(session.pk), "ingest": issued.token, "went": went.isoformat()})
        screens = []
        for i in range(SCREENS):  # every other screen is a host of its session, the rest organizers
            session = sessions[i % SESSIONS]
            role = "host" if i % 2 else "organizer"
            user = User.objects.create(username=f"bench-{layout}-{i}", role=role, union=union)
            if role == "host":
                LiveSession.objects.get(pk=session["session"]).hosts.add(user)
            token, _ = Token.objects.get_or_create(user=user)
            screens.append({"session": session["session"], "token": token.key})
        layouts[layout] = {"sessions": sessions, "screens": screens}
    print(json.dumps(layouts))


def _template(session: dict, prefix: str) -> bytes:
    events = harness.viewer_events(datetime.fromisoformat(session["went"]), 1000, f"{prefix}{_MARK}-")
    return json.dumps({"events": events}).encode()


def _measure(ingest_port: int, web_port: int, layout: dict, prefix: str) -> dict:
    lock = threading.Lock()
    ingesting, stop = threading.Event(), threading.Event()
    samples: list[tuple[str, float, str | None]] = []  # (kind, ms, cache header) during ingest
    warm_misses = [0]
    batches = [0]

    def send(k: int):
        session = layout["sessions"][k % SESSIONS]
        template = _template(session, f"{prefix}{k}-")
        path = f"/api/v1/sessions/{session['session']}/events/?results=problems"
        headers = {"Authorization": f"Bearer {session['ingest']}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", ingest_port, timeout=120)
        n = 0
        while not stop.is_set():
            conn.request("POST", path, template.replace(_MARK.encode(), f"{n:08d}".encode()), headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            n += 1
        conn.close()
        with lock:
            batches[0] += n

    def screen(i: int, t0: float):
        me = layout["screens"][i]
        stats = (f"/api/v1/sessions/{me['session']}/live/", {"Authorization": f"Token {me['token']}"})
        trivial = ("/bench/json", {})
        conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=60)
        due = t0 + i * PERIOD / SCREENS  # staggered starts
        while not stop.is_set():
            for kind, (url, headers), offset in (("stats", stats, 0.0), ("trivial", trivial, PERIOD / 2)):
                time.sleep(max(0.0, due + offset - time.perf_counter()))
                if stop.is_set():
                    break
                measured = ingesting.is_set()
                began = time.perf_counter()
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (url, response.status)
                ms = (time.perf_counter() - began) * 1000
                cache = response.getheader("X-Live-Stats-Cache")
                with lock:
                    if measured and ingesting.is_set():
                        samples.append((kind, ms, cache))
                    elif kind == "stats" and cache != "hit":
                        warm_misses[0] += 1
            due += PERIOD
        conn.close()

    t0 = time.perf_counter()
    screens = [threading.Thread(target=screen, args=(i, t0)) for i in range(SCREENS)]
    senders = [threading.Thread(target=send, args=(k,)) for k in range(SENDERS)]
    for t in screens:
        t.start()
    time.sleep(WARMUP)
    ingesting.set()
    began = time.perf_counter()
    for t in senders:
        t.start()
    time.sleep(SECONDS)
    ingesting.clear()
    stop.set()
    for t in senders + screens:
        t.join()
    seconds = time.perf_counter() - began
    stats_ms = [ms for kind, ms, _ in samples if kind == "stats"]
    trivial_ms = [ms for kind, ms, _ in samples if kind == "trivial"]
    return {
        "events_per_s": batches[0] * 1000 / seconds,
        "stats_p99": harness.pct(stats_ms, 99),
        "stats_p50": harness.pct(stats_ms, 50),
        "trivial_p99": harness.pct(trivial_ms, 99),
        "trivial_p50": harness.pct(trivial_ms, 50),
        "polls": len(stats_ms),
        "misses": sum(1 for kind, _, cache in samples if kind == "stats" and cache != "hit"),
        "warm_misses": warm_misses[0],
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
            layouts = json.loads(setup.stdout.strip().splitlines()[-1])
            print(harness.machine_line())
            print(f"web pool:    {harness.server_description(env)}")
            print(f"ingest pool: `{' '.join(harness.INGEST_COMMAND)}` (same configuration, its own bind)")
            print(
                f"{SCREENS} screens on {SESSIONS} sessions, each polling every {PERIOD:.0f} s (+ /bench/json "
                f"1 s later); {SENDERS} ingest clients × 1,000-event batches for {SECONDS:.0f} s"
            )
            results = {}
            with harness.Server(env) as web:
                results["one pool (ingest and stats on the same server)"] = _measure(
                    web.port, web.port, layouts["one"], "a"
                )
                with harness.Server(env, command=harness.INGEST_COMMAND) as ingest:
                    results["two pools (documented production)"] = _measure(
                        ingest.port, web.port, layouts["two"], "b"
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
                    + f"  [stats p50 {r['stats_p50']:.1f} ms, trivial p50 {r['trivial_p50']:.1f} ms;"
                    f" {r['polls']} polls, {r['misses']} misses ({r['warm_misses']} in the warm-up);"
                    f" ingest {r['events_per_s']:,.0f} events/s]"
                )
            print(harness.machine_line())
        finally:
            harness.flush_redis(REDIS_DB)


if __name__ == "__main__":
    main()
