"""Hand work to Celery after commit without letting a broker outage fail the request that caused it.

Celery's ``delay_on_commit`` publishes inside the commit hook: with Redis (the broker) down, kombu raises
there and the person sees a 500 although their booking or sign-up is already stored. Use this only for
work with a durable trigger in PostgreSQL that a periodic task picks up again (an outbox row: the beat's
``core.outbox_sweep`` re-dispatches every due message), so a failed publish is logged and left to the
sweep.
"""

from __future__ import annotations

import logging

import redis
from django.db import transaction
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
