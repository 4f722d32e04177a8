from celery import shared_task

from core import outbox


@shared_task(name="core.outbox_deliver", ignore_result=True)
def outbox_deliver_task(message_id: int) -> str:
    return outbox.outbox_deliver(message_id=message_id)


@shared_task(name="core.outbox_deliver_batch", ignore_result=True)
def outbox_deliver_batch_task(message_ids: list[int]) -> dict:
    return outbox.outbox_deliver_batch(message_ids=message_ids)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep_task() -> int:
    return outbox.outbox_sweep()
