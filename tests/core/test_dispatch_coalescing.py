"""Ids handed to ``publish_committed_ids`` one after another, as a crowd of bookings finishes in one web
process, reach the real broker (Redis) together in one task message, all of them, none twice."""

import base64
import json
import time

import pytest

from config.celery import app
from core import dispatch
from core.outbox import outbox_deliver_batch_task
from tests.fixtures_services import wait_for


def _queued_batches() -> list[list]:
    """The id lists of the outbox batch tasks waiting in the broker's default queue (no worker runs)."""
    with app.connection_for_read() as conn:
        raw = conn.default_channel.client.lrange(app.conf.task_default_queue, 0, -1)
    batches = []
    for item in raw:
        message = json.loads(item)
        if message["headers"]["task"] != outbox_deliver_batch_task.name:
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        batches.append(args[0])
    return batches


@pytest.fixture
def empty_queue():
    app.control.purge()
    yield
    app.control.purge()


def test_ids_handed_over_a_few_milliseconds_go_out_in_one_message(empty_queue):
    ids = [900_000_001 + i for i in range(5)]
    for one in ids:  # one every 5 ms: a booking finishing on each of a worker's threads
        dispatch.publish_committed_ids(outbox_deliver_batch_task, [one])
        time.sleep(0.005)
    wait_for(
        lambda: sorted(i for batch in _queued_batches() for i in batch) == ids,
        timeout=10,
        message="every id in the broker",
    )
    time.sleep(dispatch.GATHER_SECONDS * 4)  # nothing else follows
    batches = _queued_batches()
    # Without the gathering window each id was its own message (a publish takes ≈ 1 ms, the next id
    # came 5 ms later); a slow machine may split the 20 ms of hand-overs once, not more.
    assert len(batches) <= 2, batches
    assert sorted(i for batch in batches for i in batch) == ids
