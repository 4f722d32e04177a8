"""Where a batch ingest request spends its time, in-process (no HTTP), on a throwaway database.

Runs BENCH_PROFILE_BATCHES batches of 1,000 events through the real view function under cProfile and
prints the share of each step: JSON parsing, validation, hashing, SQL, Redis, response encoding, rest.
Run: .venv/bin/python -m benchmarks.profile_ingest
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time

from benchmarks import harness

BATCHES = int(os.environ.get("BENCH_PROFILE_BATCHES", "20"))
REDIS_DB = 8

# Which step a function belongs to, by the file it lives in (first match wins).
STEPS = [
    ("JSON parsing", ("json/decoder", "json/__init__", "orjson", "msgspec")),
    ("hashing", ("hashlib", "blake2", "json/encoder")),
    ("SQL (psycopg + Django DB)", ("psycopg", "django/db/")),
    ("Redis", ("redis/",)),
    ("response encoding", ("django/http/response", "serializers/json")),
    ("validation (ingest.py + datetime/uuid)", ("live/ingest", "datetime", "uuid")),
]


def _child() -> None:
    import django

    django.setup()
    import json

    from django.test import RequestFactory

    from benchmarks.bench_live import _events, _setup_session
    from livestreams.live.api import events_view

    session, token, _ = _setup_session("profile")
    events = _events(session, BATCHES * 1000)
    bodies = [json.dumps({"events": events[i : i + 1000]}).encode() for i in range(0, len(events), 1000)]
    factory = RequestFactory()

    def post(body):
        request = factory.post(
            f"/api/v1/sessions/{session.pk}/events/",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        response = events_view(request, session_id=session.pk)
        assert response.status_code == 200, response.content[:200]

    post(bodies[0])  # warm-up (first batch also builds the counters)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for body in bodies[1:]:
        post(body)
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        step = next((label for label, marks in STEPS if any(m in filename for m in marks)), "rest")
        if filename == "~":  # builtins: attribute by name
            step = next(
                (label for label, marks in STEPS if any(m in _name for m in marks)), "rest (builtins)"
            )
        totals[step] = totals.get(step, 0.0) + tottime
    total = sum(totals.values())
    n = (len(bodies) - 1) * 1000
    print(f"{n:,} events in {len(bodies) - 1} batches: {wall:.2f}s in-process = {n / wall:,.0f} events/s")
    for step, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<42} {seconds:6.2f}s  {seconds / total:5.1%}")
    print("  top functions by own time:")
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    harness.run_profile_child("benchmarks.profile_ingest", "bench_profile", REDIS_DB)


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
