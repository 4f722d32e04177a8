"""Real parts for invite tests: a CalDAV server (Radicale). The SMTP server is tests.fixtures_services'."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures_services import free_port


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
