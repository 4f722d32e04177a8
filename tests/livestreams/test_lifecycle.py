"""The schedule lives in the database; beat's tick claims due transitions and reminders exactly once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from core.models import Activity, OutboxMessage
from core.outbox import outbox_deliver, outbox_sweep
from livestreams import services, tasks
from livestreams.models import LiveSession
from tests import factories
from tests.fixtures_services import wait_for


def _activities(session, verb):
    return Activity.objects.filter(object_id=str(session.pk), verb=verb).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_session_goes_live_and_ends_by_itself(celery_worker, celery_beat, organizer, host):
    from django.core.cache import cache

    # Beat is a subprocess that needs a few seconds to boot; start the clock once it ticks.
    wait_for(lambda: cache.get(tasks.HEARTBEAT_KEY), timeout=30, message="the first beat tick")
    session = factories.make_session(
        union=organizer.union, hosts=[host], starts_in=timedelta(seconds=3), duration=timedelta(seconds=3)
    )
    session = services.session_schedule(session=session, by=organizer)

    wait_for(
        lambda: LiveSession.objects.get(pk=session.pk).status == "ended",
        timeout=40,
        message="the session to go live and end through worker + beat",
    )

    session.refresh_from_db()
    assert session.starts_at <= session.went_live_at < session.starts_at + timedelta(seconds=10)
    assert session.ends_at <= session.ended_at < session.ends_at + timedelta(seconds=10)
    assert _activities(session, "session.live") == 1
    assert _activities(session, "session.ended") == 1


def _naive_claim_due(*, now) -> list:
    """The claim without row locks or the status condition: what the tick must not be. It exists here,
    not in production code, to prove the race test can fail."""
    with transaction.atomic():
        ids = list(
            LiveSession.objects.filter(status="scheduled", starts_at__lte=now).values_list("pk", flat=True)[
                :10
            ]
        )
        LiveSession.objects.filter(pk__in=ids).update(status="live", went_live_at=timezone.now())
        Activity.objects.bulk_create(
            Activity(verb="session.live", object_type="livestreams.livesession", object_id=str(pk))
            for pk in ids
        )
    return ids


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("naive, expected_transitions", [(False, 1), (True, 2)], ids=["tick", "naive-claim"])
def test_two_racing_ticks_transition_once(organizer, naive, expected_transitions):
    """Tick A holds its claim open while tick B runs. With the tick's row lock B finds nothing to do;
    a naive claim (the variant that proves the test can fail) transitions the same session again."""
    session = factories.make_session(
        union=organizer.union, status="scheduled", starts_in=timedelta(seconds=-1)
    )
    a_claimed, b_done = threading.Event(), threading.Event()
    results = {}

    def claim():
        if naive:
            return _naive_claim_due(now=timezone.now())
        return services.sessions_start_due(now=timezone.now(), limit=10)

    def tick_a():
        with transaction.atomic():
            results["a"] = claim()
            a_claimed.set()
            b_done.wait(10)
        connection.close()

    def tick_b():
        a_claimed.wait(10)
        results["b"] = claim()
        b_done.set()
        connection.close()

    threads = [threading.Thread(target=tick_a), threading.Thread(target=tick_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert results["a"] == [session.pk]
    assert results["b"] == ([session.pk] if naive else [])
    assert _activities(session, "session.live") == expected_transitions


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_send_one_reminder(organizer, host):
    session = factories.make_session(
        union=organizer.union, status="scheduled", hosts=[host], starts_in=timedelta(minutes=30)
    )
    barrier = threading.Barrier(4)

    def run_tick():
        barrier.wait(5)
        tasks.tick()
        connection.close()

    threads = [threading.Thread(target=run_tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    reminders = OutboxMessage.objects.filter(key__startswith=f"reminder:1h:{session.pk}")
    assert [m.recipient for m in reminders] == ["host@example.com"]
    assert "直播提醒" in reminders[0].subject


@pytest.mark.django_db
def test_tick_delivered_twice_changes_nothing_the_second_time(organizer):
    session = factories.make_session(
        union=organizer.union, status="scheduled", starts_in=timedelta(seconds=-5)
    )
    first = tasks.tick()
    went_live_at = LiveSession.objects.get(pk=session.pk).went_live_at
    second = tasks.tick()

    assert first["live"] == 1 and second["live"] == 0
    session.refresh_from_db()
    assert session.status == "live"
    assert session.went_live_at == went_live_at
    assert _activities(session, "session.live") == 1


@pytest.mark.django_db
def test_manual_go_live_twice_is_a_conflict(organizer_client, union):
    session = factories.make_session(union=union, status="scheduled")
    assert (
        organizer_client.post(f"/api/v1/sessions/{session.pk}/go-live/", {}, format="json").status_code == 200
    )
    again = organizer_client.post(f"/api/v1/sessions/{session.pk}/go-live/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["fields"]["status"] == ["场次当前为“直播中”，不能这样操作。"]
    end = organizer_client.post(f"/api/v1/sessions/{session.pk}/end/", {}, format="json")
    assert end.json()["status"] == "ended"


@pytest.mark.django_db
def test_reschedule_moves_the_transition_and_raises_sequence(organizer):
    session = factories.make_session(union=organizer.union, starts_in=timedelta(hours=2))
    session = services.session_schedule(session=session, by=organizer)
    assert session.ical_sequence == 0
    old_start = session.starts_at
    new_start = old_start + timedelta(hours=3)
    session = services.session_update(
        session=session, by=organizer, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
    )
    assert session.ical_sequence == 1

    with time_machine.travel(old_start + timedelta(seconds=1)):
        assert tasks.tick()["live"] == 0
    with time_machine.travel(new_start + timedelta(seconds=1)):
        assert tasks.tick()["live"] == 1
    assert LiveSession.objects.get(pk=session.pk).status == "live"


@pytest.mark.django_db
def test_cancel_stops_transitions_and_reminders(organizer, host):
    session = factories.make_session(union=organizer.union, hosts=[host], starts_in=timedelta(hours=3))
    services.session_schedule(session=session, by=organizer)
    services.session_cancel(session=session, by=organizer, reason="暴雨预警")

    with time_machine.travel(session.starts_at - timedelta(minutes=30)):
        tasks.tick()
    with time_machine.travel(session.starts_at + timedelta(minutes=1)):
        assert tasks.tick()["live"] == 0
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "暴雨预警"
    assert not OutboxMessage.objects.filter(
        key__startswith="reminder:", key__contains=str(session.pk)
    ).exists()


@pytest.mark.django_db
def test_missed_ticks_catch_up_with_both_reminders_once_each(organizer, host):
    session = factories.make_session(union=organizer.union, hosts=[host], starts_in=timedelta(days=3))
    services.session_schedule(session=session, by=organizer)

    # No tick ran for a day: the first tick inside the 24 h window still sends the 24 h reminder.
    with time_machine.travel(session.starts_at - timedelta(hours=5)):
        assert tasks.tick()["reminders"] == {"24h": 1, "1h": 0}
        assert tasks.tick()["reminders"] == {"24h": 0, "1h": 0}
    with time_machine.travel(session.starts_at - timedelta(minutes=10)):
        assert tasks.tick()["reminders"] == {"24h": 0, "1h": 1}
    keys = sorted(OutboxMessage.objects.filter(key__startswith="reminder:").values_list("key", flat=True))
    assert [k.split(":")[1] for k in keys] == ["1h", "24h"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_reminder_retries_after_smtp_failure_and_sends_once(smtp_server, organizer, host):
    session = factories.make_session(
        union=organizer.union, hosts=[host], status="scheduled", starts_in=timedelta(minutes=40)
    )
    smtp_server.stop()
    tasks.tick()
    message = OutboxMessage.objects.get(key__startswith=f"reminder:1h:{session.pk}")
    assert outbox_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error

    smtp_server.start()
    assert outbox_deliver(message_id=message.pk) == "skipped"  # backoff not elapsed yet
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        outbox_sweep()  # the sweep dispatches due rows; deliver directly too, as a racing worker would
        outbox_deliver(message_id=message.pk)
        outbox_deliver(message_id=message.pk)
    wait_for(
        lambda: OutboxMessage.objects.get(pk=message.pk).status == "sent",
        timeout=10,
        message="outbox row to be sent",
    )
    received = smtp_server.to("host@example.com")
    assert len(received) == 1
    assert session.title in received[0]["message"]["Subject"]
