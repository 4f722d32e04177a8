"""Redis is derived state: killing it mid-session loses nothing, and counters come back rebuilt."""

from datetime import timedelta

import pytest

from config import embedded
from jobs import services as job_services
from jobs.models import Application
from livestreams.live import counters, credentials
from livestreams.models import LiveCounterState, LiveEvent, Order
from tests.jobs.conftest import HUAWEI, feature, make_employer, make_posting
from tests.livestreams.live_helpers import Bridge, ev, live_stats, make_live_session


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_redis_killed_and_restarted_mid_session(union, organizer, organizer_client):
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    ts = (session.went_live_at + timedelta(minutes=1)).isoformat()
    before = bridge.post_events([ev(f"a{i}", "join", session, 10 + i, viewer=f"m:v{i}") for i in range(5)])
    assert before.json()["counters"] == "ok"
    assert bridge.post_order(order_id="O1", amount="10.00", buyer="b1", ts=ts).status_code == 201

    posting = make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="e1"))
    feature(session, posting)

    embedded.stop_redis(force=True)
    try:
        during = bridge.post_events(
            [ev(f"b{i}", "join", session, 20 + i, viewer=f"m:w{i}") for i in range(3)]
        )
        order_during = bridge.post_order(order_id="O2", amount="20.50", buyer="b2", ts=ts)
        application, created = job_services.application_submit(
            posting=posting, name="张三", phone="13800000001", session=session
        )
        stats_during = organizer_client.get(f"/api/v1/sessions/{session.pk}/live/")
    finally:
        embedded.start_redis()

    assert during.status_code == 200
    assert during.json()["accepted"] == 3 and during.json()["counters"] == "degraded"
    assert order_during.status_code == 201
    assert stats_during.status_code == 200 and stats_during.json()["counters"] == "degraded"
    assert LiveCounterState.objects.get(session=session).dirty_since is not None
    assert LiveEvent.objects.filter(session=session).count() == 8
    assert Order.objects.filter(session=session).count() == 2
    assert created and Application.objects.filter(session=session).count() == 1

    after = bridge.post_events([ev("c0", "comment", session, 30, viewer="m:v0", text="回来了")])
    stats = live_stats(organizer_client, session)

    assert after.json()["counters"] == "ok"
    assert stats["views"] == 8 and stats["unique_viewers"] == 8
    assert stats["comments"] == 1
    assert stats["orders"] == 2 and stats["gmv"] == "30.50"
    assert stats["applications"] == 1
    assert LiveCounterState.objects.get(session=session).dirty_since is None


@pytest.mark.django_db(transaction=True)
def test_rebuild_matches_incremental_counters(union, organizer):
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    events = []
    for i in range(40):
        viewer = f"m:v{i % 8}"
        kind = ["join", "heartbeat", "comment", "leave", "like"][i % 5]
        extra = {"text": "hi", "question": i % 3 == 0} if kind == "comment" else {}
        events.append(ev(f"e{i}", kind, session, 5 + i * 7, viewer=viewer, **extra))
    bridge.post_events(events[:20])
    bridge.post_events(events[20:])
    incremental = counters.read(session.pk)

    counters.rebuild(session.pk)
    rebuilt = counters.read(session.pk)

    for key in ("views", "unique_viewers", "comments", "questions", "likes", "current_viewers", "commenters"):
        assert rebuilt[key] == incremental[key], key
