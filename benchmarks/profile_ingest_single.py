"""Where one single-event ingest request spends its CPU, in-process, next to the bare JSON endpoint.

Both go through Django's WSGI handler (every middleware, no HTTP server), so the figures are per-request
CPU of each process involved: this Python process, its PostgreSQL backend and the Redis server. CPU time
moves far less with the machine's other load than wall time. Then the client CPU of the ways a short
transaction can be sent (docs/operations.md, "Ingest, second pass"): Django's ``atomic``, BEGIN /
statement / COMMIT one by one, and BEGIN with the statement in one psycopg pipeline.

Run: .venv/bin/python -m benchmarks.profile_ingest_single  (PROFILE_SINGLE_N requests per figure, default 2000)
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks import harness

REDIS_DB = 8


def _child() -> None:
    import django

    django.setup()
    import orjson
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from benchmarks.bench_live import _events, _setup_session
    from livestreams.live import counters

    n = int(os.environ.get("PROFILE_SINGLE_N", "2000"))
    session, token, _ = _setup_session("profile single")
    bodies = [orjson.dumps(event) for event in _events(session, 2 * n + 100)]
    app = WSGIHandler()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    path = f"/api/v1/sessions/{session.pk}/events/"

    def ingest(body: bytes) -> None:
        status, out = harness.wsgi_post(app, path, body, **auth)
        assert status.startswith("200") and b'"accepted":1' in out, (status, out[:300])

    def bare(body: bytes) -> None:
        status, out = harness.wsgi_post(app, "/bench/json", body)
        assert status.startswith("200"), (status, out[:300])

    for body in bodies[:100]:  # warm-up: connections, prepared statements, the recalled credential
        ingest(body)
        bare(body)
    meter = harness.cpu_meter(connection, counters.client())
    print(f"per request, {n} each (ms): wall · Python CPU · PostgreSQL backend CPU · Redis CPU")
    for round_ in range(2):
        chunk = bodies[100 + round_ * n : 100 + (round_ + 1) * n]
        for name, post in (("bare JSON", bare), ("single event", ingest)):
            before = meter()
            for body in chunk:
                post(body)
            print(f"  {name:13} {harness.per_request_ms(before, meter(), n)}")
    _transactions(connection, n)


def _transactions(connection, n: int) -> None:
    """Client CPU of BEGIN + one prepared INSERT + COMMIT, sent three ways, on Django's connection."""
    import psycopg
    from django.db import transaction

    from core import sql

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE profile_tx (id bigint PRIMARY KEY)")
    insert = "INSERT INTO profile_tx (id) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id"
    ids = iter(range(10**9))
    pg = sql._pg()

    def django_atomic():
        with transaction.atomic():
            sql.fetchall(insert, [next(ids)])

    def one_by_one():
        with sql.transaction_opened_by(insert, [next(ids)]):
            pass

    def pipelined():
        with pg.pipeline() as pipeline, psycopg.Cursor(pg) as cursor:
            cursor.execute("BEGIN")
            cursor.execute(insert, [next(ids)], prepare=True)
            pipeline.sync()
            cursor.fetchall()
        with psycopg.Cursor(pg) as cursor:
            cursor.execute("COMMIT")

    print("BEGIN + INSERT + COMMIT, client CPU per transaction (ms), two rounds:")
    for name, run in (
        ("Django atomic", django_atomic),
        ("one by one (core.sql)", one_by_one),
        ("BEGIN+INSERT pipelined", pipelined),
    ):
        figures = []
        for _ in range(2):
            for _ in range(50):
                run()
            started = time.process_time()
            for _ in range(n):
                run()
            figures.append(f"{(time.process_time() - started) / n * 1000:.3f}")
        print(f"  {name:24} {' / '.join(figures)}")


def main() -> None:
    harness.run_profile_child("benchmarks.profile_ingest_single", "bench_profile_single", REDIS_DB)


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
