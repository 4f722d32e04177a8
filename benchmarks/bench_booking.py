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

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CONTENDED = 200
SEATS = 30
UNCONTENDED = 60
REDIS_DB = "13"  # the server's Celery messages go to a logical DB we flush at the end


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

    hot = slot(0, SEATS)
    quiet = [slot(i + 1, 5) for i in range(UNCONTENDED)]
    users = User.objects.bulk_create(
        [
            User(username=f"bench{i}", role="trainee", email=f"bench{i}@example.com")
            for i in range(CONTENDED + UNCONTENDED)
        ]
    )
    Trainee.objects.bulk_create([Trainee(user=u, phone=f"+86136{i:08d}") for i, u in enumerate(users)])
    tokens = Token.objects.bulk_create([Token(user=u, key=secrets.token_hex(20)) for u in users])
    print(
        json.dumps(
            {"hot": str(hot.pk), "quiet": [str(s.pk) for s in quiet], "tokens": [t.key for t in tokens]}
        )
    )


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


def main() -> None:
    import httpx
    import psycopg

    from config.embedded import ensure_services

    ensure_services()  # no-op when DATABASE_URL / REDIS_URL are configured
    base_url = os.environ["DATABASE_URL"]
    db_name = f"bench_booking_{os.getpid()}"
    db_url = base_url.replace("/yizhan?", f"/{db_name}?") if "/yizhan?" in base_url else None
    if db_url is None:
        from urllib.parse import urlparse

        parsed = urlparse(base_url)
        db_url = parsed._replace(path=f"/{db_name}").geturl()
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
    )
    server = None
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
        data = json.loads(setup.stdout.strip().splitlines()[-1])
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
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/coaching/programs/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.2)
        tokens = data["tokens"]

        def book(client: httpx.Client, slot_id: str, token: str) -> tuple[float, int]:
            started = time.perf_counter()
            r = client.post(
                f"{url}/api/v1/coaching/slots/{slot_id}/book/",
                json={},
                headers={"Authorization": f"Token {token}"},
            )
            return (time.perf_counter() - started) * 1000, r.status_code

        # Warm every worker's imports and connections.
        with httpx.Client(timeout=30) as client:
            for _ in range(16):
                client.get(f"{url}/api/v1/coaching/slots/{data['quiet'][0]}/")
            quiet = [book(client, slot_id, tokens[CONTENDED + i]) for i, slot_id in enumerate(data["quiet"])]
        quiet_ms = [ms for ms, _ in quiet]

        barrier = threading.Barrier(CONTENDED)
        results: list[tuple[float, int]] = []
        lock = threading.Lock()

        def attempt(token: str) -> None:
            with httpx.Client(timeout=30) as client:
                client.get(f"{url}/api/v1/coaching/programs/")  # open the connection before the barrier
                barrier.wait()
                outcome = book(client, data["hot"], token)
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens[:CONTENDED]]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
        contended_ms = [ms for ms, _ in results]
        statuses: dict[int, int] = {}
        for _, code in results:
            statuses[code] = statuses.get(code, 0) + 1
        counts = _counts(db_url, data["hot"])

        print(f"server: gunicorn 4 workers x 8 threads (gthread) on 127.0.0.1:{port}, cores={os.cpu_count()}")
        print(
            f"uncontended booking ({UNCONTENDED} sequential requests): p50 {statistics.median(quiet_ms):.1f} ms, "
            f"p99 {_pct(quiet_ms, 99):.1f} ms   (target p50 < 30 ms)"
        )
        print(f"contended: {CONTENDED} concurrent attempts for {SEATS} seats, HTTP statuses {statuses}")
        print(
            f"confirmed bookings: {counts.get('confirmed', 0)} (must be {SEATS}); seats_taken {counts['seats_taken']}; "
            f"waitlisted {counts.get('waitlisted', 0)}"
        )
        print(
            f"contended latency: p50 {_pct(contended_ms, 50):.1f} ms, p99 {_pct(contended_ms, 99):.1f} ms, "
            f"max {max(contended_ms):.1f} ms   (target p99 < 300 ms); wall {wall:.2f} s"
        )
        if counts.get("confirmed", 0) != SEATS or counts["seats_taken"] != SEATS:
            raise RuntimeError("overbooked or lost seats!")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        try:
            import redis

            from config.settings import _redis_url_with_db  # noqa: PLC0415

            redis.Redis.from_url(_redis_url_with_db(os.environ["REDIS_URL"], int(REDIS_DB))).flushdb()
        except Exception as exc:  # noqa: BLE001 - cleanup is best effort; say so
            print(f"(could not flush Redis DB {REDIS_DB}: {exc})")


if __name__ == "__main__":
    main()
