"""Where one booking request spends its time, in-process: queries (count and SQL) and cProfile top.

Run: .venv/bin/python -m benchmarks.profile_booking
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time

from benchmarks import harness

REDIS_DB = 8


def _child() -> None:
    import django

    django.setup()
    import io
    from contextlib import redirect_stdout

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks.bench_booking import _setup_data

    buf = io.StringIO()
    with redirect_stdout(buf):
        _setup_data()
    data = json.loads(buf.getvalue().strip().splitlines()[-1])[0]
    client = Client(HTTP_HOST="127.0.0.1")

    def book(i):
        r = client.post(
            f"/api/v1/coaching/slots/{data['quiet'][i]}/book/",
            data=b"{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {data['tokens'][i]}",
        )
        assert r.status_code == 201, r.content[:300]

    book(0)
    with CaptureQueriesContext(connection) as queries:
        book(1)
    print(f"one booking: {len(queries)} queries")
    for q in queries.captured_queries:
        print(f"  {q['time']}s {q['sql'][:150]}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(2, 40):
        book(i)
    profiler.disable()
    print(f"38 bookings: {(time.perf_counter() - started) / 38 * 1000:.1f} ms each in-process")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        r"coaching|serializers.py|authentication|core/|kombu|celery", 45
    )


def main() -> None:
    harness.run_profile_child("benchmarks.profile_booking", "bench_profile_booking", REDIS_DB)


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
