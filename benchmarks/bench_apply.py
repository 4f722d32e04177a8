"""Public apply through real HTTP: gunicorn workers on loopback, a throwaway database, 50 clients.

Prints sustained applications/s, latency percentiles and checks there are no duplicate rows.
Rate limits are lifted for the run (JOBS_APPLY_LIMIT_IP/PHONE=0). Env knobs: BENCH_APPLY_SECONDS
(default 15), BENCH_APPLY_CLIENTS (50), BENCH_APPLY_WORKERS (4).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] if ordered else float("nan")


def _client(port: int, code: str, phones, stop: threading.Event, out: list, errors: list, same_phone=None):
    conn = None
    while not stop.is_set():
        phone = same_phone or next(phones)
        body = json.dumps({"code": code, "name": "压测", "phone": phone})
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/v1/jobs/apply/", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
            conn = None
            continue
        out.append((time.perf_counter() - started, response.status))
        if same_phone:
            return


def _phones():
    counter = 0
    lock = threading.Lock()

    class Gen:
        def __next__(self):
            nonlocal counter
            with lock:
                counter += 1
                return f"139{counter:08d}"

    return Gen()


def main() -> None:
    seconds = float(os.environ.get("BENCH_APPLY_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_APPLY_CLIENTS", "50"))
    workers = int(os.environ.get("BENCH_APPLY_WORKERS", "4"))
    sys.path.insert(0, str(ROOT))
    from config.embedded import ensure_services

    ensure_services()
    import psycopg

    base_url = os.environ["DATABASE_URL"]
    db_name = f"bench_apply_{secrets.token_hex(4)}"
    parsed = urlparse(base_url)
    bench_url = urlunparse(parsed._replace(path=f"/{db_name}"))
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{db_name}"')
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_DB": "13",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JOBS_APPLY_LIMIT_IP": "0",
        "JOBS_APPLY_LIMIT_PHONE": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    server = None
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
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
        port = _free_port()
        server = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        phones = _phones()
        # Warm-up (imports, connections), then the measured run.
        for duration, sink in ((2.0, []), (seconds, None)):
            out: list = [] if sink is None else sink
            errors: list = []
            stop = threading.Event()
            threads = [
                threading.Thread(target=_client, args=(port, code, phones, stop, out, errors))
                for _ in range(clients)
            ]
            started = time.perf_counter()
            for t in threads:
                t.start()
            time.sleep(duration)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        latencies = [lat for lat, st in out if st in (200, 201)]
        statuses: dict[int, int] = {}
        for _lat, st in out:
            statuses[st] = statuses.get(st, 0) + 1
        # Duplicate burst: every client submits the same number at once → exactly one row for it.
        burst: list = []
        burst_threads = [
            threading.Thread(
                target=_client, args=(port, code, phones, threading.Event(), burst, [], "13700000000")
            )
            for _ in range(clients)
        ]
        for t in burst_threads:
            t.start()
        for t in burst_threads:
            t.join()
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
        ms = 1000
        if not latencies:
            raise RuntimeError(f"no successful applications: statuses {statuses}, errors {errors[:3]}")
        print(f"clients={clients} gunicorn_workers={workers} cpus={os.cpu_count()} measured={elapsed:.1f}s")
        print(f"applications/s (sustained): {len(latencies) / elapsed:.0f}")
        print(
            f"latency ms: p50={_percentile(latencies, 0.5) * ms:.1f} p95={_percentile(latencies, 0.95) * ms:.1f} "
            f"p99={_percentile(latencies, 0.99) * ms:.1f} max={max(latencies) * ms:.1f}"
        )
        print(f"statuses: {statuses} client errors: {len(errors)}")
        burst_codes = sorted({st for _lat, st in burst})
        print(
            f"same-number burst x{clients}: statuses {burst_codes}, rows={rows} distinct(posting,phone)={distinct}"
        )
        print("duplicates: " + ("none" if rows == distinct else f"{rows - distinct} DUPLICATES"))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        try:
            import redis

            redis.Redis.from_url(os.environ["REDIS_URL"], db=13).flushdb()
        except Exception:  # noqa: BLE001 - best-effort cleanup of the bench's Redis DB
            pass


if __name__ == "__main__":
    main()
