"""Notifications go through the outbox to a real Celery worker and a loopback SMTP server;
the coaching tick claims reminders exactly once even when two ticks race."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from coaching import services
from coaching.models import Booking, Slot
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.fixtures_services import wait_for


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_booking_confirmation_email_is_delivered_by_the_worker(celery_worker, smtp_server, union, client_for):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, title="第 2 课：直播话术")
    trainee = cf.make_trainee(username="meimei")

    response = client_for(trainee.user).post(f"/api/v1/coaching/slots/{slot.pk}/book/", {}, format="json")

    assert response.status_code == 201
    # Two emails: the confirmation notice and the calendar invite (REQUEST with the booking's UID).
    messages = wait_for(
        lambda: len(smtp_server.to("meimei@example.com")) >= 2 and smtp_server.to("meimei@example.com"),
        message="confirmation and invite emails",
    )
    by_kind = {
        "invite" if "日程邀请" in m["message"]["Subject"] else "notice": m["message"] for m in messages
    }
    notice = by_kind["notice"]
    assert "预约成功" in notice["Subject"] and "第 2 课：直播话术" in notice["Subject"]
    assert "/coaching/me/" in notice.get_body(("plain",)).get_content()
    booking_uid = Booking.objects.get(trainee=trainee).ical_uid
    calendar = next(part for part in by_kind["invite"].walk() if part.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in calendar.get_content() and booking_uid in calendar.get_content()
    assert wait_for(
        lambda: OutboxMessage.objects.filter(key__startswith="coaching:confirmed:", status="sent").exists()
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_racing_ticks_send_each_reminder_once(union):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=2))
    for t in cf.make_trainees(5):
        services.booking_create(slot=slot, trainee=t)
    barrier = threading.Barrier(2)
    results = []

    def tick():
        try:
            barrier.wait()
            results.append(services.reminders_send_due(now=slot.starts_at - timedelta(hours=23)))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r["reminder_24h"] for r in results) == 5
    assert OutboxMessage.objects.filter(key__startswith="coaching:reminder_24h:").count() == 5
    with time_machine.travel(slot.starts_at - timedelta(minutes=50)):
        assert services.coaching_tick()["reminders"] == {"reminder_24h": 0, "reminder_1h": 5}
    slot.refresh_from_db()
    assert slot.reminder_1h_for == slot.starts_at and Slot.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_tick_task_on_the_worker_expires_offers_and_promotes_next(celery_worker, union):
    from coaching.models import Booking
    from coaching.tasks import tick

    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    holder, first, second = cf.make_trainees(3)
    held = services.booking_create(slot=slot, trainee=holder)
    offered = services.booking_create(slot=slot, trainee=first)
    waiting = services.booking_create(slot=slot, trainee=second)
    services.booking_cancel(booking=held, by=holder.user)
    Booking.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))

    tick.delay()

    wait_for(lambda: Booking.objects.get(pk=waiting.pk).status == "offered", message="next trainee offered")
    assert Booking.objects.get(pk=offered.pk).status == "expired"
    assert cf.seat_invariant(slot) == (1, 1)
