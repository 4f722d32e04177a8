"""Hand work to Celery after commit without letting a broker outage fail the request that caused it.

Celery's ``delay_on_commit`` publishes inside the commit hook: with Redis (the broker) down, kombu raises
there and the person sees a 500 although their booking or sign-up is already stored. Use this only for
work with a durable trigger in PostgreSQL that a periodic task picks up again (an outbox row: the beat's
``core.outbox_sweep`` re-dispatches every due message; an ended session without a result:
``livestreams.results_missing_sweep``), so a failed publish is logged and left to the sweep.
"""

from __future__ import annotations

import logging

import redis
from django.db import connection, transaction
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)

BROKER_ERRORS = (KombuError, redis.RedisError, OSError)


def enqueue_on_commit(task, *args) -> None:
    def publish():
        try:
            task.delay(*args)
        except BROKER_ERRORS as exc:
            log.warning("broker unavailable, %s%r left to the periodic sweep: %s", task.name, args, exc)

    transaction.on_commit(publish)


def enqueue_ids_on_commit(task, ids: list, *, chunk: int = 200) -> None:
    """``enqueue_on_commit`` for a task taking a list of ids: every call within one transaction is
    published together when it commits (``chunk`` ids per task). A booking writes its notice rows and
    its invite request in two calls; this makes them one broker round trip instead of two.

    Ids of a transaction that rolled back stay pending and go out with the next commit on this
    connection: the task finds no such rows and skips them.
    """
    key = f"_pending_ids_{task.name}"
    pending = connection.__dict__.setdefault(key, [])  # a connection belongs to one thread
    pending.extend(ids)

    def publish():
        batch = connection.__dict__.pop(key, None) or []
        for start in range(0, len(batch), chunk):
            try:
                task.delay(batch[start : start + chunk])
            except BROKER_ERRORS as exc:
                log.warning("broker unavailable, %s left to the periodic sweep: %s", task.name, exc)

    transaction.on_commit(publish)
