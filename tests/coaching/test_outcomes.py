"""Trainee progress and per-program / per-coach roll-ups, including the first own livestream."""

from datetime import timedelta
from decimal import Decimal

import pytest

from coaching.models import Booking
from livestreams import services as ls
from livestreams.live import credentials, results
from livestreams.models import LiveSession, Product
from tests.coaching import factories as cf
from tests.factories import make_segment, make_session
from tests.livestreams.live_helpers import Bridge, ev, make_live_session

pytestmark = pytest.mark.django_db
API = "/api/v1/coaching"


@pytest.fixture
def course(union, organizer, coach, learner, other_learner):
    """Two past classes; learner attends both and then sells live; other_learner misses one."""
    program = cf.make_program(union=union, organizer=organizer, completion_classes=2)
    classes = [
        cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=-d), title=f"第 {3 - d} 课")
        for d in (2, 1)
    ]
    for slot in classes:
        Booking.objects.create(slot=slot, trainee=learner, status="confirmed", attendance="present")
    Booking.objects.create(slot=classes[0], trainee=other_learner, status="confirmed", attendance="present")
    Booking.objects.create(slot=classes[1], trainee=other_learner, status="confirmed", attendance="no_show")
    stream = make_session(
        union=union,
        kind=LiveSession.Kind.SALES,
        status=LiveSession.Status.ENDED,
        starts_in=timedelta(days=-0.5),
    )
    make_segment(session=stream, seller=learner.user, title="李梅首播")
    return program


def test_trainee_progress_shows_classes_completion_and_first_stream(client_for, course, learner):
    body = client_for(learner.user).get(f"{API}/progress/me/").json()

    assert (body["booked"], body["attended"], body["no_show"]) == (2, 2, 0)
    assert body["programs"] == [
        {"id": str(course.pk), "title": course.title, "attended": 2, "required": 2, "completed": True}
    ]
    first = body["first_livestream"]
    assert first["went_live"] is True and first["status"] == "ended"
    assert first["viewers"] is None and first["orders"] is None and first["gmv"] is None


def test_program_and_coach_rollups(organizer_client, client_for, course, coach, other_organizer_client):
    stats = organizer_client.get(f"{API}/programs/{course.pk}/stats/").json()

    assert stats["attendance"] == {"present": 3, "marked": 4, "rate": 0.75}
    assert stats["completion"] == {"completed": 1, "enrolled": 2, "rate": 0.5}
    assert stats["graduates_live_30d"] == {"went_live": 1, "graduates": 1, "rate": 1.0}
    coach_stats = client_for(coach.user).get(f"{API}/coaches/{coach.pk}/stats/").json()
    assert coach_stats["attendance"]["rate"] == 0.75 and coach_stats["completion"]["completed"] == 1
    assert other_organizer_client.get(f"{API}/programs/{course.pk}/stats/").status_code == 404


def test_trainee_progress_scoping(
    client_for, organizer_client, other_organizer_client, course, learner, other_learner
):
    url = f"{API}/trainees/{learner.pk}/progress/"
    assert organizer_client.get(url).json()["attended"] == 2
    assert other_organizer_client.get(url).status_code == 404
    assert client_for(other_learner.user).get(url).status_code == 404


def test_program_stats_page_for_organizers_only(client, course, organizer, other_organizer, learner):
    client.force_login(organizer)
    page = client.get(f"/coaching/p/{course.pk}/stats/").content.decode()
    assert "3/4" in page and "1/2" in page and "1/1" in page
    assert learner.user.display_name in page
    client.force_login(other_organizer)
    assert client.get(f"/coaching/p/{course.pk}/stats/").status_code == 404


def test_first_stream_figures_come_from_the_sessions_results(client_for, union, organizer, learner):
    """The trainee's first selling stream, fed through the real ingest API, then scored by results."""
    stream = make_live_session(union, minutes_ago=30, kind=LiveSession.Kind.SALES)
    make_segment(session=stream, title="李梅首播：高山茶", length=timedelta(minutes=20), seller=learner.user)
    Product.objects.create(union=union, seller=learner.user, name="高山云雾茶", sku="TEA-LM", price="39.90")
    bridge = Bridge(stream, credentials.credential_issue(session=stream, by=organizer))
    joins = [ev(f"j{i}", "join", stream, 60 + i, viewer=f"m:v{i}") for i in range(3)]
    assert bridge.post_events(joins).json()["accepted"] == 3
    t = stream.went_live_at
    for order_id, amount in (("LM-1", "79.80"), ("LM-2", "39.90")):
        response = bridge.post_order(
            order_id=order_id,
            sku="TEA-LM",
            quantity=1,
            amount=amount,
            buyer=order_id,
            ts=(t + timedelta(minutes=5)).isoformat(),
        )
        assert response.status_code == 201, response.content
    ls.session_end(session=stream)
    results.result_compute(session_id=stream.pk)

    first = client_for(learner.user).get(f"{API}/progress/me/").json()["first_livestream"]

    assert first["session_id"] == str(stream.pk) and first["went_live"] is True
    assert (first["viewers"], first["orders"], Decimal(first["gmv"])) == (3, 2, Decimal("119.70"))
