"""1,000 sessions due in the same second: how late do they go live with a real worker and beat?

Run: ``make bench BENCH=lifecycle`` or ``.venv/bin/python -m benchmarks.bench_lifecycle [--count N]``.

What it does, on a throwaway database (``bench_lifecycle``) on the same PostgreSQL server as the app
(the embedded one unless DATABASE_URL is set) and a spare Redis logical DB (5):

1. creates and migrates the database;
2. starts a real Celery worker (threads pool, 2 slots) and a real Celery beat with TICK_SECONDS=1,
   as subprocesses, and waits for the first tick's heartbeat;
3. a seeding process bulk-creates N scheduled sessions all starting at the same whole second a few
   seconds ahead, then — to make ticks race — enqueues 4 extra ticks exactly at that second;
4. waits until every session is live and prints p50/p95/max lag from ``starts_at`` to
   ``went_live_at``, plus the duplicate-transition checks: every row's ``ical_sequence`` must be 1
   (each transition bumps it once) and the ``live`` counts reported by all ticks must sum to N;
5. stops the processes and drops the database (also on failure or Ctrl-C).

The orchestrator itself never imports Django (``benchmarks.run_all`` may already have set Django up
against the main database); Django work happens in the subprocesses.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_lifecycle"
BENCH_REDIS_DB = 5
TARGET_P95_S = 3.0
RACING_TICKS = 4


# --- helpers that need no Django ---------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def _redis_url(url: str, db: int) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        query = parse_qs(parsed.query)
        query["db"] = [str(db)]
        return f"unix://{parsed.path}?{urlencode(query, doseq=True)}"
    return parsed._replace(path=f"/{db}").geturl()


def _admin_sql(base_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(base_url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (what "95% of sessions were live within X s" means)."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _stop(proc: subprocess.Popen | None, name: str) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the group we created for this one child
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"  {name} did not stop on SIGTERM; killing it", flush=True)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- the seeding child (runs with Django against the bench database) ----------------------------


def _seed_reminders(n: int) -> None:
    """n classes starting in 50 minutes with one confirmed booking each: every tick from now on finds
    their one-hour reminder due, and it must go out exactly once per booking."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from coaching.models import Coach, Program
    from core.models import Union, User

    union, _ = Union.objects.get_or_create(name="基准测试工会")
    coach = Coach.objects.create(
        user=User.objects.create(username="bench-coach", role="coach", union=union), union=union
    )
    program = Program.objects.create(union=union, title="bench program")
    starts = timezone.now() + timedelta(minutes=50)
    with transaction.atomic():  # a tick must never see a class before its booking exists
        _seed_classes(n, program=program, coach=coach, starts=starts)


def _seed_classes(n, *, program, coach, starts) -> None:
    from datetime import timedelta

    from coaching.models import Booking, Slot, Trainee
    from core.models import User

    for i in range(n):
        slot = Slot.objects.create(
            program=program,
            coach=coach,
            title=f"bench {i}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=5,
            seats_taken=1,
        )
        user = User.objects.create(username=f"bench-trainee-{i}", role="trainee", email=f"t{i}@example.com")
        trainee = Trainee.objects.create(user=user, phone=f"+86136{i:08d}")
        Booking.objects.create(
            slot=slot, trainee=trainee, status=Booking.Status.CONFIRMED, confirmed_at=starts
        )


def _seed_child(count: int, start_epoch: int, racing_ticks: int, reminders: int = 0) -> None:
    import uuid
    from datetime import UTC, datetime, timedelta

    import django

    django.setup()
    from core.models import Union
    from livestreams.models import LiveSession
    from livestreams.tasks import tick

    if reminders:
        _seed_reminders(reminders)
    union, _ = Union.objects.get_or_create(name="基准测试工会")
    starts_at = datetime.fromtimestamp(start_epoch, tz=UTC)
    sessions = []
    for i in range(count):
        pk = uuid.uuid4()
        sessions.append(
            LiveSession(
                id=pk,
                ical_uid=f"session-{pk}@bench.invalid",
                union=union,
                kind=LiveSession.Kind.JOB_FAIR if i % 2 else LiveSession.Kind.SALES,
                title=f"基准场次 {i:04d}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                status=LiveSession.Status.SCHEDULED,
            )
        )
    LiveSession.objects.bulk_create(sessions, batch_size=500)
    print(f"seeded {count} sessions for {starts_at.isoformat()} done_at={time.time():.3f}", flush=True)
    time.sleep(max(0.0, start_epoch - time.time()))
    for _ in range(racing_ticks):  # extra ticks racing the beat's own at the start second
        tick.delay()


