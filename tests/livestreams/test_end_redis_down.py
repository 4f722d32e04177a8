"""Ending a session never depends on Redis: the end is stored and answered; the result follows."""

import pytest

from livestreams.models import LiveSession
from tests.jobs.test_apply_redis_down import redis_stopped
from tests.livestreams.live_helpers import make_live_session

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_end_session_while_redis_is_down(union, organizer_client):
    session = make_live_session(union)
    with redis_stopped():
        response = organizer_client.post(f"/api/v1/sessions/{session.pk}/end/", {}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert LiveSession.objects.get(pk=session.pk).status == "ended"

    # The result task could not be queued; the beat's sweep computes it.
    from livestreams.live.tasks import results_missing_sweep

    assert results_missing_sweep.run() == 1
    assert LiveSession.objects.get(pk=session.pk).result.live_seconds > 0
