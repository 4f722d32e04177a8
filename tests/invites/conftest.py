"""Real parts for invite tests: a loopback SMTP server (aiosmtpd) and a CalDAV server (Radicale)."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Sink:
    """Collects every message the SMTP server accepts, parsed with the stdlib email parser."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


class SmtpServer:
    def __init__(self, controller, sink, port):
        self.controller, self.sink, self.port = controller, sink, port

    @property
    def messages(self):
        return self.sink.messages

    def to(self, address: str) -> list:
        return [m for m in self.sink.messages if address in m["To"]]


@pytest.fixture
def invite_smtp(settings):
    """A real SMTP server on 127.0.0.1:<free port>; Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield SmtpServer(controller, sink, port)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory):
    """Radicale 3 as a subprocess: storage in a temp dir, no auth, on a free loopback port."""
    root = tmp_path_factory.mktemp("radicale")
    port = free_port()
    config = root / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = none\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = open(root / "radicale.log", "wb")  # noqa: SIM115 - closed below
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)], stdout=log, stderr=log, env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base + "/.web/", timeout=1)
            break
        except httpx.TransportError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    "Radicale did not start: " + Path(root / "radicale.log").read_text()
                ) from exc
            time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; the default PBKDF2 costs ~0.25 s per user, which adds up here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