# --- the orchestrator ---------------------------------------------------------------------------


def _wait_for(predicate, *, timeout: float, what: str, procs: dict) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)


def run(
    count: int = 1000, lead_seconds: int = 5, timeout: float = 90.0, workers: int = 1, reminders: int = 0
) -> dict:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.path.insert(0, str(ROOT))
        from config.embedded import ensure_services

        ensure_services()  # stopped at exit if this process started them
    base_db_url = os.environ["DATABASE_URL"]
    bench_db_url = _with_database(base_db_url, BENCH_DB)
    redis_url = _redis_url(os.environ["REDIS_URL"], BENCH_REDIS_DB)

    import psycopg
    import redis

    env = {k: v for k, v in os.environ.items() if k not in {"YIZHAN_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL=bench_db_url,
        REDIS_URL=os.environ["REDIS_URL"],
        REDIS_DB=str(BENCH_REDIS_DB),
        TICK_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    python = sys.executable
    celery = str(Path(python).with_name("celery"))
    workdir = Path(tempfile.mkdtemp(prefix="yizhan-bench-lifecycle-"))
    worker_log, beat_log = workdir / "worker.log", workdir / "beat.log"
    procs: dict[str, subprocess.Popen] = {}
    rconn = redis.Redis.from_url(redis_url)

    _admin_sql(base_db_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", f"CREATE DATABASE {BENCH_DB}")
    rconn.flushdb()
    try:
        started = time.monotonic()
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        print(f"  migrated {BENCH_DB} in {time.monotonic() - started:.1f}s", flush=True)

        def spawn(name: str, args: list[str], log: Path) -> None:
            procs[name] = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, so _stop() ends exactly it
            )

        for w in range(workers):
            spawn(
                f"worker{w}",
                [celery, "-A", "config", "worker", "--pool=threads", "-c", "2", "-l", "INFO", "--without-gossip",
                 "--without-mingle", "-n", f"bench-{os.getpid()}-{w}@%h"],
                worker_log.with_name(f"worker{w}.log"),
            )  # fmt: skip
        spawn(
            "beat",
            [celery, "-A", "config", "beat", "-l", "INFO", "-s", str(workdir / "beat-schedule")],
            beat_log,
        )
        _wait_for(
            lambda: any(rconn.scan_iter(match="*heartbeat:tick*")),
            timeout=60,
            what="the first tick's heartbeat (worker + beat up)",
            procs=procs,
        )
        print(f"  worker and beat up after {time.monotonic() - started:.1f}s", flush=True)

        start_epoch = int(time.time()) + lead_seconds
        seeder = subprocess.run(
            [
                python,
                "-m",
                "benchmarks.bench_lifecycle",
                "--seed-child",
                str(count),
                str(start_epoch),
                str(reminders),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=lead_seconds + 60,
        )
        if seeder.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{seeder.stderr[-3000:]}")
        done_at = float(re.search(r"done_at=([0-9.]+)", seeder.stdout).group(1))
        if done_at > start_epoch:
            print("  WARNING: seeding finished after the start second; lags include seeding time", flush=True)

        with psycopg.connect(bench_db_url, autocommit=True) as conn:

            def all_live() -> bool:
                row = conn.execute(
                    "SELECT count(*) FROM livestreams_livesession WHERE went_live_at IS NOT NULL"
                ).fetchone()
                return row[0] >= count

            _wait_for(all_live, timeout=timeout, what=f"{count} sessions to go live", procs=procs)
            lags = sorted(
                row[0]
                for row in conn.execute(
                    "SELECT EXTRACT(EPOCH FROM went_live_at - starts_at)::float FROM livestreams_livesession"
                )
            )
            status_counts = dict(
                conn.execute(
                    "SELECT status, count(*) FROM livestreams_livesession GROUP BY status"
                ).fetchall()
            )
            sequences = dict(
                conn.execute(
                    "SELECT ical_sequence, count(*) FROM livestreams_livesession GROUP BY ical_sequence"
                ).fetchall()
            )
            reminder_sql = (
                "SELECT count(*), count(DISTINCT split_part(key, ':', 3)) FROM core_outboxmessage "
                "WHERE key LIKE 'coaching:reminder_1h:%'"
            )
            if reminders:
                _wait_for(
                    lambda: conn.execute(reminder_sql).fetchone()[0] >= reminders,
                    timeout=max(timeout, 240),  # coaching ticks queue behind the 1,000 go-lives
                    what=f"{reminders} reminders",
                    procs=procs,
                )
            time.sleep(3 if reminders else 0)  # more ticks run: a duplicate would show up now
            reminder_rows, reminder_bookings = conn.execute(reminder_sql).fetchone()
        time.sleep(1.5)  # let the worker log the results of ticks still finishing
    finally:
        for name in ["beat", *(f"worker{w}" for w in range(workers))]:
            _stop(procs.get(name), name)
        try:
            rconn.flushdb()
        finally:
            _admin_sql(base_db_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    worker_output = "".join(
        worker_log.with_name(f"worker{w}.log").read_text(errors="replace") for w in range(workers)
    )
    tick_live_counts = [
        int(n)
        for n in re.findall(r"livestreams\.tick\[[^\]]+\] succeeded in [^:]+: \{'live': (\d+)", worker_output)
    ]
    result = {
        "count": count,
        "p50_s": _percentile(lags, 0.50),
        "p95_s": _percentile(lags, 0.95),
        "max_s": lags[-1],
        "min_s": lags[0],
        "status_counts": status_counts,
        "ical_sequences": sequences,
        "ticks_logged": len(tick_live_counts),
        "ticks_that_claimed": [n for n in tick_live_counts if n],
        "claimed_total": sum(tick_live_counts),
    }
    result["reminders"] = (reminder_rows, reminder_bookings)
    # The claimed total comes from the workers' "succeeded" lines, which the quiet logging
    # (config/logconfig.py) holds back at INFO: then the ical_sequence histogram (each session's go-live
    # bumps it once) is the exactly-once check on its own.
    result["no_duplicates"] = (
        sequences == {1: count}
        and (result["claimed_total"] == count or not tick_live_counts)
        and reminder_rows == reminder_bookings == reminders
    )
    for leftover in workdir.iterdir():
        leftover.unlink()
    workdir.rmdir()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--lead", type=int, default=5, help="seconds between seeding and the start second")
    args, _ = parser.parse_known_args(argv if argv is not None else [])
    print(
        f"{args.count} sessions due in the same second; real Celery worker (threads x2) + beat, "
        f"TICK_SECONDS=1, {RACING_TICKS} extra racing ticks",
        flush=True,
    )
    result = run(count=args.count, lead_seconds=args.lead)
    print(
        f"  lag starts_at → went_live_at: p50 {result['p50_s']:.2f}s · p95 {result['p95_s']:.2f}s · "
        f"max {result['max_s']:.2f}s (min {result['min_s']:.2f}s)  [target p95 ≤ {TARGET_P95_S:.0f}s: "
        f"{'met' if result['p95_s'] <= TARGET_P95_S else 'MISSED'}]"
    )
    print(f"  statuses: {result['status_counts']}  ·  ical_sequence histogram: {result['ical_sequences']}")
    print(
        f"  ticks logged: {result['ticks_logged']}, claiming ones: {result['ticks_that_claimed']} "
        f"(sum {result['claimed_total']} of {result['count']})"
    )
    print(f"  duplicate transitions: {'none' if result['no_duplicates'] else 'FOUND'}", flush=True)
    if not result["no_duplicates"]:
        raise RuntimeError("duplicate or missing transitions")
    return result


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--seed-child":
        _seed_child(
            int(sys.argv[2]), int(sys.argv[3]), RACING_TICKS, int(sys.argv[4]) if len(sys.argv) > 4 else 0
        )
    else:
        main(sys.argv[1:])
