"""Keep stored results up to date when late inputs arrive after the end — debounced, driven by beat.

Late events (the bridge may deliver up to ``ingest.GRACE_AFTER_END`` after the end), replay orders and
applications that come in after a result was computed make it stale. Nothing is done per event: every
``results_refresh`` run compares each recently ended session's inputs with what its result was computed
from (a few grouped queries for all sessions at once), marks it stale, and once it has been stale for
``DEBOUNCE`` claims it with a conditional UPDATE and enqueues one recompute. A trickle of replay orders
therefore costs one recompute per ``DEBOUNCE``, not one per order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from livestreams.live import aggregates, ingest, results
from livestreams.models import LiveEvent, LiveSession, Order, ResultRefresh, SessionResult

DEBOUNCE = timedelta(seconds=60)
REQUEUE_AFTER = timedelta(minutes=5)  # a claimed recompute that never ran (worker lost) is queued again
WINDOW = timedelta(days=30)  # how long after the end replay orders and applications are followed
EVENT_WINDOW = ingest.GRACE_AFTER_END + timedelta(minutes=5)


def _event_max(session_id) -> int:
    return LiveEvent.objects.filter(session_id=session_id).aggregate(m=Max("id"))["m"] or 0


def result_refresh_compute(*, session_id) -> SessionResult:
    """Compute a session's result and record what it was computed from."""
    # Taken before the computation: input arriving while it runs makes the result stale again (at worst
    # one extra recompute, never a missed one).
    started = timezone.now()
    watermark = _event_max(session_id)
    aggregates.aggregates_fold(session_id=session_id, start_over=False)
    # The result and the record of what it was computed from commit together: nobody sees the new
    # result with the old "stale" mark.
    with transaction.atomic():
        result = results.result_compute(session_id=session_id, fold=False)
        ResultRefresh.objects.update_or_create(
            session_id=session_id,
            defaults={
                "event_id_max": watermark,
                "computed_at": started,
                "stale_since": None,
                "queued_at": None,
            },
        )
    return result


def _latest_inputs(ids: list, recent_ids: list, since: datetime) -> tuple[dict, dict, dict]:
    events = dict(
        LiveEvent.objects.filter(session_id__in=recent_ids)
        .values("session_id")
        .annotate(m=Max("id"))
        .values_list("session_id", "m")
    )
    orders = dict(
        Order.objects.filter(session_id__in=ids, updated_at__gt=since)
        .values("session_id")
        .annotate(m=Max("updated_at"))
        .values_list("session_id", "m")
    )
    applications: dict = {}
    model = results.application_model()
    if model is not None:
        applications = dict(
            model.objects.filter(session_id__in=ids, created_at__gt=since)
            .values("session_id")
            .annotate(m=Max("created_at"))
            .values_list("session_id", "m")
        )
    return events, orders, applications


def results_refresh_due(*, now: datetime | None = None, limit: int = 2000) -> list:
    """Mark results with newer inputs stale; enqueue a recompute for those stale longer than DEBOUNCE.

    Returns the session ids enqueued.
    """
    now = now or timezone.now()
    sessions = list(
        LiveSession.objects.filter(
            status=LiveSession.Status.ENDED, ended_at__gte=now - WINDOW, result__isnull=False
        )
        .values_list("pk", "ended_at", "result__computed_at")
        .order_by("-ended_at")[:limit]
    )
    if not sessions:
        return []
    ids = [pk for pk, _, _ in sessions]
    rows = {r.session_id: r for r in ResultRefresh.objects.filter(session_id__in=ids)}
    for pk, ended_at, computed_at in sessions:
        if pk not in rows:  # computed before this module existed: start following it from now
            closed = computed_at >= ended_at + ingest.GRACE_AFTER_END
            rows[pk] = ResultRefresh.objects.create(
                session_id=pk, event_id_max=_event_max(pk) if closed else 0, computed_at=computed_at
            )
    since = min(r.computed_at or now for r in rows.values())
    recent = [pk for pk, ended_at, _ in sessions if ended_at >= now - EVENT_WINDOW]
    events, orders, applications = _latest_inputs(ids, recent, since)
    enqueued = []
    for pk in ids:
        row = rows[pk]
        base = row.computed_at or now
        stale = (
            events.get(pk, 0) > row.event_id_max
            or (orders.get(pk) is not None and orders[pk] > base)
            or (applications.get(pk) is not None and applications[pk] > base)
        )
        if not stale:
            continue
        if row.stale_since is None:
            ResultRefresh.objects.filter(session_id=pk, stale_since__isnull=True).update(stale_since=now)
            continue
        if row.stale_since > now - DEBOUNCE:
            continue
        unclaimed = Q(queued_at__isnull=True) | Q(queued_at__lte=now - REQUEUE_AFTER)
        with transaction.atomic():
            claimed = ResultRefresh.objects.filter(
                unclaimed, session_id=pk, stale_since=row.stale_since
            ).update(queued_at=now)
            if claimed:
                result_compute.delay_on_commit(str(pk))
                enqueued.append(pk)
    return enqueued


def result_freshness(session: LiveSession) -> dict:
    """For the results page: when the stored result was computed and whether newer inputs wait."""
    row = ResultRefresh.objects.filter(session=session).first()
    return {
        "stale_since": row.stale_since if row else None,
        "debounce_seconds": int(DEBOUNCE.total_seconds()),
    }


# Tasks live beside the service they call (as core/outbox.py does), so the service can enqueue them
# without an import cycle; livestreams/live/tasks.py re-exports them for autodiscovery.
@shared_task(
    name="livestreams.result_compute", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True
)
def result_compute(session_id: str) -> None:
    if LiveSession.objects.filter(pk=session_id).exists():
        result_refresh_compute(session_id=session_id)


@shared_task(name="livestreams.results_refresh", ignore_result=True)
def results_refresh() -> int:
    """Beat: bring results up to date after late events, replay orders and applications (debounced)."""
    return len(results_refresh_due())
