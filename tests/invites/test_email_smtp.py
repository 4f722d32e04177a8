"""iMIP emails delivered through the outbox to a real SMTP server on loopback and read back."""

from datetime import timedelta

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_deliver, outbox_deliver_batch
from livestreams import services as ls
from tests import factories
from tests.fixtures_services import free_port
from tests.invites.helpers import events, parse_both

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _deliver_all() -> dict:
    ids = list(OutboxMessage.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))
    return outbox_deliver_batch(message_ids=ids)


def _calendar_parts(message):
    """Check the iMIP MIME shape and return (alternative calendar, attached calendar) as bytes."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_content_charset() == "utf-8"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    inline = calendar.get_payload(decode=True)
    attached = attachment.get_payload(decode=True)
    assert inline.replace(b"\r\n", b"\n") == attached.replace(b"\r\n", b"\n")
    for part, raw in ((calendar, inline), (attachment, attached)):
        cal, _ = parse_both(raw)
        # The Content-Type method parameter must equal the METHOD inside (RFC 6047 §2.4).
        assert part.get_param("method") == str(cal["METHOD"])
    return inline, text.get_content(), html.get_content()


@pytest.fixture
def scheduled(union, organizer, host):
    session = factories.make_session(
        union=union,
        hosts=[host],
        created_by=organizer,
        timezone="America/New_York",
        title="纽约华人社区直播带岗",
        description="面向海外华人的岗位介绍，含远程岗位；欢迎转发。" * 8,
    )
    ls.session_schedule(session=session, by=organizer)
    session.refresh_from_db()
    return session


def test_invite_update_and_cancel_arrive_as_proper_imip(smtp_server, scheduled, organizer, host):
    assert _deliver_all() == {"sent": 1}
    (first,) = [m["message"] for m in smtp_server.to(host.email)]
    raw, text, html = _calendar_parts(first)
    cal, vcal = parse_both(raw)
    (event,) = events(cal)
    assert cal["METHOD"] == "REQUEST" and event["SEQUENCE"] == 0
    assert event["UID"] == scheduled.ical_uid
    assert {str(c["TZID"]) for c in cal.walk("VTIMEZONE")} == {"America/New_York"}
    assert (
        event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION" and event["ATTENDEE"].params["RSVP"] == "TRUE"
    )
    assert vcal.vevent.dtstart.value.tzinfo is not None
    assert first["Subject"].strip().startswith("[驿站] 日程邀请")
    assert "纽约华人社区直播带岗" in text and "纽约华人社区直播带岗" in html

    ls.session_update(session=scheduled, by=organizer, starts_at=scheduled.starts_at + timedelta(hours=1))
    _deliver_all()
    _, second = [m["message"] for m in smtp_server.to(host.email)]
    cal2, _ = parse_both(_calendar_parts(second)[0])
    assert cal2["METHOD"] == "REQUEST"
    assert events(cal2)[0]["UID"] == scheduled.ical_uid
    assert events(cal2)[0]["SEQUENCE"] > event["SEQUENCE"]

    ls.session_cancel(session=scheduled, by=organizer, reason="场地变更")
    _deliver_all()
    third = smtp_server.to(host.email)[-1]["message"]
    cal3, vcal3 = parse_both(_calendar_parts(third)[0])
    assert cal3["METHOD"] == "CANCEL"
    assert str(events(cal3)[0]["STATUS"]) == "CANCELLED"
    assert events(cal3)[0]["UID"] == scheduled.ical_uid
    assert vcal3.vevent.sequence.value == str(events(cal2)[0]["SEQUENCE"] + 1)
    assert third["Subject"].strip().startswith("[驿站] 已取消")
    assert len(smtp_server.to(host.email)) == 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_smtp_down_retries_without_loss_or_duplicates(settings, scheduled, host, smtp_server):
    message = OutboxMessage.objects.get(recipient=host.email)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert outbox_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "Error" in message.last_error or "refused" in message.last_error.lower()

    settings.EMAIL_PORT = smtp_server.port
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)  # backoff over
    assert outbox_deliver(message_id=message.pk) == "sent"
    assert outbox_deliver(message_id=message.pk) == "skipped"
    assert len(smtp_server.to(host.email)) == 1
