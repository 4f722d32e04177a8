"""Every notice is written in its reader's own language (``User.language``), else the site's: the email
(its subject, text, the calendar line and the invite's own description), the SMS. Delivered by the real
Celery worker to the loopback SMTP sink and the SMS test backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import sms
from jobs import services as jobs
from jobs.models import EmployerMembership
from livestreams import services as live
from tests import factories
from tests.fixtures_services import wait_for
from tests.invites.helpers import events, parse_both
from tests.jobs.factories import HUAWEI, make_employer, make_posting

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EN_PHONE = "13805716011"
ZH_PHONE = "13805716012"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    sms.outbox.clear()


def _texts(phone: str) -> list[str]:
    return [m.text for m in sms.outbox if m.phone.endswith(phone)]


def _mail(item) -> tuple[str, str, str]:
    """(subject, plain text, the calendar's DESCRIPTION or "")."""
    message = item["message"]
    calendar = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    description = ""
    if calendar is not None:
        cal, _ = parse_both(calendar.get_payload(decode=True))
        (event,) = events(cal)
        description = str(event.get("DESCRIPTION", ""))
    return str(message["Subject"]).strip(), message.get_body(("plain",)).get_content(), description


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_lineup_decision_reaches_each_member_in_their_own_language(
    celery_worker, smtp_server, union, organizer, host
):
    employer = make_employer(name="Hengxin", credit_code=HUAWEI, username="hr_owner")
    owner = employer.memberships.get().user  # no language chosen: the site's (Chinese)
    english = factories.make_user(
        username="hr_en", role="employer", language="en", notify_channel="both", phone=EN_PHONE
    )
    chinese = factories.make_user(
        username="hr_zh", role="employer", language="zh-hans", notify_channel="sms", phone=ZH_PHONE
    )
    for user in (english, chinese):
        EmployerMembership.objects.create(user=user, employer=employer, role="recruiter")
    fair = factories.make_session(union=union, status="scheduled", title="Spring Fair", hosts=[host])
    request = jobs.lineup_request_create(
        employer=employer, by=owner, session=fair, postings=[make_posting(employer, title="Assembler")]
    )
    jobs.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=30),
        ends_at=fair.starts_at + timedelta(minutes=60),
        title="Hengxin talk",
    )

    wait_for(lambda: smtp_server.to(english.email), message="the English email")
    wait_for(lambda: smtp_server.to(owner.email), message="the Chinese email")
    wait_for(lambda: _texts(EN_PHONE) and _texts(ZH_PHONE), message="both SMS")

    (en_mail,) = [_mail(m) for m in smtp_server.to(english.email)]
    subject, text, description = en_mail
    assert subject == "[Yizhan] Your fair slot request is approved"
    assert "Fair: Spring Fair" in text and "Beijing" in text and "attached invite.ics" in text
    assert "Your segment: Hengxin talk" in description  # the calendar entry's own words too
    assert not _has_cjk(subject + text + description)
    (zh_mail,) = [_mail(m) for m in smtp_server.to(owner.email)]
    subject, text, description = zh_mail
    assert "直播带岗时段申请已通过" in subject and "北京时间" in text and "附件 invite.ics" in text
    assert "您的环节：Hengxin talk" in description
    assert _texts(EN_PHONE) == ["[Yizhan] Fair slot request approved: Spring Fair"]
    assert _texts(ZH_PHONE) == ["【驿站】直播带岗时段申请已通过：Spring Fair"]

    # The removal: one CANCEL each, carrying the notice, in the same languages.
    jobs.lineup_remove(request=request, by=organizer, reason="schedule")
    wait_for(lambda: len(smtp_server.to(english.email)) == 2, message="the English CANCEL")
    wait_for(lambda: len(smtp_server.to(owner.email)) == 2, message="the Chinese CANCEL")
    subject, text, _ = _mail(smtp_server.to(english.email)[-1])
    assert subject == "[Yizhan] Your fair slot is cancelled" and not _has_cjk(subject + text)
    subject, text, _ = _mail(smtp_server.to(owner.email)[-1])
    assert "直播带岗时段已取消" in subject and "会从日历中删除这项日程" in text


def test_a_reminder_and_a_sign_in_code_follow_the_readers_language(celery_worker, smtp_server, union):
    english = factories.make_user(
        username="host_en", role="host", language="en", notify_channel="both", phone=EN_PHONE
    )
    chinese = factories.make_user(username="host_zh", role="host", notify_channel="both", phone=ZH_PHONE)
    session = factories.make_session(
        union=union, status="scheduled", title="Spring Fair", hosts=[english, chinese]
    )

    live.reminders_send_due(now=session.starts_at - timedelta(hours=23))

    wait_for(lambda: smtp_server.to(english.email) and smtp_server.to(chinese.email), message="emails")
    wait_for(lambda: _texts(EN_PHONE) and _texts(ZH_PHONE), message="SMS")
    subject, text, _ = _mail(smtp_server.to(english.email)[0])
    assert subject.startswith("[Yizhan] Livestream reminder: Spring Fair") and not _has_cjk(text)
    assert "goes live tomorrow" in _texts(EN_PHONE)[0]
    subject, text, _ = _mail(smtp_server.to(chinese.email)[0])
    assert subject.startswith("[驿站] 直播提醒：Spring Fair") and "北京时间" in subject
    assert "明天开播" in _texts(ZH_PHONE)[0]

    # A sign-in code asked for from a Chinese page still reaches the English reader in English.
    from core.signin import phone_code_request

    phone_code_request(phone=EN_PHONE, ip="127.0.0.1")
    wait_for(lambda: any("sign-in code" in t for t in _texts(EN_PHONE)), message="the code")
