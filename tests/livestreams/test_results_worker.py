"""The result is computed by a real Celery worker when a session ends."""

import pytest

from livestreams.live import credentials
from livestreams.models import SessionResult
from tests.fixtures_services import wait_for
from tests.livestreams.live_helpers import Bridge, ev, make_live_session


@pytest.mark.slow
def test_ending_a_session_computes_its_result_in_the_worker(
    celery_worker, union, organizer, organizer_client
):
    session = make_live_session(union, minutes_ago=10)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    bridge.post_events(
        [ev("j1", "join", session, 5, viewer="m:a"), ev("j2", "join", session, 9, viewer="m:b")]
    )

    ended = organizer_client.post(f"/api/v1/sessions/{session.pk}/end/")

    assert ended.status_code == 200
    result = wait_for(
        lambda: SessionResult.objects.filter(session=session).first(),
        timeout=30,
        message="the session result",
    )
    assert result.unique_viewers == 2 and result.views == 2
    assert result.scorecard["live_seconds"] >= 590
