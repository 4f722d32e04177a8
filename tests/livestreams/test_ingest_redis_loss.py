"""Redis is derived state: killing it mid-session loses nothing, and counters come back rebuilt."""

import json
import random
from datetime import timedelta

import pytest

from config import embedded
from jobs import services as job_services
from jobs.models import Application
from livestreams.live import counters, credentials
from livestreams.models import LiveCounterState, LiveEvent, LiveSession, Order
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


def _redis_state(session_id) -> dict:
    r = counters.client()
    p = counters.prefix(session_id)
    # Left out: when the counters were built, and concurrency (peak, "<minute>:x"), which is sampled at
    # the end of each batch and so depends on how the events were cut into batches.
    c = {k: v for k, v in r.hgetall(p + "c").items() if k not in (b"built", b"peak")}
    return {
        "c": c,
        "m": {k: v for k, v in r.hgetall(p + "m").items() if not k.endswith(b":x")},
        "lv": r.hgetall(p + "lv"),
        "dv": {k: json.loads(v) for k, v in r.hgetall(p + "dv").items()},
        "pz": r.zrange(p + "pz", 0, -1, withscores=True),
        "uv": r.pfcount(p + "uv"),
        "cm": r.pfcount(p + "cm"),
    }


@pytest.mark.django_db
def test_one_batch_leaves_the_counters_exactly_as_the_same_events_one_by_one(union, organizer):
    # The script sums counts per batch and replays only presence in order: every key must end as if
    # each event had been applied on its own, also for members on two devices and events out of order.
    rng = random.Random(16)
    batched = make_live_session(union)
    single = make_live_session(union)
    LiveSession.objects.filter(pk=single.pk).update(went_live_at=batched.went_live_at)
    single.refresh_from_db()
    events = []
    for i in range(160):
        member = f"v{rng.randrange(7)}"
        viewer = f"m:{member}" if rng.random() < 0.8 else f"d:dev{rng.randrange(3)}"
        kind = rng.choice(["join", "heartbeat", "heartbeat", "leave", "comment", "like", "share"])
        extra = {"text": "还招人吗？", "question": rng.random() < 0.4} if kind == "comment" else {}
        if viewer.startswith("m:") and rng.random() < 0.5:
            extra["device_id"] = rng.choice(["phone", "laptop"])
        events.append(ev(f"e{i}", kind, batched, rng.randrange(0, 900), viewer=viewer, **extra))
    one_batch = Bridge(batched, credentials.credential_issue(session=batched, by=organizer))
    one_by_one = Bridge(single, credentials.credential_issue(session=single, by=organizer))

    assert one_batch.post_events(events[:5]).json()["accepted"] == 5  # builds the counters
    assert one_batch.post_events(events[5:]).json()["accepted"] == 155
    for event in events:
        assert one_by_one.post_events([event]).json()["accepted"] == 1

    assert _redis_state(batched.pk) == _redis_state(single.pk)
    assert _redis_state(batched.pk)["dv"], "the mix should leave a member on a device"


@pytest.mark.django_db
def test_presence_read_and_written_back_between_batches(union, organizer):
    # Each batch reads the presence state of its viewers and writes it back once: what one batch learnt
    # (a leave, a device gone) must hold for the next.
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    r = counters.client()
    p = counters.prefix(session.pk)

    def post(*events):
        assert bridge.post_events(list(events)).json()["accepted"] == len(events)

    post(ev("z0", "like", session, 5, viewer="m:z"))  # builds the counters (a rebuild reads PostgreSQL)
    post(ev("a1", "join", session, 10, viewer="m:a"), ev("a2", "leave", session, 100, viewer="m:a"))
    post(ev("a3", "heartbeat", session, 90, viewer="m:a"))  # late: before the leave already stored
    assert r.hget(p + "lv", "m:a") is not None
    assert counters.read(session.pk)["current_viewers"] == 0

    post(ev("b1", "join", session, 110, viewer="m:b", device_id="phone"))
    post(ev("b2", "leave", session, 120, viewer="m:b", device_id="phone"))
    assert r.hget(p + "dv", "m:b") is None  # no device left
    post(ev("b3", "leave", session, 130, viewer="m:b"))
    assert counters.read(session.pk)["current_viewers"] == 0


@pytest.mark.django_db
def test_a_batch_of_heartbeats_samples_concurrency_in_its_own_minute(union, organizer):
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    assert bridge.post_events([ev("z0", "like", session, 5, viewer="m:z")]).json()["accepted"] == 1

    heartbeats = [ev(f"h{i}", "heartbeat", session, 330 + i, viewer=f"m:h{i}") for i in range(3)]
    assert bridge.post_events(heartbeats).json()["accepted"] == 3

    minutes = counters.client().hgetall(counters.prefix(session.pk) + "m")
    assert minutes[b"5:x"] == b"3"  # 330 s after going live: minute 5
