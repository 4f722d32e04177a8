import time

from celery import shared_task
from django.core.cache import cache

from livestreams import services

HEARTBEAT_KEY = "heartbeat:tick"


@shared_task(name="livestreams.tick", ignore_result=True)
def tick() -> dict:
    """Run by beat every few seconds. Every step claims its rows, so racing ticks are harmless."""
    started = services.sessions_start_due()
    ended = services.sessions_end_due()
    reminders = services.reminders_send_due()
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
    return {"live": len(started), "ended": len(ended), "reminders": reminders}
