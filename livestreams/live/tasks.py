"""Celery tasks of live tracking: take ids, re-read PostgreSQL, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core.dispatch import enqueue_on_commit
from livestreams.live import aggregates, counters, ingest, results
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
    """Hook: a session ended (tick or organizer) → compute its result once the transaction commits.

    A broker outage must not fail the end itself (it is committed): the publish is logged and
    ``results_missing_sweep`` computes any ended session still without a result."""
    for session_id in session_ids:
        enqueue_on_commit(result_compute, str(session_id))


@shared_task(name="livestreams.results_missing_sweep", ignore_result=True)
def results_missing_sweep(limit: int = 5) -> int:
    """Results of sessions that ended in the last day but have none (the enqueue was lost)."""
    since = timezone.now() - timedelta(days=1)
    ids = list(
        LiveSession.objects.filter(status=LiveSession.Status.ENDED, ended_at__gte=since, result__isnull=True)
        .order_by("ended_at")
        .values_list("pk", flat=True)[:limit]
    )
    for session_id in ids:
        results.result_compute(session_id=session_id)
    return len(ids)


@shared_task(name="livestreams.live_aggregates_fold", ignore_result=True)
def live_aggregates_fold(limit: int = 200) -> int:
    """Fold the new events of live sessions (and of those still inside the late-event window) into
    their aggregates, so the final result reads aggregates rather than every raw event."""
    since = timezone.now() - ingest.GRACE_AFTER_END - timedelta(minutes=5)
    ids = list(
        LiveSession.objects.filter(status=LiveSession.Status.LIVE).values_list("pk", flat=True)[:limit]
    ) + list(
        LiveSession.objects.filter(status=LiveSession.Status.ENDED, ended_at__gte=since).values_list(
            "pk", flat=True
        )[:limit]
    )
    return sum(aggregates.aggregates_fold(session_id=pk) for pk in ids)
