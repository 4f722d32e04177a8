"""Shared plumbing for the benchmarks: a throwaway database, the production gunicorn command, a
closed-loop HTTP load generator, and one way to print a figure next to its same-run baseline.

Every benchmark that serves HTTP starts gunicorn with exactly ``PRODUCTION_COMMAND`` (the command in
docs/operations.md), with ``DJANGO_SETTINGS_MODULE=benchmarks.settings`` so that the bare baseline
endpoints of benchmarks/baselines.py are served by the same processes, threads and middleware as the
real endpoints they are compared with.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
# The documented production command (docs/operations.md#production), verbatim.
PRODUCTION_COMMAND = ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
# The ingest pool (docs/operations.md#production): the same command at a lower CPU priority, so the web
# pool's requests (pages, live stats) get a core first while ingest saturates the machine.
INGEST_COMMAND = ["nice", "-n", "10", *PRODUCTION_COMMAND]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    """p in 0..100; nearest-rank on the sorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ratio_line(name: str, figure: float, baseline: float, unit: str, *, goal: str = "") -> str:
    """``name: figure unit | baseline … | ratio r`` — the one shape every figure is printed in."""
    ratio = figure / baseline if baseline else float("nan")
    tail = f"  (goal {goal})" if goal else ""
    return f"{name}: {figure:,.1f} {unit} | baseline {baseline:,.1f} {unit} | ratio {ratio:.2f}{tail}"


@contextlib.contextmanager
def throwaway_database(prefix: str):
    """Create an empty database on the (embedded or configured) PostgreSQL; yield its URL; drop it."""
    sys.path.insert(0, str(BASE_DIR))
    from config.embedded import ensure_services

    ensure_services()  # no-op when DATABASE_URL / REDIS_URL are configured
    import psycopg

    base_url = os.environ["DATABASE_URL"]
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(base_url)._replace(path=f"/{name}").geturl()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def server_env(db_url: str, redis_db: int, **extra: str) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        REDIS_DB=str(redis_db),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        PYTHONPATH=str(BASE_DIR),
        PYTHONWARNINGS="ignore::UserWarning",
    )
    env.pop("YIZHAN_TESTING", None)
    env.update(extra)
    return env


def flush_redis(redis_db: int) -> None:
    try:
        import redis

        from config.settings import _redis_url_with_db

        redis.Redis.from_url(_redis_url_with_db(os.environ["REDIS_URL"], redis_db)).flushdb()
    except Exception as exc:  # noqa: BLE001 - cleanup is best effort; say so
        print(f"(could not flush Redis DB {redis_db}: {exc})")


def migrate(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
    )
    baseline_tables(env["DATABASE_URL"])


def run_profile_child(module: str, db_prefix: str, redis_db: int, **extra: str) -> None:
    """For the profile scripts: a throwaway migrated database, then ``python -m <module> --child`` in it."""
    with throwaway_database(db_prefix) as db_url:
        env = server_env(db_url, redis_db, **extra)
        try:
            migrate(env)
            subprocess.run([sys.executable, "-m", module, "--child"], cwd=BASE_DIR, env=env, check=True)
        finally:
            flush_redis(redis_db)


