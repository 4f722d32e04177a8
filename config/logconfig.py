"""Logging levels in one place (settings.LOGGING; Celery uses it too, see config/celery.py).

``LOG_LEVEL`` sets the root level (INFO by default, WARNING in tests). Below DEBUG the log stays
readable: the loggers that speak on every beat tick, every task and every outgoing HTTP request are held
at WARNING, and the request log keeps one line per request a person made (machine traffic — health
probes, the ingest bridge's batches, static files — is left out unless it failed). ``LOG_LEVEL=DEBUG``
shows everything.
"""

from __future__ import annotations

import logging
import re

# Loggers that write a line per tick, per task or per outgoing request at INFO.
CHATTY_LOGGERS = (
    "celery.app.trace",  # "Task … succeeded in …"
    "celery.worker.strategy",  # "Task … received"
    "celery.beat",  # "Scheduler: Sending due task …" every tick
    "celery.worker.consumer",  # connection and mingle chatter at start
    "httpx",  # the demo simulator's every POST
    "httpcore",
    "django.utils.autoreload",  # "Watching for file changes" (twice: reloader and child)
)

# Requests made by machines, not by a person at a page: the health probe, the bridge's event and order
# batches (the simulator reports its own progress), and static files.
MACHINE_PATHS = re.compile(r"^(/healthz|/static/|/api/v1/sessions/[^/]+/(events|orders)/)")


class QuietRequests(logging.Filter):
    """Drops request-log records of machine paths (see MACHINE_PATHS) unless the server failed (5xx).

    A health probe answering 503 ("degraded") is a state, not a failure of the request: it is dropped too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        path, status = _path_and_status(record)
        if path is None or not MACHINE_PATHS.match(path):
            return True
        return path.startswith("/healthz") is False and status >= 500


def _path_and_status(record: logging.LogRecord) -> tuple[str | None, int]:
    request = getattr(record, "request", None)
    status = getattr(record, "status_code", None)
    if request is not None and hasattr(request, "path"):  # django.request: an HttpRequest
        return request.path, int(status or 0)
    args = record.args if isinstance(record.args, tuple) else ()
    if len(args) >= 2 and isinstance(args[0], str):  # django.server: ("GET /path HTTP/1.1", "200", size)
        parts = args[0].split(" ")
        path = parts[1] if len(parts) > 1 else None
        try:
            return path, int(args[1])
        except (TypeError, ValueError):
            return path, 0
    return None, 0


def logging_config(level: str) -> dict:
    """The LOGGING dict for a root level name (DEBUG, INFO, WARNING, …)."""
    level = level.upper()
    verbose = level == "DEBUG"
    number = logging.getLevelName(level)
    held = level if isinstance(number, int) and number > logging.WARNING else "WARNING"
    config: dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"quiet_requests": {"()": "config.logconfig.QuietRequests"}},
        "formatters": {
            "plain": {"format": "%(levelname)s %(name)s: %(message)s"},
            "server": {"format": "%(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain"},
            "server": {
                "class": "logging.StreamHandler",
                "formatter": "server",
                "filters": [] if verbose else ["quiet_requests"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "pgserver": {"level": "WARNING"},
            # runserver's one line per request ("GET /path HTTP/1.1" 200 1234), without its own date.
            "django.server": {"handlers": ["server"], "level": level, "propagate": False},
        },
    }
    if not verbose:
        for name in CHATTY_LOGGERS:
            config["loggers"][name] = {"level": held}
        # django.request repeats a 4xx as a second line ("Not Found: /x") beside the request line; a
        # 5xx keeps its traceback.
        config["loggers"]["django.request"] = {"level": "ERROR", "filters": ["quiet_requests"]}
    return config
