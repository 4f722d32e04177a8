"""Where one public apply spends its time, in-process: queries, Redis, and the cProfile top.

Run: .venv/bin/python -m benchmarks.profile_apply
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

from benchmarks import harness

REDIS_DB = 8


def _child() -> None:
    import django

    django.setup()
    import orjson
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks.bench_apply import SEED

    scope: dict = {}
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(SEED, scope)  # noqa: S102 - the benchmark's own seed script
    code = buf.getvalue().split()[-1]
    client = Client(HTTP_HOST="127.0.0.1")

    def apply(i):
        body = orjson.dumps({"code": code, "name": "压测", "phone": f"139{i:08d}"})
        r = client.post("/api/v1/jobs/apply/", data=body, content_type="application/json")
        assert r.status_code == 201, r.content[:300]

    def bare(i):
        body = orjson.dumps({"code": code, "name": "压测", "phone": f"139{i:08d}"})
        r = client.post("/bench/insert", data=body, content_type="application/json")
        assert r.status_code == 201, r.content[:300]

    apply(0)
    with CaptureQueriesContext(connection) as queries:
        apply(1)
    print(f"one apply: {len(queries)} queries")
    for q in queries.captured_queries:
        print(f"  {q['time']}s {q['sql'][:120]!r}")
    for i in range(2, 200):
        bare(i)
    started = time.perf_counter()
    for i in range(1000, 1400):
        bare(i)
    print(f"bare insert: {(time.perf_counter() - started) / 400 * 1000:.2f} ms each in-process")
    started = time.perf_counter()
    for i in range(2000, 2400):
        apply(i)
    print(f"apply: {(time.perf_counter() - started) / 400 * 1000:.2f} ms each in-process")
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(3000, 3400):
        apply(i)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    harness.run_profile_child(
        "benchmarks.profile_apply",
        "bench_profile_apply",
        REDIS_DB,
        JOBS_APPLY_LIMIT_IP="1000000000",
        JOBS_APPLY_LIMIT_PHONE="1000000",
    )


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
