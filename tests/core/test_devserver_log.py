"""`make run` is quiet by default: logging levels by LOG_LEVEL, the request filter, the dev processes."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from config import devstack
from config.logconfig import CHATTY_LOGGERS, QuietRequests, logging_config


def _server_record(request_line: str, status: int) -> logging.LogRecord:
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs it.
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    record = logging.LogRecord(
        "django.server", level, __file__, 1, '"%s" %s %s', (request_line, str(status), "12"), None
    )
    record.status_code = status
    return record


def test_below_debug_the_tick_task_and_client_loggers_are_held_at_warning():
    config = logging_config("INFO")

    assert config["root"]["level"] == "INFO"
    for name in CHATTY_LOGGERS:
        assert config["loggers"][name]["level"] == "WARNING"
    assert config["loggers"]["django.request"]["level"] == "ERROR"  # the request line already says 4xx
    assert config["handlers"]["server"]["filters"] == ["quiet_requests"]


def test_log_level_debug_shows_everything():
    config = logging_config("debug")

    assert config["root"]["level"] == "DEBUG"
    assert not set(CHATTY_LOGGERS) & set(config["loggers"])
    assert "django.request" not in config["loggers"]
    assert config["handlers"]["server"]["filters"] == []


def test_a_higher_level_is_not_lowered_for_the_chatty_loggers():
    assert logging_config("ERROR")["loggers"]["celery.beat"]["level"] == "ERROR"


def test_request_filter_keeps_people_and_failures_and_drops_machine_traffic():
    keep = QuietRequests().filter

    assert keep(_server_record("GET /organizer/ HTTP/1.1", 200))
    assert keep(_server_record("GET /nope/ HTTP/1.1", 404))
    assert keep(_server_record("POST /api/v1/sessions/abc/events/ HTTP/1.1", 500))
    assert not keep(_server_record("POST /api/v1/sessions/abc/events/ HTTP/1.1", 200))
    assert not keep(_server_record("POST /api/v1/sessions/abc/orders/ HTTP/1.1", 201))
    assert not keep(_server_record("GET /static/core/site.css HTTP/1.1", 304))
    assert not keep(_server_record("GET /healthz HTTP/1.1", 503))  # a probe's "degraded", said by its body


def test_request_filter_reads_django_request_records_by_their_request(rf):
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Service Unavailable: %s", ("/healthz",), None
    )
    record.request = rf.get("/healthz")
    record.status_code = 503

    assert not QuietRequests().filter(record)
    record.request = rf.get("/organizer/")
    assert QuietRequests().filter(record)


def test_dev_processes_are_quiet_unless_debug(monkeypatch):
    monkeypatch.setenv("DEMO_SIMULATOR", "1")
    quiet = devstack.process_commands("py", "8000", Path("/tmp/beat"), loud=False)
    loud = devstack.process_commands("py", "8000", Path("/tmp/beat"), loud=True)

    assert "--skip-checks" in quiet["web"] and "--skip-checks" not in loud["web"]
    assert " -q worker" in quiet["worker"] and " -q beat" in quiet["beat"]  # no Celery banners
    assert quiet["simulator"].endswith("--no-progress") and "--no-progress" not in loud["simulator"]
    assert "-q" not in loud["worker"]


def test_quiet_environment_writes_mail_to_files_unless_a_mail_server_is_set(tmp_path):
    env = devstack.quiet_environment({}, tmp_path)
    assert env["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert env["EMAIL_FILE_PATH"] == str(tmp_path / "mail")
    assert env["DJANGO_RUNSERVER_HIDE_WARNING"] == "true"

    assert "EMAIL_BACKEND" not in devstack.quiet_environment({"EMAIL_HOST": "smtp.local"}, tmp_path)


def test_dev_stack_silences_celerys_running_as_root_warning_only(tmp_path):
    """Celery's own warning, raised by Celery's own code in a fresh interpreter: gone with the dev
    stack's environment, still printed without it (production keeps it) and for other warnings."""
    import subprocess
    import sys

    script = (
        "import warnings\n"
        "from celery import platforms\n"
        "platforms._warn_or_raise_security_error(0, 0, 0, 0, False)\n"
        "warnings.warn('another warning')\n"
    )
    base = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}

    def run(env):
        return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True).stderr

    plain = run(base)
    quiet = run(devstack.quiet_environment(base, tmp_path))
    assert "superuser privileges" in plain and "another warning" in plain
    assert "superuser privileges" not in quiet and "another warning" in quiet
    kept = devstack.quiet_environment({"PYTHONWARNINGS": "error::DeprecationWarning"}, tmp_path)
    assert kept["PYTHONWARNINGS"].startswith("error::DeprecationWarning,ignore:")
