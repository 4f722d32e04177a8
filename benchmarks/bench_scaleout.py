"""Scale-out: the booking and lifecycle loads with 2 web processes and 2 Celery workers sharing one
PostgreSQL and one Redis; the invariants must hold exactly as with one of each.

* booking: two gunicorn instances (the production command, each its own port and control socket,
  WEB_CONCURRENCY=2 each so the pair uses the same processes as one default node here); 200 bookings
  released at once for a 30-seat class, alternating between the two nodes -> exactly 30 confirmed.
* lifecycle: 2 Celery workers + one beat (TICK_SECONDS=1, extra racing ticks), BENCH_SCALEOUT_SESSIONS
  sessions due in the same second -> every session live exactly once; 50 classes whose one-hour
  reminder is due on every tick -> exactly one reminder per booking.
Run: make bench BENCH=scaleout
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks import bench_booking, bench_lifecycle, harness

SESSIONS = int(os.environ.get("BENCH_SCALEOUT_SESSIONS", "1000"))
REMINDERS = 50
REDIS_DB = 11


def _booking() -> bool:
    with harness.throwaway_database("bench_scaleout") as db_url:
        env = harness.server_env(db_url, REDIS_DB, WEB_CONCURRENCY="2")
        try:
            harness.migrate(env)
            setup = subprocess.run(
                [sys.executable, "-c", "from benchmarks.bench_booking import _setup_data; _setup_data()"],
                cwd=harness.BASE_DIR,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            data = json.loads(setup.stdout.strip().splitlines()[-1])[0]
            tokens = data["tokens"][: bench_booking.CONTENDED]
            path = f"/api/v1/coaching/slots/{data['hot']}/book/"
            with harness.Server(env) as a, harness.Server(env) as b:
                print(f"web: 2 × {harness.server_description(env)} on ports {a.port}, {b.port}")
                # One burst, every other request to the other node: a thread per request, released at once.
                import threading

                barrier = threading.Barrier(3)
                results = {}

                def node(server, mine, name):
                    headers = lambda t: {"Authorization": f"Token {t}", "Content-Type": "application/json"}  # noqa: E731
                    results[name] = harness.closed_loop(
                        server.port,
                        lambda i: ("POST", path, b"{}", headers(mine[i])),
                        clients=len(mine),
                        requests=len(mine),
                        release=barrier,
                    )

                threads = [
                    threading.Thread(target=node, args=(a, tokens[0::2], "a")),
                    threading.Thread(target=node, args=(b, tokens[1::2], "b")),
                ]
                for t in threads:
                    t.start()
                barrier.wait()
                for t in threads:
                    t.join()
            counts = bench_booking._counts(db_url, data["hot"])
            statuses = {
                k: results["a"].statuses.get(k, 0) + results["b"].statuses.get(k, 0) for k in (200, 201, 503)
            }
            latencies = results["a"].latencies + results["b"].latencies
            ok = counts.get("confirmed", 0) == bench_booking.SEATS == counts["seats_taken"]
            print(
                f"booking over 2 nodes: {len(tokens)} at once for {bench_booking.SEATS} seats -> confirmed "
                f"{counts.get('confirmed', 0)}, seats_taken {counts['seats_taken']}, waitlisted "
                f"{counts.get('waitlisted', 0)}, HTTP {statuses}; p99 {harness.pct(latencies, 99) * 1000:.0f} ms "
                f"-> {'exactly 30' if ok else 'INVARIANT BROKEN'}"
            )
            return ok
        finally:
            harness.flush_redis(REDIS_DB)


def main() -> None:
    print(harness.machine_line())
    booking_ok = _booking()
    print(f"lifecycle: {SESSIONS} sessions due in the same second, 2 workers (threads ×2) + 1 beat")
    result = bench_lifecycle.run(count=SESSIONS, workers=2, reminders=REMINDERS)
    print(
        f"  lag p50 {result['p50_s']:.2f}s, p95 {result['p95_s']:.2f}s, max {result['max_s']:.2f}s; "
        f"ical_sequence histogram {result['ical_sequences']} (every session live exactly once: "
        f"{'yes' if result['ical_sequences'] == {1: SESSIONS} else 'NO'}); ticks claiming "
        f"{result['claimed_total']} of {SESSIONS}; reminders {result['reminders'][0]} rows for "
        f"{result['reminders'][1]} bookings (must be {REMINDERS} and {REMINDERS})"
    )
    if not booking_ok or not result["no_duplicates"]:
        raise RuntimeError("a scale-out invariant broke")


if __name__ == "__main__":
    main()
