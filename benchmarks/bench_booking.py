"""200 concurrent HTTP booking attempts for a 30-seat class against a real gunicorn server.

Sets up a throwaway database on the (embedded or configured) PostgreSQL, migrates it, starts gunicorn
(4 workers x 8 threads, gthread) on a free loopback port, then measures:
  * uncontended booking latency (one request at a time, each for its own class) -> p50 / p99
  * 200 booking requests released at once by a barrier for one 30-seat class -> confirmed count
    (must be 30), seats_taken, waitlisted, p50 / p99 latency
Everything is removed afterwards (gunicorn stopped, database dropped, Redis logical DB flushed).
Run: .venv/bin/python -m benchmarks.bench_booking   (or: make bench BENCH=booking)
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CONTENDED = 200
SEATS = 30
UNCONTENDED = 60
REDIS_DB = "13"
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ROUNDS = 2  # 1: default durable commits; 2: synchronous_commit=off (isolates the VM's fsync cost)  # the server's Celery messages go to a logical DB we flush at the end


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _setup_data() -> None:
    """Runs in a subprocess against the throwaway DB; prints ids and tokens as JSON."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from coaching.models import Coach, Program, Slot, Trainee
    from core.models import Union, User

    union = Union.objects.create(name="bench union")
    coach_user = User.objects.create(username="bench-coach", role="coach", union=union)
    coach = Coach.objects.create(user=coach_user, union=union, min_notice_hours=0)
    program = Program.objects.create(union=union, title="bench program", max_active_bookings=5)
    start = timezone.now() + timedelta(days=2)

    def slot(i: int, capacity: int) -> Slot:
        begins = start + timedelta(hours=3 * i)
        return Slot.objects.create(
            program=program,
            coach=coach,
            title=f"bench {i}",
            starts_at=begins,
            ends_at=begins + timedelta(hours=2),
            capacity=capacity,
        )

    rounds = []
    per_round = CONTENDED + UNCONTENDED
    for r in range(ROUNDS):
        hot = slot(r * 100, SEATS)
        quiet = [slot(r * 100 + i + 1, 5) for i in range(UNCONTENDED)]
        users = User.objects.bulk_create(
            [
                User(username=f"bench{r}-{i}", role="trainee", email=f"b{r}-{i}@example.com")
                for i in range(per_round)
            ]
        )
        Trainee.objects.bulk_create(
            [Trainee(user=u, phone=f"136{r * per_round + i:08d}") for i, u in enumerate(users)]
        )
        tokens = Token.objects.bulk_create([Token(user=u, key=secrets.token_hex(20)) for u in users])
        rounds.append(
            {"hot": str(hot.pk), "quiet": [str(q.pk) for q in quiet], "tokens": [t.key for t in tokens]}
        )
    print(json.dumps(rounds))


def _counts(db_url: str, slot_id: str) -> dict:
    import psycopg

    with psycopg.connect(db_url) as conn:
        seats = conn.execute(
            "SELECT seats_taken, capacity FROM coaching_slot WHERE id = %s", [slot_id]
        ).fetchone()
        rows = dict(
            conn.execute(
                "SELECT status, count(*) FROM coaching_booking WHERE slot_id = %s GROUP BY status", [slot_id]
            ).fetchall()
        )
    return {"seats_taken": seats[0], "capacity": seats[1], **rows}


def _start_server(env: dict, port: int) -> subprocess.Popen:
    import httpx

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "-k",
            "gthread",
            "--threads",
            "8",
            "--backlog",
            "512",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/coaching/programs/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not come up")
        time.sleep(0.2)


def _stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


async def _contended(url: str, slot_id: str, tokens: list[str]) -> tuple[list[tuple[float, int]], float]:
    """All attempts start together from one event loop (cheaper for the 2 shared cores than 200 threads).
    Latency is measured per request from the moment all are released."""
    import httpx

    release = asyncio.Event()
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def attempt(token: str) -> tuple[float, int]:
            await release.wait()
            started = time.perf_counter()
            try:
                r = await client.post(
                    f"{url}/api/v1/coaching/slots/{slot_id}/book/",
                    json={},
                    headers={"Authorization": f"Token {token}"},
                )
                code = r.status_code
            except httpx.HTTPError:
                code = -1
            return (time.perf_counter() - started) * 1000, code

        tasks = [asyncio.create_task(attempt(t)) for t in tokens]
        await asyncio.sleep(0.2)
        wall = time.perf_counter()
        release.set()
        results = await asyncio.gather(*tasks)
        return list(results), time.perf_counter() - wall


