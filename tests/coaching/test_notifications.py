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
from core import sms
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.fixtures_services import wait_for


def _calendar_parts(message) -> list[str]:
    return [part.get_content() for part in message.walk() if part.get_content_type() == "text/calendar"]


def _settled():
    """Nothing left for the worker (the invite handler writes the invite emails it sends)."""
    return not OutboxMessage.objects.filter(status__in=["pending", "sending"]).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_email_per_booking_change_carries_the_notice_and_the_invite(
    celery_worker, smtp_server, union, client_for, organizer
):
    """Confirmed, moved, class rescheduled, cancelled: each change is exactly one email whose text is
    the notice and whose calendar part updates the same entry (REQUEST/CANCEL with the booking's UID)."""
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach, title="第 2 课：直播话术")
    later = cf.make_slot(program=program, coach=coach, title="第 2 课（周六班）", starts_in=timedelta(days=4))
    trainee = cf.make_trainee(username="meimei")
    inbox = "meimei@example.com"

    def emails(count: int, what: str):
        got = wait_for(lambda: len(smtp_server.to(inbox)) >= count and _settled(), message=what)
        assert got and len(smtp_server.to(inbox)) == count, [
            m["message"]["Subject"] for m in smtp_server.to(inbox)
        ]
        return smtp_server.to(inbox)[-1]["message"]

    response = client_for(trainee.user).post(f"/api/v1/coaching/slots/{slot.pk}/book/", {}, format="json")
    assert response.status_code == 201
    booking = Booking.objects.get(trainee=trainee)
    confirmed = emails(1, "the confirmation")
    assert "预约成功" in confirmed["Subject"] and "第 2 课：直播话术" in confirmed["Subject"]
    body = confirmed.get_body(("plain",)).get_content()
    assert "预约成功：「第 2 课：直播话术」" in body and "/coaching/me/" in body and "invite.ics" in body
    [calendar, attached] = _calendar_parts(confirmed)
    assert "METHOD:REQUEST" in calendar and booking.ical_uid in calendar and attached == calendar
    assert any(p.get_filename() == "invite.ics" for p in confirmed.walk())

    moved = services.booking_move(booking=booking, to_slot=later, by=trainee.user)
    message = emails(2, "the move")
    assert "预约已改期" in message["Subject"] and "第 2 课（周六班）" in message["Subject"]
    assert "预约已改期：「第 2 课（周六班）」" in message.get_body(("plain",)).get_content()
    parts = _calendar_parts(message)
    assert any("METHOD:REQUEST" in p and moved.ical_uid in p for p in parts)
    assert any("METHOD:CANCEL" in p and booking.ical_uid in p for p in parts)  # the old entry goes

    services.slot_update(
        slot=later,
        by=organizer,
        starts_at=later.starts_at + timedelta(hours=2),
        ends_at=later.ends_at + timedelta(hours=2),
    )
    message = emails(3, "the reschedule")
    assert "课程时间变更" in message["Subject"]
    [calendar, _] = _calendar_parts(message)
    assert "METHOD:REQUEST" in calendar and moved.ical_uid in calendar and "SEQUENCE:" in calendar

    services.booking_cancel(booking=moved, by=trainee.user)
    message = emails(4, "the cancellation")
    assert "预约已取消" in message["Subject"]
    assert "预约已取消：「第 2 课（周六班）」" in message.get_body(("plain",)).get_content()
    [calendar, _] = _calendar_parts(message)
    assert "METHOD:CANCEL" in calendar and moved.ical_uid in calendar


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sms_preferring_trainee_gets_the_sms_and_only_the_invite_with_the_text(
    celery_worker, smtp_server, union, sms_outbox
):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, title="第 3 课：复盘")
    trainee = cf.make_trainee(username="xiaoli", phone="13805716688")
    trainee.user.notify_channel = "sms"
    trainee.user.save()

    services.booking_create(slot=slot, trainee=trainee)

    wait_for(lambda: smtp_server.to("xiaoli@example.com") and _settled(), message="the invite")
    [message] = smtp_server.to("xiaoli@example.com")
    assert "预约成功" in message["message"]["Subject"]
    assert "METHOD:REQUEST" in _calendar_parts(message["message"])[0]
    [text] = [m for m in sms.outbox if m.kind == "coaching_confirmed"]
    assert "第 3 课：复盘" in text.text and text.phone.endswith("13805716688")
    assert not OutboxMessage.objects.filter(kind="email", key__startswith="coaching:confirmed:").exists()


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
