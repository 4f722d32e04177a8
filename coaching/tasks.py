from celery import shared_task

from coaching import services


@shared_task(name="coaching.tick", ignore_result=True)
def tick() -> dict:
    """Offers/expiries/promotions, automatic no-shows, 24 h / 1 h reminders. Every step claims its rows."""
    return services.coaching_tick()
