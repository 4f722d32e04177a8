"""Where one public apply spends its time, in-process, next to the bare insert (benchmarks/baselines.py).

Both are called through Django's WSGI handler (every middleware, no HTTP server), so the figures are the
per-request CPU of each process involved: this Python process, its PostgreSQL backend (from /proc) and
the Redis server (INFO cpu). CPU time depends far less on the other load on the machine than a
wall-clock figure does. Then whether the apply statement is really prepared (planned once per
connection), and a profile of the apply (pyinstrument when installed, else cProfile).

Run: .venv/bin/python -m benchmarks.profile_apply  (PROFILE_APPLY_N requests per figure, default 1000)
"""

from __future__ import annotations

import io
import os
import sys

from benchmarks import harness

REDIS_DB = 8


def _child() -> None:
    import contextlib

    import django

    django.setup()
    import orjson
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from benchmarks.bench_apply import SEED
    from core.ratelimit import _redis

    scope: dict = {}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(SEED, scope)  # noqa: S102 - the benchmark's own seed script
    code = buf.getvalue().split()[-1]
    app = WSGIHandler()

    def post(path: str, i: int) -> None:
        body = orjson.dumps({"code": code, "name": "压测", "phone": f"139{i:08d}"})
        status, out = harness.wsgi_post(app, path, body)
        assert status.startswith("201"), (status, out[:300])

    n = int(os.environ.get("PROFILE_APPLY_N", "1000"))
    for i in range(50):
        post("/api/v1/jobs/apply/", i)
        post("/bench/insert", i)
    meter = harness.cpu_meter(connection, _redis())

    print(f"per request, {n} each (ms): wall · Python CPU · PostgreSQL backend CPU · Redis CPU")
    for round_ in range(2):
        for name, path in (("bare insert", "/bench/insert"), ("apply", "/api/v1/jobs/apply/")):
            base = (round_ * 2 + (path != "/bench/insert") + 1) * 10**6
            before = meter()
            for i in range(base, base + n):
                post(path, i)
            print(f"  {name:12} {harness.per_request_ms(before, meter(), n)}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%INSERT INTO jobs_application%"],
        )
        plans = cursor.fetchall()
    print(f"apply statement prepared on this connection (generic, custom plans): {plans or 'NOT PREPARED'}")

    base = 9 * 10**6
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(base, base + n):
            post("/api/v1/jobs/apply/", i)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    else:
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for i in range(base, base + n):
            post("/api/v1/jobs/apply/", i)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))


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
