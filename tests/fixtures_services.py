"""Fixtures for real services: an in-process Celery worker, Celery beat, a loopback SMTP server, and the
in-memory SMS backend (``sms_outbox``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    """Poll until predicate() is truthy; fail the test with a clear message on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class SMTPSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    def __init__(self):
        self.port = free_port()
        self.messages: list = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "message": message_from_bytes(envelope.original_content, policy=policy.default),
                    "raw": envelope.original_content,
                }
            )
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if address in m["rcpt_tos"]]


@pytest.fixture
def sms_outbox(settings):
    """SMS goes to the in-memory test backend; yields its outbox (``core.sms.outbox``), empty at the start
    and emptied again afterwards. Modules that send SMS in every test use it as
    ``pytestmark = pytest.mark.usefixtures("sms_outbox")``."""
    from core import sms

    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def smtp_server(settings):
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker consuming from the real (embedded) Redis broker, in a thread of this process.

    It shares the test database because it runs in-process. Tests using it need committed data, hence
    ``transactional_db``.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ) as worker:
        yield worker
    app.control.purge()


@pytest.fixture
def celery_beat(tmp_path):
    """The real Celery beat as a subprocess, ticking every second into the same Redis broker."""
    env = dict(os.environ, YIZHAN_TESTING="1", TICK_SECONDS="1", PYTHONUNBUFFERED="1")
    log = open(tmp_path / "beat.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "-s",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
