"""Results at the edges found in acceptance runs: segment ends, replay orders, devices, series totals."""

from datetime import timedelta

from livestreams.live import credentials
from livestreams.models import LiveSession
from tests import factories
from tests.livestreams.live_helpers import Bridge, ev, live_stats, make_live_session


def _bridge(session, organizer):
    return Bridge(session, credentials.credential_issue(session=session, by=organizer))


def _end(session, seconds):
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", ended_at=session.went_live_at + timedelta(seconds=seconds)
    )
    session.refresh_from_db()


def _result(organizer_client, session):
    response = organizer_client.post(f"/api/v1/sessions/{session.pk}/results/compute/?wait=1")
    assert response.status_code == 200, response.content
    return response.json()


def test_segment_peak_counts_the_minute_it_ends_in_and_sub_minute_segments(
    union, organizer, organizer_client
):
    session = make_live_session(union, minutes_ago=20)
    # A [0 s, 90 s) ends inside minute 1; B [120 s, 150 s) is shorter than a minute (inside minute 2).
    factories.make_segment(session=session, title="A", length=timedelta(seconds=90))
    factories.make_segment(
        session=session, title="B", offset=timedelta(seconds=120), length=timedelta(seconds=30)
    )
    bridge = _bridge(session, organizer)
    body = bridge.post_events(
        [
            # x watches 65–80 s (minute 1, inside A); y watches 125–140 s (minute 2, inside B)
            ev("x-j", "join", session, 65, viewer="m:x"),
            ev("x-l", "leave", session, 80, viewer="m:x"),
            ev("y-j", "join", session, 125, viewer="m:y"),
            ev("y-l", "leave", session, 140, viewer="m:y"),
        ]
    ).json()
    assert body["accepted"] == 4
    _end(session, 600)

    data = _result(organizer_client, session)

    assert [row["concurrent"] for row in data["timeline"]][:4] == [0, 1, 1, 0]
    seg_a, seg_b = data["breakdowns"]["segments"]
    assert (seg_a["title"], seg_a["peak_concurrent"]) == ("A", 1)
    assert (seg_b["title"], seg_b["peak_concurrent"]) == ("B", 1)
    assert seg_b["average_concurrent"] == 1.0


def test_replay_order_after_the_end_stays_out_of_the_timeline(union, organizer, organizer_client):
    session = make_live_session(union, minutes_ago=30)
    bridge = _bridge(session, organizer)
    t0 = session.went_live_at
    live = bridge.post_order(
        order_id="L1", amount="10.00", buyer="u1", ts=(t0 + timedelta(seconds=300)).isoformat()
    )
    assert live.status_code == 201
    # Live for 9.5 minutes: the last timeline minute (9) is only half live.
    _end(session, 570)
    replay = bridge.post_order(
        order_id="R1", amount="20.00", buyer="u2", ts=(t0 + timedelta(seconds=585)).isoformat()
    )
    assert replay.status_code == 201 and replay.json()["order"]["channel"] == "replay"

    data = _result(organizer_client, session)
    stats = live_stats(organizer_client, session)

    timeline = data["timeline"]
    assert len(timeline) == 10
    assert [row["orders"] for row in timeline] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert timeline[9]["gmv_net"] == "0.00"
    assert data["breakdowns"]["channels"]["replay"]["orders"] == 1
    assert data["scorecard"]["orders"] == 2  # the totals keep both channels
    live_minutes = {row["minute"]: row["orders"] for row in stats["per_minute"]}
    assert live_minutes.get(5) == 1 and live_minutes.get(9, 0) == 0
    assert stats["orders"] == 2


def test_replay_order_stays_out_of_the_live_timeline_after_a_counter_rebuild(
    union, organizer, organizer_client
):
    from livestreams.live import counters

    session = make_live_session(union, minutes_ago=30)
    bridge = _bridge(session, organizer)
    _end(session, 570)
    bridge.post_order(
        order_id="R1",
        amount="20.00",
        buyer="u2",
        ts=(session.went_live_at + timedelta(seconds=585)).isoformat(),
    )

    counters.rebuild(session.pk)
    stats = live_stats(organizer_client, session)

    assert stats["orders"] == 1
    assert all(row["orders"] == 0 for row in stats["per_minute"])


