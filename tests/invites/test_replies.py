"""RSVP replies: a client's METHOD:REPLY email, posted as raw MIME by the mail server, is matched by UID
and attendee; stale SEQUENCEs are dropped; organizers see accepted / declined / tentative / no answer."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import icalendar
import pytest

from invites.models import InviteAttendee
from livestreams import services as ls
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/invites/replies/"
TOKEN = "inbound-secret"


def _reply_email(*, uid, sequence, attendee, partstat, sender=None, stamp=None) -> bytes:
    """What a calendar client sends back (RFC 6047): multipart with a text/calendar; method=REPLY part."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Test Client//EN")
    cal.add("version", "2.0")
    cal.add("method", "REPLY")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("dtstart", datetime(2030, 1, 1, tzinfo=UTC))
    event.add("organizer", "mailto:org@union.example")
    line = icalendar.vCalAddress(f"mailto:{attendee}")
    line.params["PARTSTAT"] = partstat
    event.add("attendee", line)
    cal.add_component(event)
    message = EmailMessage()
    message["From"] = sender or attendee
    message["To"] = "invites@yizhan.test"
    message["Subject"] = f"{partstat.title()}: 直播带岗"
    message.set_content("已接受 / Accepted")
    message.add_alternative(cal.to_ical(), maintype="text", subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes()


def _post(client, raw, token=TOKEN):
    return client.generic(
        "POST", URL, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def scheduled(union, organizer, host, settings):
    settings.INVITES_INBOUND_TOKEN = TOKEN
    session = factories.make_session(union=union, hosts=[host], created_by=organizer)
    ls.session_schedule(session=session, by=organizer)
    session.refresh_from_db()
    return session


def _answers(organizer_client, session):
    (event,) = [
        e
        for e in organizer_client.get(f"/api/v1/invites/events/?session={session.pk}").json()["results"]
        if e["uid"] == session.ical_uid
    ]
    return event


def test_reply_is_stored_and_organizers_see_the_answers(anon_client, organizer_client, scheduled, host):
    before = _answers(organizer_client, scheduled)
    assert before["answers"] == {"accepted": 0, "declined": 0, "tentative": 0, "no_answer": 1}

    response = _post(
        anon_client,
        _reply_email(uid=scheduled.ical_uid, sequence=0, attendee=host.email, partstat="ACCEPTED"),
    )

    assert response.status_code == 200, response.content
    assert response.json()["replies"] == [
        {"uid": scheduled.ical_uid, "attendee": host.email, "outcome": "stored", "partstat": "ACCEPTED"}
    ]
    event = _answers(organizer_client, scheduled)
    assert event["answers"] == {"accepted": 1, "declined": 0, "tentative": 0, "no_answer": 0}
    (attendee,) = event["attendees"]
    assert (attendee["answer"], attendee["replied_sequence"]) == ("ACCEPTED", 0)


def test_stale_sequence_is_dropped_and_an_old_answer_is_no_answer_after_a_change(
    anon_client, organizer_client, scheduled, host, organizer
):
    _post(
        anon_client,
        _reply_email(uid=scheduled.ical_uid, sequence=0, attendee=host.email, partstat="ACCEPTED"),
    )
    ls.session_update(session=scheduled, by=organizer, ends_at=scheduled.ends_at + timedelta(hours=1))
    scheduled.refresh_from_db()
    assert scheduled.ical_sequence == 1
    assert _answers(organizer_client, scheduled)["answers"]["no_answer"] == 1  # accepted the old time only

    late = _post(
        anon_client,
        _reply_email(uid=scheduled.ical_uid, sequence=0, attendee=host.email, partstat="DECLINED"),
    )
    fresh = _post(
        anon_client,
        _reply_email(uid=scheduled.ical_uid, sequence=1, attendee=host.email, partstat="TENTATIVE"),
    )

    assert late.json()["replies"][0]["outcome"] == "stale"
    assert fresh.json()["replies"][0]["outcome"] == "stored"
    assert _answers(organizer_client, scheduled)["answers"] == {
        "accepted": 0,
        "declined": 0,
        "tentative": 1,
        "no_answer": 0,
    }
    older_stamp = _post(
        anon_client,
        _reply_email(
            uid=scheduled.ical_uid,
            sequence=1,
            attendee=host.email,
            partstat="DECLINED",
            stamp=datetime.now(UTC) - timedelta(hours=1),
        ),
    )
    assert older_stamp.json()["replies"][0]["outcome"] == "stale"
    assert InviteAttendee.objects.get(email=host.email).partstat == "TENTATIVE"


def test_reply_for_someone_else_unknown_uid_and_bad_token_store_nothing(
    anon_client, scheduled, host, settings
):
    forged = _post(
        anon_client,
        _reply_email(
            uid=scheduled.ical_uid,
            sequence=0,
            attendee=host.email,
            partstat="DECLINED",
            sender="mallory@evil.test",
        ),
    )
    unknown = _post(
        anon_client, _reply_email(uid="nope@x", sequence=0, attendee=host.email, partstat="ACCEPTED")
    )
    stranger = _post(
        anon_client,
        _reply_email(uid=scheduled.ical_uid, sequence=0, attendee="who@x.test", partstat="ACCEPTED"),
    )
    bad_token = _post(anon_client, b"From: a@b\r\n\r\nhi", token="wrong")
    not_a_reply = _post(anon_client, b"From: a@b\r\nSubject: hi\r\n\r\nplain text")

    assert forged.json()["replies"][0]["outcome"] == "sender_mismatch"
    assert unknown.json()["replies"][0]["outcome"] == "unknown_event"
    assert stranger.json()["replies"][0]["outcome"] == "unknown_attendee"
    assert bad_token.status_code == 401
    assert not_a_reply.status_code == 200 and not_a_reply.json()["replies"] == []
    assert InviteAttendee.objects.get(email=host.email).partstat == "NEEDS-ACTION"
    settings.INVITES_INBOUND_TOKEN = ""
    assert _post(anon_client, b"x").status_code == 404


def test_reply_through_an_inbound_mail_provider_webhook_is_stored(client, scheduled, host, settings):
    """Mailgun's inbound route (forward, raw MIME) through django-anymail: signed, basic-auth'd."""
    import hashlib
    import hmac
    import time
    from base64 import b64encode

    settings.ROOT_URLCONF = "tests.invites.anymail_urls"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "mail:gun", "MAILGUN_WEBHOOK_SIGNING_KEY": "key-123"}
    timestamp, token = str(int(time.time())), "abc" * 10
    signature = hmac.new(b"key-123", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    raw = _reply_email(uid=scheduled.ical_uid, sequence=0, attendee=host.email, partstat="DECLINED")

    response = client.post(
        "/inbound/anymail/mailgun/inbound_mime/",
        {"body-mime": raw.decode(), "timestamp": timestamp, "token": token, "signature": signature},
        HTTP_AUTHORIZATION="Basic " + b64encode(b"mail:gun").decode(),
    )
    forged = client.post(
        "/inbound/anymail/mailgun/inbound_mime/",
        {"body-mime": raw.decode(), "timestamp": timestamp, "token": token, "signature": "0" * 64},
        HTTP_AUTHORIZATION="Basic " + b64encode(b"mail:gun").decode(),
    )

    assert response.status_code == 200, response.content
    assert forged.status_code == 400
    attendee = InviteAttendee.objects.get(email=host.email)
    assert (attendee.partstat, attendee.replied_sequence) == ("DECLINED", 0)
