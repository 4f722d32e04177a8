"""Where an ingested event's CPU goes over HTTP: per process group, on a throwaway database.

Starts the production gunicorn command, posts BENCH_PROFILE_BATCHES batches of 1,000 events (or, with
BENCH_PROFILE_SINGLE=1, 4,000 single-event requests) from BENCH_PROFILE_CLIENTS keep-alive clients, and
prints the CPU time each group of processes spent per event (gunicorn workers, every PostgreSQL process,
Redis, this client) from /proc, the share of the machine that was busy, PostgreSQL's wait events sampled
every 5 ms, and Redis's busiest commands (INFO commandstats; commands a Lua script runs count too).
Linux only. Run: .venv/bin/python -m benchmarks.profile_ingest_http
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import time

from benchmarks import harness

BATCHES = int(os.environ.get("BENCH_PROFILE_BATCHES", "200"))
CLIENTS = int(os.environ.get("BENCH_PROFILE_CLIENTS", "4"))
SINGLE = os.environ.get("BENCH_PROFILE_SINGLE") == "1"
REDIS_DB = 8
TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def _pids(pattern: str) -> set[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    return {int(p) for p in out}


def _machine() -> tuple[float, float]:
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICK, sum(fields) / TICK


def _child() -> None:
    import django

    django.setup()
    import psycopg
    import redis
    from django.conf import settings
    from django.core.management import call_command

    from benchmarks.bench_live import _events, _setup_session

    call_command("migrate", verbosity=0)
    with harness.Server(dict(os.environ)) as server:
        session, token, _ = _setup_session("profile http", hours_ago=harness.live_hours_for(BATCHES * 1000))
        events = _events(session, BATCHES * 1000)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        path = f"/api/v1/sessions/{session.pk}/events/?results=problems"
        warm = json.dumps({"events": events[:10]}).encode()  # builds the counters
        harness.closed_loop(server.port, lambda i: ("POST", path, warm, headers), clients=1, requests=1)
        if SINGLE:
            bodies = [json.dumps(e).encode() for e in events[10:4010]]
        else:
            bodies = [
                json.dumps({"events": events[i : i + 1000]}).encode() for i in range(0, len(events), 1000)
            ]
        per = 1 if SINGLE else 1000
        groups = {
            "gunicorn": _pids("gunicorn config.wsgi"),
            "postgres": _pids("postgres"),
            "redis": _pids("redis-server"),
        }
        groups["client"] = {os.getpid()}
        rc = redis.Redis.from_url(settings.REDIS_URL)
        rc.config_resetstat()
        waits: collections.Counter = collections.Counter()
        stop = threading.Event()

        def sample():
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                while not stop.is_set():
                    for row in conn.execute(
                        "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, ''), left(query, 40) "
                        "FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend'"
                    ):
                        waits[row] += 1
                    time.sleep(0.005)

        before = {name: _cpu(pids) for name, pids in groups.items()}
        busy0, all0 = _machine()
        sampler = threading.Thread(target=sample)
        sampler.start()
        load = harness.closed_loop(
            server.port, lambda i: ("POST", path, bodies[i], headers), clients=CLIENTS, requests=len(bodies)
        )
        stop.set()
        sampler.join()
        busy1, all1 = _machine()
        groups["postgres"] |= _pids("postgres")  # backends opened during the run (one per server thread)
        n = len(bodies) * per
        from livestreams.models import LiveEvent

        stored = LiveEvent.objects.filter(session=session).count()  # the warm-up's 10 are in bodies[0]
        assert stored == n, (
            f"{n - stored:,} of {n:,} events were not stored: this profile measures rejections"
        )
        print(
            f"{harness.machine_line()}\nserver: {harness.server_description(server.env)}; {CLIENTS} clients"
        )
        print(f"{n:,} events in {len(bodies):,} requests {load.statuses}: {n / load.seconds:,.0f} events/s")
        print(f"machine busy {(busy1 - busy0) / (all1 - all0):.0%} of all cores; CPU µs per event:")
        for name, pids in groups.items():
            spent = _cpu(pids) - before.get(name, 0)
            print(f"  {name:<9} {spent / n * 1e6:8.1f} µs  ({spent / load.seconds:.0%} of a core)")
        print("PostgreSQL client backends, sampled every 5 ms (state, wait event, query):")
        for key, count in waits.most_common(8):
            print(f"  {count:6d}  {key}")
        print("Redis commands by time spent (calls, µs per call):")
        stats = rc.info("commandstats")
        for name, stat in sorted(stats.items(), key=lambda kv: -kv[1]["usec"])[:8]:
            print(f"  {name:<24} {stat['calls']:8d}  {stat['usec_per_call']:8.1f}")


def main() -> None:
    harness.run_profile_child("benchmarks.profile_ingest_http", "bench_profile_http", REDIS_DB)


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