def _round(url: str, data: dict, db_url: str) -> dict:
    import httpx

    tokens = data["tokens"]

    def book(client: httpx.Client, slot_id: str, token: str) -> tuple[float, int]:
        started = time.perf_counter()
        try:
            r = client.post(
                f"{url}/api/v1/coaching/slots/{slot_id}/book/",
                json={},
                headers={"Authorization": f"Token {token}"},
            )
            code = r.status_code
        except httpx.HTTPError:
            code = -1
        return (time.perf_counter() - started) * 1000, code

    with httpx.Client(timeout=30) as client:
        for _ in range(16):  # warm every worker's imports and connections
            client.get(f"{url}/api/v1/coaching/slots/{data['quiet'][0]}/")
        quiet = [book(client, slot_id, tokens[CONTENDED + i]) for i, slot_id in enumerate(data["quiet"])]

    results, wall = asyncio.run(_contended(url, data["hot"], tokens[:CONTENDED]))
    statuses: dict[int, int] = {}
    for _, code in results:
        statuses[code] = statuses.get(code, 0) + 1
    return {
        "quiet_ms": [ms for ms, _ in quiet],
        "contended_ms": [ms for ms, _ in results],
        "statuses": statuses,
        "wall": wall,
        "counts": _counts(db_url, data["hot"]),
    }


def _commit_ms(db_url: str) -> float:
    """Median cost of a tiny durable commit on this machine (fsync), to read the figures against."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_fsync (a int)")
        samples = []
        for _ in range(30):
            started = time.perf_counter()
            conn.execute("INSERT INTO bench_fsync VALUES (1)")
            samples.append((time.perf_counter() - started) * 1000)
        conn.execute("DROP TABLE bench_fsync")
    return statistics.median(samples)


def main() -> None:
    import psycopg

    from config.embedded import ensure_services

    ensure_services()  # no-op when DATABASE_URL / REDIS_URL are configured
    from urllib.parse import urlparse

    base_url = os.environ["DATABASE_URL"]
    db_name = f"bench_booking_{os.getpid()}"
    db_url = urlparse(base_url)._replace(path=f"/{db_name}").geturl()
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{db_name}"')
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        REDIS_DB=REDIS_DB,
        DEBUG="0",
        YIZHAN_TESTING="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(BASE_DIR),
        PYTHONWARNINGS="ignore::UserWarning",
    )
    server = None
    failures = []
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
        )
        setup = subprocess.run(
            [sys.executable, "-c", "from benchmarks.bench_booking import _setup_data; _setup_data()"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        rounds = json.loads(setup.stdout.strip().splitlines()[-1])
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
            f"durable commit ~{_commit_ms(db_url):.1f} ms; server: gunicorn {WORKERS} workers x {THREADS} threads (gthread)"
        )
        for label, data in zip(
            ["default (synchronous_commit=on)", "synchronous_commit=off"], rounds, strict=True
        ):
            if label.startswith("synchronous_commit=off"):
                admin.execute(f'ALTER DATABASE "{db_name}" SET synchronous_commit = off')
            server = _start_server(env, port)
            result = _round(f"http://127.0.0.1:{port}", data, db_url)
            _stop_server(server)
            server = None
            quiet, hot, counts = result["quiet_ms"], result["contended_ms"], result["counts"]
            print(f"--- {label}")
            print(
                f"uncontended booking ({UNCONTENDED} sequential requests): p50 {statistics.median(quiet):.1f} ms, "
                f"p99 {_pct(quiet, 99):.1f} ms   (target p50 < 30 ms)"
            )
            print(
                f"{CONTENDED} concurrent attempts for {SEATS} seats -> confirmed {counts.get('confirmed', 0)} "
                f"(must be {SEATS}), seats_taken {counts['seats_taken']}, waitlisted {counts.get('waitlisted', 0)}, "
                f"HTTP {result['statuses']}"
            )
            print(
                f"contended latency: p50 {_pct(hot, 50):.1f} ms, p99 {_pct(hot, 99):.1f} ms, max {max(hot):.1f} ms "
                f"(target p99 < 300 ms); all {CONTENDED} answered in {result['wall']:.2f} s"
            )
            if counts.get("confirmed", 0) != SEATS or counts["seats_taken"] != SEATS:
                failures.append(label)
    finally:
        _stop_server(server)
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        try:
            import redis

            from config.settings import _redis_url_with_db

            redis.Redis.from_url(_redis_url_with_db(os.environ["REDIS_URL"], int(REDIS_DB))).flushdb()
        except Exception as exc:  # noqa: BLE001 - cleanup is best effort; say so
            print(f"(could not flush Redis DB {REDIS_DB}: {exc})")
    if failures:
        raise RuntimeError(f"seat invariant broken in: {failures}")


if __name__ == "__main__":
    main()
