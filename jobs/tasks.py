from celery import shared_task

from jobs import services


@shared_task(name="jobs.tick", ignore_result=True)
def tick() -> dict:
    """Beat: close postings past closes_at; send employer digests for finished periods. Safe to race."""
    closed = services.postings_close_due()
    digests = services.digests_send_due()
    return {"closed": closed, "digests": digests}
