"""Celery tasks of the outbox. core.outbox imports these at its top; each task body imports the service
(the pretalx/HackSoft orientation), so the service module reads top-down and has no cycle."""

from celery import shared_task


@shared_task(name="core.outbox_deliver", ignore_result=True)
def outbox_deliver_task(message_id: int) -> str:
    from core import outbox  # noqa: PLC0415 -- leaf: the service imports this module at its top

    return outbox.outbox_deliver(message_id=message_id)


@shared_task(name="core.outbox_deliver_batch", ignore_result=True)
def outbox_deliver_batch_task(message_ids: list[int]) -> dict:
    from core import outbox  # noqa: PLC0415 -- leaf: the service imports this module at its top

    return outbox.outbox_deliver_batch(message_ids=message_ids)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep_task() -> int:
    from core import outbox  # noqa: PLC0415 -- leaf: the service imports this module at its top

    return outbox.outbox_sweep()
