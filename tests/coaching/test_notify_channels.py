"""Booking notices go out on the trainee's channels, with times in the trainee's own zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from coaching import services
from core import sms
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.coaching.outbox import run_invite_requests
from tests.core.test_signin import deliver_pending

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms(sms_outbox):
    """Every test here sends SMS to the in-memory backend (the shared fixture)."""


def test_phone_only_trainee_gets_sms_reminders(program, coach):
    trainee = cf.make_trainee(phone="+8613805716688")
    trainee.user.email = ""
    trainee.user.save()
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=2))
    services.booking_create(slot=slot, trainee=trainee)
    run_invite_requests()  # the worker builds the booking's notice after the commit

    services.reminders_send_due(now=slot.starts_at - timedelta(hours=23))
    deliver_pending("sms")

    kinds = [m.kind for m in sms.outbox if m.phone == "+8613805716688"]
    assert kinds == ["coaching_confirmed", "coaching_reminder_24h"]
    assert not OutboxMessage.objects.filter(kind="email", key__startswith="coaching:reminder_24h:").exists()


def test_both_channels_and_the_trainees_own_zone(program, coach, learner):
    learner.user.notify_channel = "both"
    learner.user.time_zone = "Europe/London"
    learner.user.save()
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=2))

    services.booking_create(slot=slot, trainee=learner)

    run_invite_requests()  # the worker builds the invite (which carries the notice) after the commit
    rows = OutboxMessage.objects.filter(key__startswith="coaching:confirmed:")
    assert list(rows.values_list("kind", flat=True)) == ["sms"]
    email = OutboxMessage.objects.get(kind="email", recipient=learner.user.email)  # the invite, one email
    london = slot.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert f"{london:%Y-%m-%d %H:%M} 伦敦时间" in email.payload["text"]
    assert f"{london:%Y-%m-%d %H:%M} 伦敦时间" in rows.get().payload["text"]


def test_preferences_page_saves_channel_and_zone(client, learner):
    client.force_login(learner.user)

    response = client.post(
        "/accounts/preferences/", {"notify_channel": "sms", "time_zone": "Asia/Urumqi", "email": ""}
    )

    assert response.status_code == 302
    learner.user.refresh_from_db()
    assert (learner.user.notify_channel, learner.user.time_zone) == ("sms", "Asia/Urumqi")
    bad = client.post("/accounts/preferences/", {"notify_channel": "email", "time_zone": "", "email": ""})
    assert bad.status_code == 400 and "需要填写邮箱" in bad.content.decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_reminder_kind_reaches_smtp_and_sms_through_the_worker(celery_worker, smtp_server, union):
    from tests.fixtures_services import wait_for

    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=2))
    by_email = cf.make_trainee(username="by_email")
    by_sms = cf.make_trainee(username="by_sms", phone="+8613805716688")
    by_sms.user.email = ""
    by_sms.user.save()
    for trainee in (by_email, by_sms):
        services.booking_create(slot=slot, trainee=trainee)

    services.reminders_send_due(now=slot.starts_at - timedelta(hours=23))
    services.reminders_send_due(now=slot.starts_at - timedelta(minutes=50))

    def subjects():
        return [m["message"]["Subject"] for m in smtp_server.to("by_email@example.com")]

    wait_for(lambda: sum("提醒" in s or "一小时后" in s for s in subjects()) >= 2, message="email reminders")
    wait_for(
        lambda: (
            {m.kind for m in sms.outbox if m.phone == "+8613805716688"}
            >= {"coaching_reminder_24h", "coaching_reminder_1h"}
        ),
        message="SMS reminders",
    )
    assert any("明天上课提醒" in s for s in subjects()) and any("一小时后上课" in s for s in subjects())
    assert not smtp_server.to("")
