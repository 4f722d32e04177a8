"""Hand work to Celery after commit without letting a broker outage fail the request that caused it.

Celery's ``delay_on_commit`` publishes inside the commit hook: with Redis (the broker) down, kombu raises
there and the person sees a 500 although their booking or sign-up is already stored. Use this only for
work with a durable trigger in PostgreSQL that a periodic task picks up again (an outbox row: the beat's
``core.outbox_sweep`` re-dispatches every due message; an ended session without a result:
``livestreams.results_missing_sweep``), so a failed publish is logged and left to the sweep.
"""

from __future__ import annotations

import logging
import os
import threading
import time

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


# How long the publishing thread gathers ids after the first one before it publishes them together.
# A Celery publish costs ≈ 1 ms of CPU in the web process (``task.delay``, measured on the 2-core
# machine), about a tenth of a booking's CPU over all processes; in a crowd of simultaneous bookings a
# worker process finishes one every ≈ 15 ms, so without a window nearly every booking paid for its own
# publish. The notice and the invite go out GATHER_SECONDS later at most.
GATHER_SECONDS = 0.05


class _Coalescer:
    """One daemon thread per process (and task) that publishes the ids handed to it: the ids that arrive
    within ``GATHER_SECONDS`` of the first, and those that arrived while the previous publish was in
    flight, go in one message (``chunk`` ids per task).

    For ids whose rows are already committed: the request answers without waiting for the broker, and a
    crowd of simultaneous bookings in one process costs a few broker publishes instead of one each.
    Ids still queued when the process dies are not lost: their outbox rows stay pending and the periodic
    sweep re-dispatches them.
    """

    def __init__(self, task, chunk: int):
        self.task, self.chunk = task, chunk
        self.pid = None

    def _start(self) -> None:  # first use in this process (a gunicorn worker is forked from the master)
        self.lock, self.wake, self.pending = threading.Lock(), threading.Event(), []
        threading.Thread(target=self._run, name=f"publish-{self.task.name}", daemon=True).start()
        self.pid = os.getpid()  # last: another thread that sees it finds the rest in place

    def add(self, ids: list) -> None:
        if self.pid != os.getpid():
            with _START_LOCK:
                if self.pid != os.getpid():
                    self._start()
        with self.lock:
            self.pending.extend(ids)
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            time.sleep(GATHER_SECONDS)
            self.wake.clear()
            with self.lock:
                batch, self.pending = self.pending, []
            for start in range(0, len(batch), self.chunk):
                try:
                    self.task.delay(batch[start : start + self.chunk])
                except BROKER_ERRORS as exc:
                    log.warning("broker unavailable, %s left to the periodic sweep: %s", self.task.name, exc)
                except Exception:  # noqa: BLE001 - the thread must outlive one bad publish; the sweep retries
                    log.exception("publishing %s failed; left to the periodic sweep", self.task.name)


_START_LOCK = threading.Lock()
_COALESCERS: dict[str, _Coalescer] = {}


def publish_committed_ids(task, ids: list, *, chunk: int = 200) -> None:
    """Publish ``task(ids)`` soon, from a background thread, coalesced with other calls in this process.

    Only for ids whose rows are committed already (outside any transaction) and have a durable trigger
    the periodic sweep picks up again (outbox rows), as for ``enqueue_on_commit``. Inside a transaction
    use ``enqueue_ids_on_commit``."""
    if connection.in_atomic_block:
        enqueue_ids_on_commit(task, ids, chunk=chunk)
        return
    coalescer = _COALESCERS.get(task.name)
    if coalescer is None:
        with _START_LOCK:
            coalescer = _COALESCERS.setdefault(task.name, _Coalescer(task, chunk))
    coalescer.add(ids)
