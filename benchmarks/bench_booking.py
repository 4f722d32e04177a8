"""200 simultaneous HTTP bookings for a 30-seat class, next to a bare seat claim, same server, same run.

Starts gunicorn with the production command (benchmarks/harness.py) on a throwaway database and
measures, each against the bare baseline ``POST /bench/claim/<seat>`` (one conditional UPDATE + one
INSERT, benchmarks/baselines.py) driven by the same client:
  * uncontended: BENCH_BOOKING_QUIET sequential bookings, each for its own class -> p50 / p99
  * contended: BENCH_BOOKING_CONTENDED requests released at once for one class of BENCH_BOOKING_SEATS
    (30) seats -> exactly that many confirmed, the rest waitlisted; requests/s over the bursts and
    p50 / p99. BENCH_BOOKING_ROUNDS bursts (default 4), each on a class and a seat of its own, ours and
    the baseline alternating which goes first (harness.alternating), so the machine's drift between
    two one-second bursts falls on both; every round must confirm exactly the seats.
Before measuring, the same two bursts run once unmeasured on a class and a seat of their own (round 0),
so that every server thread has opened its PostgreSQL connection and prepared its statements for both
endpoints: a production server serves on warm connections (CONN_MAX_AGE), and without the warm-up the
burst that runs first paid for opening the connections the other one then reused.
Run: make bench BENCH=booking   (or .venv/bin/python -m benchmarks.bench_booking)
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys

from benchmarks import harness

CONTENDED = int(os.environ.get("BENCH_BOOKING_CONTENDED", "200"))
SEATS = int(os.environ.get("BENCH_BOOKING_SEATS", "30"))  # 200: every booker gets a seat, nobody waits
UNCONTENDED = int(os.environ.get("BENCH_BOOKING_QUIET", "60"))
MEASURED = int(os.environ.get("BENCH_BOOKING_ROUNDS", "4"))
ROUNDS = 1 + MEASURED  # round 0 warms the server up (unmeasured), the others are measured
REDIS_DB = 13


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
    coach = Coach.objects.create(user=coach_user, union=union, min_notice_hours=0, horizon_days=365)
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


def _burst(port: int, requests: list[tuple[str, bytes, dict]]) -> harness.LoadResult:
    """One thread and one open connection per request, all released together (an asyncio httpx
    client was measured to be the bottleneck itself here: 35 bare JSON requests/s in a 200 burst)."""
    return harness.closed_loop(
        port, lambda i: ("POST", *requests[i]), clients=len(requests), requests=len(requests), ok=(200, 201)
    )


def _sequential(port: int, requests: list[tuple[str, bytes, dict]]) -> list[float]:
    it = iter(requests)
    result = harness.closed_loop(
        port, lambda i: ("POST", *next(it)), clients=1, requests=len(requests), ok=(200, 201)
    )
    return [s * 1000 for s in result.latencies]


def _seats(db_url: str, n: int, capacity: int, first: int) -> list[int]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        ids = list(range(first, first + n))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_seat (id, capacity) VALUES (%s, %s)", [(i, capacity) for i in ids]
            )
    return ids


def _claimed(db_url: str, seat: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        taken = conn.execute("SELECT taken FROM bench_seat WHERE id = %s", [seat]).fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM bench_claim WHERE seat_id = %s", [seat]).fetchone()[0]
    return taken, rows


def main() -> None:
    failures = []
    with harness.throwaway_database("bench_booking") as db_url:
        env = harness.server_env(db_url, REDIS_DB)
        try:
            harness.migrate(env)
            setup = subprocess.run(
                [sys.executable, "-c", "from benchmarks.bench_booking import _setup_data; _setup_data()"],
                cwd=harness.BASE_DIR,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            warm, *measured = json.loads(setup.stdout.strip().splitlines()[-1])
            data = measured[0]
            quiet_seats = _seats(db_url, UNCONTENDED, 5, 1000)
            hot_seats = _seats(db_url, MEASURED, SEATS, 1)
            (warm_seat,) = _seats(db_url, 1, SEATS, 500)
            print(harness.machine_line())
            print(f"server: {harness.server_description(env)}")
            with harness.Server(env) as server:
                tokens = data["tokens"]
                book_headers = lambda token: {  # noqa: E731
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                }
                harness.closed_loop(  # warm-up, unmeasured: every thread opens its connection
                    server.port,
                    lambda i: (
                        "POST",
                        f"/api/v1/coaching/slots/{warm['hot']}/book/",
                        b"{}",
                        book_headers(warm["tokens"][i]),
                    ),
                    clients=CONTENDED,
                    requests=CONTENDED,
                    ok=(200, 201),
                )
                harness.closed_loop(
                    server.port,
                    lambda i: (
                        "POST",
                        f"/bench/claim/{warm_seat}",
                        json.dumps({"who": f"w{i}"}).encode(),
                        {},
                    ),
                    clients=CONTENDED,
                    requests=CONTENDED,
                    ok=(200, 201),
                )
                quiet = _sequential(
                    server.port,
                    [
                        (f"/api/v1/coaching/slots/{slot}/book/", b"{}", book_headers(tokens[CONTENDED + i]))
                        for i, slot in enumerate(data["quiet"])
                    ],
                )
                quiet_base = _sequential(
                    server.port,
                    [
                        (f"/bench/claim/{seat}", json.dumps({"who": f"q{i}"}).encode(), {})
                        for i, seat in enumerate(quiet_seats)
                    ],
                )

                def ours(r: int):
                    return _burst(
                        server.port,
                        [
                            (f"/api/v1/coaching/slots/{measured[r]['hot']}/book/", b"{}", book_headers(t))
                            for t in measured[r]["tokens"][:CONTENDED]
                        ],
                    )

                def bare(r: int):
                    return _burst(
                        server.port,
                        [
                            (f"/bench/claim/{hot_seats[r]}", json.dumps({"who": f"h{r}-{i}"}).encode(), {})
                            for i in range(CONTENDED)
                        ],
                    )

                rounds = harness.alternating(MEASURED, ours, bare)
            hot = harness.LoadResult.combined([mine for mine, _ in rounds])
            base = harness.LoadResult.combined([theirs for _, theirs in rounds])
            for r in range(MEASURED):
                counts = _counts(db_url, measured[r]["hot"])
                taken, claims = _claimed(db_url, hot_seats[r])
                print(
                    f"round {r + 1}: {CONTENDED} simultaneous bookings for {SEATS} seats -> confirmed "
                    f"{counts.get('confirmed', 0)} (must be {SEATS}), seats_taken {counts['seats_taken']}, "
                    f"waitlisted {counts.get('waitlisted', 0)}; bare claims: {claims} rows, taken {taken}"
                )
                if counts.get("confirmed", 0) != SEATS or counts["seats_taken"] != SEATS:
                    failures.append(f"booking round {r + 1}")
            print(f"HTTP statuses of the {MEASURED * CONTENDED} bookings: {hot.statuses}")
            print(
                harness.ratio_line(
                    f"contended throughput ({MEASURED} bursts)",
                    MEASURED * CONTENDED / hot.seconds,
                    MEASURED * CONTENDED / base.seconds,
                    "req/s",
                    goal="ratio ≥ 0.5",
                )
            )
            print(
                harness.rounds_line(
                    [(CONTENDED / mine.seconds, CONTENDED / theirs.seconds) for mine, theirs in rounds]
                )
            )
            print(
                harness.ratio_line(
                    "contended p99",
                    hot.ms(99),
                    base.ms(99),
                    "ms",
                    goal="p99 < 1000 ms",
                )
            )
            print(harness.ratio_line("contended p50", hot.ms(50), base.ms(50), "ms"))
            print(
                harness.ratio_line(
                    f"uncontended p50 ({UNCONTENDED} sequential)",
                    statistics.median(quiet),
                    statistics.median(quiet_base),
                    "ms",
                )
            )
            print(
                harness.ratio_line(
                    "uncontended p99", harness.pct(quiet, 99), harness.pct(quiet_base, 99), "ms"
                )
            )
        finally:
            harness.flush_redis(REDIS_DB)
    if failures:
        raise RuntimeError(f"seat invariant broken in: {failures}")


if __name__ == "__main__":
    main()
