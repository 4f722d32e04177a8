"""The production gunicorn configuration: ``gunicorn config.wsgi -c config/gunicorn.conf.py``.

One file so that production, ``make bench`` and the docs run exactly the same server. Every knob has an
environment variable (same names as the settings they set) and a default chosen on the measurements in
docs/operations.md#benchmarks:

* ``gthread`` workers: each worker process serves ``GUNICORN_THREADS`` requests at once and keeps
  connections alive, so a phone's poll, the bridge's batch and a page render do not wait for each
  other the way they do behind 4 sync workers (4 requests in flight per node, no keep-alive).
  Our requests spend much of their time waiting for PostgreSQL/Redis, which is when a thread yields.
* ``WEB_CONCURRENCY`` processes (default: two per core) for CPU parallelism: with the GIL one
  process runs one thread of Python at a time, and 4 × 8 beat 2 × 8 on 2 cores (bench_server).
* a control socket per instance: gunicorn's default path ($HOME/.gunicorn/gunicorn.ctl) is shared by
  every gunicorn of the same user, so two instances on one machine (two nodes, a bench next to a
  server) would fight over it.
"""

import gc
import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# This file is read by the master process, so its pid names this instance's socket.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.join(
    tempfile.gettempdir(), f"gunicorn-{os.getpid()}.ctl"
)


def post_worker_init(worker):
    """Move everything the worker has loaded (Django, the URLconf, templates: ≈ 120,000 objects) out of
    the garbage collector's reach. A full collection then walks only what requests allocate; without
    this, the collections that event batches trigger cost ≈ 1 µs per event (measured in-process)."""
    gc.freeze()
