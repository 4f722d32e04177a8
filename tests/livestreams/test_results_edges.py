"""Results at the edges found in acceptance runs: segment ends, replay orders, devices, series totals."""

from datetime import timedelta

from livestreams.live import credentials
from livestreams.models import LiveSession
from tests import factories
from tests.livestreams.live_helpers import Bridge, ev, make_live_session


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
