"""Late inputs after the end bring the stored result up to date: debounced, claimed once, by the worker."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from livestreams.live import credentials, refresh
from livestreams.models import LiveSession, ResultRefresh, SessionResult
from tests.fixtures_services import wait_for
from tests.livestreams.live_helpers import Bridge, at, ev, make_live_session


def _ended_with_result(union, organizer, **extra):
    session = make_live_session(union, minutes_ago=30, kind=LiveSession.Kind.SALES, **extra)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    bridge.post_events([ev("j1", "join", session, 5, viewer="m:a")])
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", ended_at=session.went_live_at + timedelta(minutes=20)
    )
    session.refresh_from_db()
    refresh.result_refresh_compute(session_id=session.pk)
    return session, bridge


def test_refresh_waits_for_debounce_and_claims_once(union, organizer, django_capture_on_commit_callbacks):
    session, bridge = _ended_with_result(union, organizer)
    now = timezone.now()
    assert refresh.results_refresh_due(now=now) == []  # nothing new
    assert (
        bridge.post_order(order_id="late-1", amount="25.00", buyer="b1", ts=at(session, 25 * 60)).status_code
        == 201
    )

    first = refresh.results_refresh_due(now=now + timedelta(seconds=1))
    early = refresh.results_refresh_due(now=now + timedelta(seconds=30))
    with django_capture_on_commit_callbacks() as queued:
        due = refresh.results_refresh_due(now=now + timedelta(seconds=62))
    again = refresh.results_refresh_due(now=now + timedelta(seconds=63))

    assert first == [] and early == []  # marked stale, still inside the debounce
    assert due == [session.pk] and len(queued) == 1  # one recompute enqueued on commit
    assert again == []  # already claimed
    assert ResultRefresh.objects.get(session=session).stale_since is not None


def test_results_page_says_when_computed_and_that_an_update_is_pending(union, organizer, client):
    session, bridge = _ended_with_result(union, organizer)
    client.force_login(organizer)
    fresh = client.get(f"/s/{session.pk}/results/").content.decode()
    bridge.post_order(order_id="late-1", amount="25.00", buyer="b1", ts=at(session, 25 * 60))
    refresh.results_refresh_due()

    pending = client.get(f"/s/{session.pk}/results/").content.decode()

    assert 'data-testid="computed-at"' in fresh and 'data-testid="refresh-pending"' not in fresh
    assert 'data-testid="refresh-pending"' in pending


@pytest.mark.slow
def test_replay_order_after_the_end_updates_result_through_the_worker(celery_worker, union, organizer):
    session, bridge = _ended_with_result(union, organizer)
    before = SessionResult.objects.get(session=session)
    assert before.gmv_net == Decimal("0")
    assert (
        bridge.post_order(
            order_id="replay-1", amount="88.00", buyer="b9", ts=at(session, 27 * 60)
        ).status_code
        == 201
    )

    now = timezone.now()
    refresh.results_refresh_due(now=now)  # beat: marks it stale
    refresh.results_refresh_due(now=now + refresh.DEBOUNCE + timedelta(seconds=1))  # beat: enqueues once

    result = wait_for(
        lambda: SessionResult.objects.filter(session=session, gmv_net=Decimal("88.00")).first(),
        timeout=30,
        message="the recomputed result",
    )
    assert result.computed_at > before.computed_at
    row = ResultRefresh.objects.get(session=session)
    assert row.stale_since is None and row.queued_at is None
    assert refresh.results_refresh_due(now=now + timedelta(minutes=10)) == []


def test_late_event_inside_the_grace_window_makes_the_result_stale(union, organizer):
    session, bridge = _ended_with_result(union, organizer)
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now() - timedelta(minutes=1))
    now = timezone.now()
    assert refresh.results_refresh_due(now=now) == []
    late = bridge.post_events([ev("late-join", "join", session, 19 * 60, viewer="m:late")])
    assert late.json()["accepted"] == 1

    refresh.results_refresh_due(now=now)
    due = refresh.results_refresh_due(now=now + refresh.DEBOUNCE + timedelta(seconds=1))

    assert due == [session.pk]
