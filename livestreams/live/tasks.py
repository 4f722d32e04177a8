"""Celery tasks of live tracking: take ids, re-read PostgreSQL, safe to run twice."""

from celery import shared_task
from django.db import transaction

from livestreams.live import counters
from livestreams.live.refresh import result_compute, results_refresh  # noqa: F401 -- defined beside their service
from livestreams.models import LiveCounterState, LiveSession


@shared_task(name="livestreams.live_counters_repair", ignore_result=True)
def live_counters_repair(limit: int = 20) -> int:
    """Rebuild counters marked dirty (Redis was down during a write), and live ones Redis lost."""
    with transaction.atomic():
        dirty = list(
            LiveCounterState.objects.select_for_update(skip_locked=True)
            .filter(dirty_since__isnull=False)
            .values_list("session_id", flat=True)[:limit]
        )
    live = LiveSession.objects.filter(status=LiveSession.Status.LIVE).values_list("pk", flat=True)[:200]
    done = 0
    for session_id in dirty:
        counters.rebuild(session_id)
        done += 1
    for session_id in live:
        done += counters.ensure_built(session_id)
    return done


def on_sessions_ended(session_ids) -> None:
    """Hook: a session ended (tick or organizer) → compute its result once the transaction commits."""
    for session_id in session_ids:
        result_compute.delay_on_commit(str(session_id))
