"""The calendar accepted by a real CalDAV server (Radicale, started as a subprocess) and read back."""

from datetime import timedelta

import httpx
import pytest

from invites import builders
from invites.models import CalendarEvent
from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AUTH = ("alice", "any-password")  # Radicale runs with auth=none: any login is accepted


def _caldav_body(entry: CalendarEvent) -> bytes:
    # CalDAV stores calendar objects without METHOD (RFC 4791 §4.1); everything else is as sent.
    return builders.calendar_bytes(method=None, vevents=[entry.vevent.encode()], tzids=[entry.timezone])


def test_radicale_accepts_and_returns_our_event(radicale_server, union, organizer, host):
    session = factories.make_session(
        union=union,
        hosts=[host],
        created_by=organizer,
        timezone="America/New_York",
        title="直播带岗：跨境电商岗位专场, 第二季; 答疑",
        description="岗位介绍与在线答疑。" * 40,
    )
    ls.session_schedule(session=session, by=organizer)
    entry = CalendarEvent.objects.get(uid=session.ical_uid)

    with httpx.Client(base_url=radicale_server, auth=AUTH, timeout=10) as dav:
        collection = "/alice/yizhan-test/"
        made = dav.request("MKCALENDAR", collection)
        assert made.status_code in (201, 405), made.text  # 405: exists from an earlier test run
        href = f"{collection}{session.pk}.ics"
        put = dav.put(
            href, content=_caldav_body(entry), headers={"Content-Type": "text/calendar; charset=utf-8"}
        )
        assert put.status_code in (201, 204), put.text

        got = dav.get(href)
        assert got.status_code == 200
        cal, vcal = parse_both(got.content)
        (event,) = events(cal)
        assert event["UID"] == session.ical_uid and event["SEQUENCE"] == 0
        assert str(event["SUMMARY"]) == session.title
        assert str(event["DESCRIPTION"]).startswith(session.description.strip())
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert "America/New_York" in {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}
        assert vcal.vevent.dtstart.value.utcoffset() == timedelta(hours=-5)

        # An update keeps the UID and raises SEQUENCE; the server replaces the same resource.
        ls.session_update(session=session, by=organizer, ends_at=session.ends_at + timedelta(minutes=45))
        entry.refresh_from_db()
        put = dav.put(
            href,
            content=_caldav_body(entry),
            headers={"Content-Type": "text/calendar; charset=utf-8", "If-Match": got.headers["ETag"]},
        )
        assert put.status_code == 204, put.text
        cal2, _ = parse_both(dav.get(href).content)
        (event2,) = events(cal2)
        assert event2["UID"] == session.ical_uid and event2["SEQUENCE"] == 1
        assert event2.decoded("DTEND") - event.decoded("DTEND") == timedelta(minutes=45)

        # The collection lists exactly one object for the UID (no duplicate from the update).
        report = dav.request(
            "REPORT",
            collection,
            headers={"Depth": "1", "Content-Type": "application/xml"},
            content=(
                '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                '<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
                f'<C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:text-match>{session.ical_uid}'
                "</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
            ),
        )
        assert report.status_code == 207, report.text
        assert report.text.count(f"{session.pk}.ics") == 1
