"""`make run` supervises its embedded servers: a Redis that dies is started again with the same
configuration, and the app's next request works (the real embedded Redis is stopped)."""

import time

import pytest
import redis as redis_lib
from django.conf import settings

from config import embedded

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_supervisor_restarts_a_dead_embedded_redis_with_the_same_socket(client):
    lines = []
    supervisor = embedded.Supervisor(redis=True, postgres=False, interval=0.2, log=lines.append).start()
    try:
        embedded.stop_redis(force=True)
        deadline = time.monotonic() + 30
        while supervisor.restarts["redis"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        supervisor.stop()
        embedded.start_redis()  # whatever happened, leave a server for the next tests

    assert supervisor.restarts["redis"] >= 1
    assert any("starting it again" in line for line in lines)
    assert redis_lib.Redis.from_url(settings.REDIS_URL).ping()  # same URL (socket) as before
    assert client.get("/healthz").json()["checks"]["redis"]["ok"] is True  # the app reconnects by itself


def test_supervisor_leaves_running_servers_alone():
    lines = []
    supervisor = embedded.Supervisor(redis=True, postgres=True, log=lines.append)

    supervisor.check()

    assert supervisor.restarts == {"redis": 0, "postgres": 0} and lines == []
