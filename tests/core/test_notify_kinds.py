"""Every notice kind goes through the one notification service and reaches people by their own
preference: delivered by the real Celery worker to the loopback SMTP sink and to the SMS test backend.

In each test one person prefers email and one prefers SMS (a phone-only trainee gets SMS anyway)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from coaching import services as coaching
from core import sms
from core.models import OutboxMessage
from jobs import services as jobs
from jobs.models import EmployerMembership
from livestreams import services as live
from tests import factories
from tests.coaching import factories as cf
from tests.fixtures_services import wait_for
from tests.jobs.factories import HUAWEI, make_employer, make_posting

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SMS_PHONE = "13805716001"


@pytest.fixture(autouse=True)
def _sms(sms_outbox):
    """Every test here sends SMS to the in-memory backend (the shared fixture)."""


def _texts(phone: str, kind: str) -> list[str]:
    return [m.text for m in sms.outbox if m.phone == phone and m.kind == kind]


def _subjects(sink, address: str) -> list[str]:
    return [m["message"]["Subject"] for m in sink.to(address)]


def _body(sink, address: str, needle: str) -> str:
    for m in sink.to(address):
        if needle in m["message"]["Subject"]:
            return m["message"].get_body(("plain",)).get_content()
    raise AssertionError(f"no email to {address} with {needle!r}")


def _team():
    """An employer whose owner reads email and whose recruiter reads SMS (phone only on the account)."""
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="hr_owner")
    owner = employer.memberships.get().user
    owner.notify_channel = "email"
    owner.save()
    recruiter = factories.make_user(
        username="hr_sms", role="employer", email="", phone=SMS_PHONE, notify_channel="sms"
    )
    EmployerMembership.objects.create(user=recruiter, employer=employer, role="recruiter")
    return employer, owner


def test_application_received_reaches_the_recruiters_by_preference(celery_worker, smtp_server):
    employer, owner = _team()
    posting = make_posting(employer)
    jobs.application_submit(posting=posting, name="李四", phone="13800138000")

    assert jobs.digests_send_due(now=timezone.now() + timedelta(hours=2)) == 1

    wait_for(lambda: any("求职申请" in s for s in _subjects(smtp_server, owner.email)), message="email")
    wait_for(lambda: _texts(SMS_PHONE, "application_received"), message="SMS")
    body = _body(smtp_server, owner.email, "求职申请")
    assert "138****8000" in body and "13800138000" not in body
    assert "1 份求职申请" in _texts(SMS_PHONE, "application_received")[0]
    # the company contact address, which nobody on the team uses, gets the email too
    wait_for(lambda: smtp_server.to("hr_owner-hr@example.com"), message="contact email")


def test_slot_request_decided_approved_declined_suspended(celery_worker, smtp_server, union, organizer, host):
    employer, owner = _team()
    posting = make_posting(employer)
    fair = factories.make_session(union=union, status="scheduled", starts_in=timedelta(days=3), hosts=[host])
    other = factories.make_session(
        union=union, status="scheduled", starts_in=timedelta(days=4), title="秋季专场", hosts=[host]
    )
    approved = jobs.lineup_request_create(employer=employer, by=owner, session=fair, postings=[posting])
    jobs.lineup_approve(
        request=approved,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=30),
        ends_at=fair.starts_at + timedelta(minutes=60),
    )
    declined = jobs.lineup_request_create(employer=employer, by=owner, session=other, postings=[posting])
    jobs.lineup_decline(request=declined, by=organizer, reason="岗位与专场主题不符")
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="资质过期")

    for word in ("已通过", "未通过", "认证已撤销"):
        wait_for(lambda w=word: any(w in s for s in _subjects(smtp_server, owner.email)), message=word)
    for kind in ("employer_approved", "employer_declined", "employer_suspended"):
        wait_for(lambda k=kind: _texts(SMS_PHONE, k), message=kind)
    assert "岗位与专场主题不符" in _body(smtp_server, owner.email, "未通过")
    assert "您的时段" in _body(smtp_server, owner.email, "已通过")
    assert "秋季专场" in _texts(SMS_PHONE, "employer_declined")[0]
    assert "已暂停" in _texts(SMS_PHONE, "employer_suspended")[0]


def test_session_reminders_24h_and_1h_by_preference_in_the_hosts_zone(celery_worker, smtp_server, union):
    by_email = factories.make_user(username="host_mail", role="host", notify_channel="email")
    by_email.time_zone = "Europe/London"
    by_email.save()
    by_sms = factories.make_user(
        username="host_sms", role="host", email="", phone=SMS_PHONE, notify_channel="sms"
    )
    session = factories.make_session(
        union=union, status="scheduled", starts_in=timedelta(days=2), hosts=[by_email, by_sms]
    )

    live.reminders_send_due(now=session.starts_at - timedelta(hours=23))
    live.reminders_send_due(now=session.starts_at - timedelta(minutes=50))

    wait_for(lambda: len(_subjects(smtp_server, by_email.email)) >= 2, message="two email reminders")
    wait_for(
        lambda: _texts(SMS_PHONE, "session_reminder_24h") and _texts(SMS_PHONE, "session_reminder_1h"),
        message="two SMS reminders",
    )
    london = session.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert all(f"{london:%Y-%m-%d %H:%M} 伦敦时间" in s for s in _subjects(smtp_server, by_email.email))
    shanghai = session.starts_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{shanghai:%Y-%m-%d %H:%M}" in _texts(SMS_PHONE, "session_reminder_1h")[0]
    assert "一小时后开播" in _texts(SMS_PHONE, "session_reminder_1h")[0]
    assert not OutboxMessage.objects.filter(kind="email", recipient="").exists()


def test_waitlist_offer_with_its_deadline_by_preference(celery_worker, smtp_server, union):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, capacity=1, title="第 4 课：选品")
    holder = cf.make_trainee(username="holder")
    reads_sms = cf.make_trainee(username="reads_sms", phone="13805716002")
    reads_sms.user.email = ""  # phone-only: SMS whatever the default
    reads_sms.user.save()
    held = coaching.booking_create(slot=slot, trainee=holder)
    waiting = coaching.booking_create(slot=slot, trainee=reads_sms)

    coaching.booking_cancel(booking=held, by=holder.user)

    waiting.refresh_from_db()
    assert waiting.status == "offered"
    deadline = waiting.offer_expires_at.astimezone(ZoneInfo(slot.timezone))
    wait_for(lambda: _texts("13805716002", "coaching_offered"), message="offer SMS")
    [text] = _texts("13805716002", "coaching_offered")
    assert "第 4 课：选品" in text and f"请在 {deadline:%Y-%m-%d %H:%M}" in text

    # An email reader gets the same offer by email, deadline in their own zone.
    reads_mail = cf.make_trainee(username="reads_mail")
    reads_mail.user.time_zone = "Asia/Tokyo"
    reads_mail.user.save()
    coaching.booking_create(slot=slot, trainee=reads_mail)
    coaching.offer_decline(booking=waiting, by=reads_sms.user)
    wait_for(lambda: any("候补名额待确认" in s for s in _subjects(smtp_server, "reads_mail@example.com")))
    offer = [b for b in reads_mail.bookings.all() if b.status == "offered"][0]
    tokyo = offer.offer_expires_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"请在 {tokyo:%Y-%m-%d %H:%M} 东京时间 前确认" in _body(
        smtp_server, "reads_mail@example.com", "候补名额待确认"
    )
