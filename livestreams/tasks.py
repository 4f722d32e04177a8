from celery import shared_task

from core.health import HEARTBEAT_KEY, heartbeat_touch  # noqa: F401 -- HEARTBEAT_KEY: old import path
from livestreams import services


@shared_task(name="livestreams.tick", ignore_result=True)
def tick() -> dict:
    """Run by beat every few seconds. Every step claims its rows, so racing ticks are harmless."""
    started = services.sessions_start_due()
    ended = services.sessions_end_due()
    reminders = services.reminders_send_due()
    heartbeat_touch()
    return {"live": len(started), "ended": len(ended), "reminders": reminders}
