"""Celery tasks of core, found by autodiscovery. The outbox tasks are defined beside the outbox logic
(core/outbox.py), which enqueues them; this module only names them for Celery."""

from core.outbox import outbox_deliver_batch_task, outbox_deliver_task, outbox_sweep_task

__all__ = ["outbox_deliver_batch_task", "outbox_deliver_task", "outbox_sweep_task"]
