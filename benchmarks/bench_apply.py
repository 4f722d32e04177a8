"""Public apply over HTTP next to a bare one-row insert, same server (production command), same run.

50 closed-loop clients (keep-alive) apply with fresh numbers for BENCH_APPLY_SECONDS; the same client
drives ``POST /bench/insert`` (parse a small JSON, one INSERT … ON CONFLICT, benchmarks/baselines.py) for
as long. Both run in BENCH_APPLY_ROUNDS rounds (default 4), alternating which goes first (A B, B A, …:
harness.alternating), so the machine's drift falls on both. Prints applications/s and p50/p99 over all
the rounds next to the baseline and the ratio, each round's ratio, then a same-number burst ×50 that
must leave exactly one row. Rate limits stay ON (the real per-IP/per-phone checks run in
Redis) with limits high enough not to refuse the benchmark.
Env knobs: BENCH_APPLY_SECONDS (default 10, split over the rounds), BENCH_APPLY_CLIENTS (50),
BENCH_APPLY_ROUNDS (4).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
REDIS_DB = 13
ROUNDS = int(os.environ.get("BENCH_APPLY_ROUNDS", "4"))

SEED = """
from decimal import Decimal
from jobs.models import Employer, JobPosting
from jobs import services
e = Employer.objects.create(name="压测企业", credit_code="914403001922038216", verified=True)
p = JobPosting.objects.create(employer=e, title="电子厂普工", pay_type="monthly", pay_min=Decimal("5000"),
    pay_max=Decimal("7000"), headcount=100, city="杭州", shift="day", housing="dorm", meals="free", status="open")
print(services.shortlink_get_or_create(posting=p, session=None).code)
"""

CHECK = """
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT count(*), count(DISTINCT (posting_id, phone)) FROM jobs_application")
    print(*c.fetchone())
"""


def _run(env: dict, code: str, seconds: float, clients: int) -> None:
    counter = iter(range(10**9))

    def apply(i):
        body = json.dumps({"code": code, "name": "压测", "phone": f"139{next(counter):08d}"}).encode()
        return "POST", "/api/v1/jobs/apply/", body, {"Content-Type": "application/json"}

    def bare(i):
        body = json.dumps({"code": code, "name": "压测", "phone": f"139{i:08d}"}).encode()
        return "POST", "/bench/insert", body, {"Content-Type": "application/json"}

    with harness.Server(env) as server:
        harness.closed_loop(server.port, apply, clients=clients, seconds=1.5)  # warm the apply path
        rounds = harness.alternating(
            ROUNDS,
            lambda r: harness.closed_loop(server.port, apply, clients=clients, seconds=seconds / ROUNDS),
            lambda r: harness.closed_loop(server.port, bare, clients=clients, seconds=seconds / ROUNDS),
        )
        real = harness.LoadResult.combined([mine for mine, _ in rounds])
        base = harness.LoadResult.combined([theirs for _, theirs in rounds])
        burst = harness.closed_loop(
            server.port,
            lambda i: (
                "POST",
                "/api/v1/jobs/apply/",
                json.dumps({"code": code, "name": "压测", "phone": "13700000000"}).encode(),
                {"Content-Type": "application/json"},
            ),
            clients=clients,
            requests=clients,
        )
    rows, distinct = map(
        int,
        subprocess.run(
            [PY, "manage.py", "shell", "-c", CHECK],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-2:],
    )
    if not real.latencies:
        raise RuntimeError(f"no successful applications: statuses {real.statuses}")
    print(
        f"clients={clients}, {seconds:.0f} s each in {ROUNDS} rounds; apply statuses {real.statuses}, errors {real.errors}"
    )
    print(harness.ratio_line("applications/s", real.rate, base.rate, "req/s", goal="ratio ≥ 0.5"))
    print(harness.rounds_line([(mine.rate, theirs.rate) for mine, theirs in rounds]))
    print(harness.ratio_line("apply p50", real.ms(50), base.ms(50), "ms"))
    print(harness.ratio_line("apply p99", real.ms(99), base.ms(99), "ms", goal="p99 < 100 ms"))
    print(
        f"same-number burst x{clients}: statuses {sorted(burst.statuses)}, rows={rows} "
        f"distinct(posting,phone)={distinct}; duplicates: "
        + ("none" if rows == distinct else f"{rows - distinct} DUPLICATES")
    )


def main() -> None:
    seconds = float(os.environ.get("BENCH_APPLY_SECONDS", "10"))
    clients = int(os.environ.get("BENCH_APPLY_CLIENTS", "50"))
    with harness.throwaway_database("bench_apply") as db_url:
        env = harness.server_env(
            db_url, REDIS_DB, JOBS_APPLY_LIMIT_IP="1000000000", JOBS_APPLY_LIMIT_PHONE="1000000"
        )
        try:
            harness.migrate(env)
            code = (
                subprocess.run(
                    [PY, "manage.py", "shell", "-c", SEED],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            print(harness.machine_line())
            print(f"server: {harness.server_description(env)}")
            _run(env, code, seconds, clients)
        finally:
            harness.flush_redis(REDIS_DB)


if __name__ == "__main__":
    main()