def baseline_tables(db_url: str) -> None:
    """Tables the bare baseline endpoints write to (benchmarks/baselines.py); never in migrations."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            """
            CREATE TABLE IF NOT EXISTS bench_seat (id bigint PRIMARY KEY, capacity int NOT NULL,
                taken int NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS bench_claim (seat_id bigint NOT NULL, who text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (seat_id, who));
            CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, ref text NOT NULL,
                name text NOT NULL, phone text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (ref, phone));
            """
        )


def worker_count(env: dict) -> int:
    """How many worker processes config/gunicorn.conf.py starts under ``env`` (its default: two per core)."""
    return int(env.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))


def server_description(env: dict) -> str:
    workers = worker_count(env)
    kind = env.get("GUNICORN_WORKER_CLASS", "gthread")
    threads = env.get("GUNICORN_THREADS", "8")
    shape = f"{workers} {kind} workers" + (f" × {threads} threads" if kind == "gthread" else "")
    return f"`{' '.join(PRODUCTION_COMMAND)}` ({shape})"


class Server:
    """One gunicorn instance started with the production command; its own bind and control socket."""

    def __init__(self, env: dict, port: int | None = None, command: list[str] = PRODUCTION_COMMAND):
        self.command = command
        self.port = port or free_port()
        self.sockdir = tempfile.mkdtemp(prefix="bench-gunicorn-")
        self.env = dict(
            env,
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_CONTROL_SOCKET=os.path.join(self.sockdir, "gunicorn.ctl"),
            GUNICORN_LOG_LEVEL="warning",
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        # The documented command, with gunicorn taken from this virtualenv.
        at = self.command.index("gunicorn")
        command = [*self.command[:at], str(Path(sys.executable).parent / "gunicorn"), *self.command[at + 1 :]]
        self.proc = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/bench/json")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.2)
        self._wait_for_every_worker(deadline)
        # Warm every worker (imports, DB connections) before anything is measured.
        closed_loop(self.port, lambda i: ("GET", "/bench/json", None, {}), clients=8, requests=200)
        return self

    def _wait_for_every_worker(self, deadline: float) -> None:
        """Until each of the configured workers has answered once. The first answer comes from the first
        worker to finish importing; the others can take seconds more (more on a machine without .pyc
        files), and a short benchmark run that starts then measures one or two workers, not the pool."""
        workers = worker_count(self.env)
        seen: set[int] = set()
        while len(seen) < workers:
            # A fresh connection each time: an idle booted worker takes it, a busy or booting one cannot.
            conns = [http.client.HTTPConnection("127.0.0.1", self.port, timeout=5) for _ in range(workers)]
            for conn in conns:
                conn.request("GET", "/bench/pid")
            for conn in conns:
                seen.add(json.loads(conn.getresponse().read())["pid"])
                conn.close()
            if len(seen) < workers:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(seen)} of {workers} gunicorn workers came up")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, p: float) -> float:
        return pct(self.latencies, p) * 1000

    @classmethod
    def combined(cls, results: list[LoadResult]) -> LoadResult:
        """Several runs as one: their latencies and statuses together, their seconds summed."""
        out = cls()
        for result in results:
            out.latencies += result.latencies
            out.errors += result.errors
            out.seconds += result.seconds
            for status, n in result.statuses.items():
                out.statuses[status] = out.statuses.get(status, 0) + n
        return out


def alternating(rounds: int, ours, baseline) -> list[tuple]:
    """Run ``ours(r)`` and ``baseline(r)`` for each round r, alternating which goes first (A B, B A, A B,
    …), so the machine's drift (other tenants, autovacuum after a round, a table growing) falls on both
    alike instead of on whichever ran second. Returns (ours' result, the baseline's result) per round."""
    results = []
    for r in range(rounds):
        if r % 2 == 0:
            mine = ours(r)
            theirs = baseline(r)
        else:
            theirs = baseline(r)
            mine = ours(r)
        results.append((mine, theirs))
    return results


def rounds_line(pairs: list[tuple[float, float]]) -> str:
    """Each round's own ratio (figure / baseline), and their median, under the total's ratio line."""
    median = statistics.median(figure / baseline for figure, baseline in pairs)
    each = ", ".join(f"{figure / baseline:.2f}" for figure, baseline in pairs)
    return f"    {len(pairs)} rounds (ours and the baseline alternating, ABBA): {each}; median {median:.2f}"


def closed_loop(
    port: int,
    make_request,
    *,
    clients: int,
    requests: int | None = None,
    seconds: float | None = None,
    ok=(200, 201),
    release: threading.Barrier | None = None,
) -> LoadResult:
    """``clients`` threads, each with one keep-alive connection, send ``make_request(i)`` →
    (method, path, body bytes | None, headers) back to back until ``requests`` were sent in total or
    ``seconds`` passed. The same generator drives a real endpoint and its baseline, so the client's own
    cost (it shares the cores) is in both figures alike."""
    out = LoadResult()
    lock = threading.Lock()
    counter = iter(range(requests if requests is not None else 10**12))
    stop_at = [float("inf")]
    start = threading.Barrier(clients + 1)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        statuses: dict[int, int] = {}
        errors = 0
        with contextlib.suppress(OSError):
            conn.connect()  # connect before the start so a burst measures requests, not handshakes
        start.wait()
        while time.perf_counter() < stop_at[0]:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, body, headers = make_request(i)
            began = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            statuses[status] = statuses.get(status, 0) + 1
            if status in ok:
                mine.append(time.perf_counter() - began)
        conn.close()
        with lock:
            out.latencies.extend(mine)
            out.errors += errors
            for k, v in statuses.items():
                out.statuses[k] = out.statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    if release is not None:
        release.wait()
    began = time.perf_counter()
    if seconds is not None:
        stop_at[0] = began + seconds
    start.wait()
    for t in threads:
        t.join()
    out.seconds = time.perf_counter() - began
    return out


def machine_line() -> str:
    return f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared; read ratios, not absolutes)"


EVENT_SPACING_MS = 37  # between two consecutive viewer_events


def live_hours_for(n: int) -> float:
    """How many hours ago a session must have gone live (3 at least) for n viewer_events from its start to
    all lie in the past: ingest rejects events from the future, and a profile would measure rejections."""
    return max(3, n * EVENT_SPACING_MS / 3_600_000 + 0.5)


def viewer_events(base, n: int, prefix: str = "e") -> list[dict]:
    """n bridge events of one live session from ``base`` on (joins, heartbeats, comments — every third
    a question —, likes, leaves; 20,000 members), as the ingest benchmarks send them."""
    kinds = ["join", "heartbeat", "heartbeat", "heartbeat", "comment", "like", "leave", "heartbeat"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        event = {
            "id": f"{prefix}{i}",
            "type": kind,
            "ts": (base + timedelta(milliseconds=i * EVENT_SPACING_MS)).isoformat(),
            "member_id": f"u{i % 20000}",
        }
        if kind == "comment":
            event["text"] = "请问这个岗位包住宿吗？"
            event["question"] = i % 3 == 0
        out.append(event)
    return out


def wsgi_post(app, path: str, body: bytes, **headers: str) -> tuple[str, bytes]:
    """POST ``body`` to ``path`` through a Django WSGI handler in this process (every middleware, no
    HTTP server): (status line, response body). ``headers`` as WSGI keys, e.g. HTTP_AUTHORIZATION."""
    import io

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        **headers,
    }
    status = []
    out = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    return status[0], out


def cpu_meter(connection, redis_client):
    """A function that reads (wall s, this process's CPU s, its PostgreSQL backend's CPU s from /proc,
    the Redis server's CPU s): call it before and after, subtract, divide by the count."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> tuple[float, float, float, float]:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        info = redis_client.info("cpu")
        return (
            time.perf_counter(),
            time.process_time(),
            (int(fields[11]) + int(fields[12])) / tick,
            info["used_cpu_user"] + info["used_cpu_sys"],
        )

    return read


def per_request_ms(before: tuple, after: tuple, n: int) -> str:
    """Two cpu_meter readings → "wall · Python CPU · PostgreSQL CPU · Redis CPU" per request, in ms."""
    return " · ".join(f"{(b - a) / n * 1000:.3f}" for a, b in zip(before, after, strict=True))
