"""Every email and SMS kind reads in one language: rendered in zh-hans and in en (the site's language,
settings.LANGUAGE_CODE, since the code does not know a recipient's own), each checked with the
language checker of tests/language.py.

The texts are read where the services put them (outbox rows), or from the function that renders them
where the sender is a calendar or coaching change whose outbox row the invite handler writes later."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from coaching.models import Booking
from coaching.services import common as coaching_common
from core.models import OutboxMessage
from invites.builders import CANCEL, REQUEST
from invites.emails import invite_payload
from invites.sources import Attendee, InviteEvent
from jobs.models import Application, EmployerInvitation, LineupRequest
from jobs.services import digests
from jobs.services.employers import employer_verify, invitation_message_send
from jobs.services.notices import employer_notice_send
from livestreams import services as live_services
from tests import factories
from tests.coaching import factories as cf
from tests.jobs.factories import make_employer, make_posting
from tests.language import foreign_words, visible_text

SH = ZoneInfo("Asia/Shanghai")
# Names, titles and links people or the code chose; the checker looks at the words around them.
USER_DATA = [
    "春风行动直播带岗",
    "电子厂普工",
    "第 2 课：直播话术",
    "新手主播训练营",
    "杭州电子厂",
    "王主席",
    "张三",
    "meimei",
]
_CODE = re.compile(r"\S*/\S*|\w+=\S+|\S+@\S+|\w+\.ics")  # URLs, API paths, key=value, addresses, files


def _problems(texts: list[str], lang: str, user_data=()) -> list[str]:
    problems = []
    for text in texts:
        if text.lstrip().startswith("<"):
            text = visible_text(text, lang=lang)
        for line in text.splitlines():
            words = foreign_words(_CODE.sub(" ", line), lang, user_data=[*USER_DATA, *user_data])
            if words:
                problems.append(f"{line!r}: {words}")
    return problems


def _outbox_texts() -> list[str]:
    """What people read: an email's subject, text and HTML; an SMS's text (its subject is internal)."""
    texts = []
    for m in OutboxMessage.objects.order_by("pk"):
        parts = (m.subject, m.payload.get("text", ""), m.payload.get("html", "")) if m.kind == "email" else ()
        texts += [t for t in parts or (m.payload.get("text", ""),) if t]
    return texts


def _invite_texts(lang: str) -> list[str]:
    event = InviteEvent(
        summary="春风行动直播带岗",
        starts_at=datetime(2026, 12, 1, 10, 0, tzinfo=SH),
        ends_at=datetime(2026, 12, 1, 12, 0, tzinfo=SH),
        timezone="Asia/Shanghai",
        description="",
        location="",
        url="https://live.douyin.com/1",
        organizer_email="wang@union.example",
        organizer_name="王主席",
    )
    who = Attendee(email="zhang@example.com", name="张三", user_id=7)
    texts = []
    for method, update in ((REQUEST, False), (REQUEST, True), (CANCEL, False)):
        subject, payload = invite_payload(event=event, attendee=who, method=method, ics="", is_update=update)
        texts += [subject, payload["text"], payload["html"]]
    return texts


@pytest.fixture(params=["zh-hans", "en"])
def lang(request, settings):
    settings.LANGUAGE_CODE = request.param
    return request.param


@pytest.mark.django_db
def test_invite_emails_and_the_calendar_line_are_in_one_language(lang):
    texts = _invite_texts(lang)
    assert not _problems(texts, lang)
    joined = "\n".join(texts)
    if lang == "en":
        assert "You are invited to “春风行动直播带岗”." in joined and "Beijing" in joined
    else:
        assert "诚邀您参加「春风行动直播带岗」。" in joined and "北京时间" in joined
    # With a notice, the calendar line follows the notice.
    booking_notice = coaching_common.Notice(key="k", kind="x", subject="s", text="t")
    from invites.emails import _notice_payload  # noqa: PLC0415 -- the renderer under test

    _, payload = _notice_payload(notice=booking_notice, method=REQUEST, ics="")
    assert ("attached invite.ics" if lang == "en" else "附件 invite.ics") in payload["text"]
    assert not _problems([payload["text"]], lang)


@pytest.mark.django_db
def test_coaching_notices_of_every_change_are_in_one_language(lang, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer, title="新手主播训练营")
    slot = cf.make_slot(program=program, coach=coach, title="第 2 课：直播话术")
    trainee = cf.make_trainee(username="meimei")
    booking = Booking.objects.create(
        slot=slot, trainee=trainee, status="offered", offer_expires_at=timezone.now() + timedelta(hours=2)
    )
    texts = []
    for change in coaching_common._SUBJECTS:
        notice = coaching_common._notice(booking=booking, change=change, key_suffix="t")
        texts += [notice.subject, notice.text, notice.sms_text]
    assert not _problems(texts, lang, user_data=[trainee.user.name, slot.location, program.location])
    joined = "\n".join(texts)
    assert ("Booking confirmed" if lang == "en" else "预约成功") in joined
    assert ("Beijing" if lang == "en" else "北京时间") in joined and "Asia/Shanghai" not in joined


@pytest.mark.django_db
def test_employer_emails_and_sms_are_in_one_language(lang, union, organizer):
    employer = make_employer(name="杭州电子厂", credit_code="91330100MA2B3C4D5E", username="hz_owner")
    owner = employer.memberships.get().user
    owner.notify_channel, owner.phone = "both", "13800138000"
    owner.save()
    posting = make_posting(employer)
    for kind in ("approved", "declined", "suspended", "removed"):
        session = factories.make_session(union=union, title="春风行动直播带岗")
        request = LineupRequest.objects.create(employer=employer, session=session, reason="王主席")
        request.segment_starts_at, request.segment_ends_at = session.starts_at, session.ends_at
        assert employer_notice_send(employer=employer, kind=kind, request=request)
    assert employer_notice_send(employer=employer, kind="verified")
    employer_verify(employer=employer, by=organizer, verified=False, reason="张三")
    invitation = EmployerInvitation.objects.create(
        employer=employer,
        email="new@example.com",
        phone="13900139000",
        invited_by=owner,
        expires_at=timezone.now() + timedelta(days=7),
    )
    invitation_message_send(invitation=invitation, by=owner)
    invitation_message_send(invitation=invitation, by=owner, again=True)
    Application.objects.create(posting=posting, name="张三", phone="13700137000")
    digests._send_digest(employer, list(Application.objects.all()), timezone.now())

    texts = _outbox_texts()
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == {"email", "sms"} and len(texts) > 20
    assert not _problems(texts, lang)
    joined = "\n".join(texts)
    if lang == "en":
        assert "Fair slot request approved" in joined and "invited you again to recruit" in joined
    else:
        assert "直播带岗时段申请已通过" in joined and "再次邀请您作为招聘专员" in joined


@pytest.mark.django_db
def test_livestream_reminders_are_in_one_language(lang, union):
    host = factories.make_user(username="zhangsan", role="host", union=union, display_name="张三")
    host.notify_channel, host.phone = "both", "13800138001"
    host.save()
    session = factories.make_session(union=union, title="春风行动直播带岗", hosts=[host])
    assert live_services._send_reminder(session, "24h") == 1
    assert live_services._send_reminder(session, "1h") == 1
    texts = _outbox_texts()
    assert len(texts) == 6  # an email's subject and text and an SMS's text, twice
    assert not _problems(texts, lang)
    assert ("goes live tomorrow" if lang == "en" else "明天开播") in "\n".join(texts)