def test_series_totals_count_only_sessions_with_results(union, organizer, organizer_client):
    series = factories.make_series(union=union)
    done = make_live_session(union, series=series, minutes_ago=30, title="第一场")
    running = make_live_session(union, series=series, minutes_ago=10, title="第二场")
    for session, viewers in ((done, ["m:a", "m:b"]), (running, ["m:c", "m:d", "m:e"])):
        bridge = _bridge(session, organizer)
        bridge.post_events([ev(f"{v}-j", "join", session, 1, viewer=v) for v in viewers])
        bridge.post_order(
            order_id=f"O-{session.pk}",
            amount="10.00",
            buyer=f"buyer-{session.title}",
            ts=(session.went_live_at + timedelta(seconds=30)).isoformat(),
        )
    _end(done, 300)
    _result(organizer_client, done)  # the running session has no stored result yet

    response = organizer_client.get(f"/api/v1/series/{series.pk}/results/")

    assert response.status_code == 200
    totals = response.json()["totals"]
    assert totals["sessions_with_results"] == 1
    assert (totals["views"], totals["unique_viewers"]) == (2, 2)
    assert (totals["orders"], totals["buyers"], totals["gmv_net"]) == (1, 1, "10.00")


def _member_on_two_devices(session):
    """Member 42 joins on a phone at 0 s, on a laptop at 30 s, leaves on the phone at 60 s; the laptop
    keeps sending heartbeats at 90 s and 150 s and leaves at 200 s. Present the whole time 0–200 s."""

    def on(device, event_id, kind, seconds):
        return ev(event_id, kind, session, seconds, viewer="m:42", device_id=device)

    return [
        on("phone", "p-j", "join", 0),
        on("laptop", "l-j", "join", 30),
        on("phone", "p-l", "leave", 60),
        on("laptop", "l-h1", "heartbeat", 90),
        on("laptop", "l-h2", "heartbeat", 150),
        on("laptop", "l-l", "leave", 200),
    ]


def test_member_on_two_devices_is_present_until_the_last_device_leaves(union, organizer, organizer_client):
    session = make_live_session(union, minutes_ago=20)
    bridge = _bridge(session, organizer)
    phone_then_laptop = _member_on_two_devices(session)
    # and a second viewer on one device only, 0–100 s
    solo = [ev("s-j", "join", session, 0, viewer="d:solo"), ev("s-l", "leave", session, 100, viewer="d:solo")]
    assert bridge.post_events(phone_then_laptop[:3] + solo[:1]).json()["accepted"] == 4

    # Live: after the phone's leave the laptop is still watching.
    assert live_stats(organizer_client, session)["current_viewers"] == 2
    from livestreams.live import counters

    counters.rebuild(session.pk)
    assert live_stats(organizer_client, session)["current_viewers"] == 2  # same after a rebuild

    assert bridge.post_events(phone_then_laptop[3:] + solo[1:]).json()["accepted"] == 4
    assert live_stats(organizer_client, session)["current_viewers"] == 0
    _end(session, 600)

    data = _result(organizer_client, session)

    card = data["scorecard"]
    assert card["total_watch_seconds"] == 200 + 100  # the member: the union of the devices, not 60 + 170
    assert (card["unique_viewers"], card["viewers_with_watch_time"], card["views"]) == (2, 2, 3)
    assert card["peak_concurrent"] == 2  # the member counts once, never twice
    assert [row["concurrent"] for row in data["timeline"]][:5] == [2, 2, 1, 1, 0]


def test_member_device_leave_arriving_late_does_not_end_the_other_device(union, organizer, organizer_client):
    session = make_live_session(union, minutes_ago=20)
    bridge = _bridge(session, organizer)
    events = _member_on_two_devices(session)
    # The bridge delivers out of order: the laptop's events first, then the phone's.
    laptop = [e for e in events if e["device_id"] == "laptop"][:3]
    phone = [e for e in events if e["device_id"] == "phone"]
    assert bridge.post_events(laptop).json()["accepted"] == 3
    assert bridge.post_events(phone).json()["accepted"] == 2

    assert live_stats(organizer_client, session)["current_viewers"] == 1
