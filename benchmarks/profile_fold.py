"""Where the aggregates fold spends its time, in-process, on a throwaway database.

Loads BENCH_LIVE_RESULT_EVENTS events (default 100,000) the way ``bench_live`` part (c) does, with beat's
fold after every one-minute arrival slice, and prints EXPLAIN (ANALYZE) of every statement of one fold in
the middle of the session (BENCH_PROFILE_FOLD, default 60) and of a refold from scratch. Each profiled
statement runs twice: once under EXPLAIN inside a savepoint that is rolled back, then for real.
BENCH_PROFILE_FOLD_OTHER (default 0) events of another session are stored (and analyzed) first, as
when ``bench_live`` runs (c) after (a) and (b).
Run: .venv/bin/python -m benchmarks.profile_fold
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks import harness

TARGET = int(os.environ.get("BENCH_PROFILE_FOLD", "60"))
REDIS_DB = 8


def _child() -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from benchmarks import bench_live
    from livestreams.live import aggregates
    from livestreams.models import LiveFold

    state = {"fold": 0, "on": False, "inside": False}

    def explain(execute, sql, params, many, context):
        if state["inside"]:
            return execute(sql, params, many, context)
        if sql.lstrip().startswith("SELECT GROUPING(b, m, kind, ref)"):
            state["fold"] += 1
        if state["on"] or state["fold"] == TARGET:
            if "livestreams_liveevent" in sql or "livestreams_livefoldviewer" in sql:
                state["inside"] = True
                with transaction.atomic(), connection.cursor() as cur:
                    sid = transaction.savepoint()
                    t = time.perf_counter()
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                    plan = "\n".join(r[0] for r in cur.fetchall())
                    took = time.perf_counter() - t
                    transaction.savepoint_rollback(sid)
                state["inside"] = False
                print(f"--- {took * 1000:.1f} ms: {' '.join(sql.split())[:100]}…\n{plan}\n")
        return execute(sql, params, many, context)

    other = int(os.environ.get("BENCH_PROFILE_FOLD_OTHER", "0"))
    if other:
        session, _, _ = bench_live._setup_session("other session", hours_ago=5)
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO livestreams_liveevent (session_id, event_id, kind, ts, viewer, device, text,"
                " is_question, body_hash) SELECT %s, 'o' || g, 'heartbeat', %s + g * interval '10 ms',"
                " 'm:u' || (g %% 20000), '', '', false, 'x' FROM generate_series(1, %s) g",
                [session.pk, session.went_live_at, other],
            )
            cur.execute("ANALYZE livestreams_liveevent")
        print(f"{other:,} events of another session stored first")
    with connection.execute_wrapper(explain):
        session, n, load = bench_live._load_result_session(connection)
        print(
            f"{n:,} events, {load['folds']} folds, {load['fold'] / max(load['folded'], 1) * 1e6:.1f} µs/event"
        )
        if os.environ.get("BENCH_PROFILE_RESULT"):  # the result computation's statements instead
            from livestreams.live import results

            state["on"] = True
            results.result_compute(session_id=session.pk)
            return
        LiveFold.objects.filter(session=session).delete()
        state["on"] = True
        t = time.perf_counter()
        folded = aggregates.aggregates_fold(session_id=session.pk)
        print(
            f"refold from scratch (statements run twice): {folded:,} events, {time.perf_counter() - t:.1f}s"
        )


def main() -> None:
    harness.run_profile_child("benchmarks.profile_fold", "bench_profile_fold", REDIS_DB)


if __name__ == "__main__":
    _child() if "--child" in sys.argv else main()
