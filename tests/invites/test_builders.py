"""The pure RFC 5545 builders, read back with icalendar and vobject."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from invites import builders
from invites.sources import Attendee, InviteEvent
from tests.invites.helpers import events, parse_both, physical_lines, timezones

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
STAMP = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)


def _event(**overrides) -> InviteEvent:
    data = {
        "summary": "春风行动直播带岗，第 3 场; 现场答疑",
        "starts_at": datetime(2026, 12, 1, 10, 0, tzinfo=SH),
        "ends_at": datetime(2026, 12, 1, 12, 0, tzinfo=SH),
        "timezone": "Asia/Shanghai",
        "description": "工会主席走进直播间，介绍岗位；解答评论区问题。\n直播间：https://live.douyin.com/1",
        "location": "抖音 直播间",
        "url": "https://live.douyin.com/1",
        "organizer_email": "wang@union.example",
        "organizer_name": "王主席",
    }
    data.update(overrides)
    return InviteEvent(**data)


ZHANG = Attendee(email="zhang@example.com", name="张三, 销售", user_id=7)


def test_invite_request_round_trips_through_icalendar_and_vobject():
    data = builders.build_invite(
        event=_event(),
        uid="session-1@yizhan.test",
        sequence=2,
        attendee=ZHANG,
        method="REQUEST",
        dtstamp=STAMP,
    )
    cal, vcal = parse_both(data)
    assert cal["METHOD"] == "REQUEST" and cal["VERSION"] == "2.0" and cal["PRODID"] == builders.PRODID
    (event,) = events(cal)
    assert event["UID"] == "session-1@yizhan.test"
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTAMP") == STAMP and event["DTSTAMP"].to_ical().endswith(b"Z")
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 10, 0, tzinfo=SH)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert timezones(cal) == {"Asia/Shanghai"}
    assert str(event["SUMMARY"]) == "春风行动直播带岗，第 3 场; 现场答疑"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:wang@union.example"
    assert event["ORGANIZER"].params["CN"] == "王主席"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:zhang@example.com"
    assert attendee.params["CN"] == "张三, 销售"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)

    # The independent parser sees the same thing.
    vevent = vcal.vevent
    assert vcal.method.value == "REQUEST"
    assert vevent.uid.value == "session-1@yizhan.test"
    assert vevent.sequence.value == "2"
    assert vevent.summary.value == "春风行动直播带岗，第 3 场; 现场答疑"
    assert vevent.description.value.splitlines()[1] == "直播间：https://live.douyin.com/1"
    assert vevent.dtstart.value == datetime(2026, 12, 1, 10, 0, tzinfo=SH)
    assert vevent.dtstart.value.utcoffset() == timedelta(hours=8)
    assert vevent.attendee.params["CN"] == ["张三, 销售"]
    assert vevent.attendee.params["RSVP"] == ["TRUE"]
    assert vcal.vtimezone.tzid.value == "Asia/Shanghai"


def test_text_values_are_escaped_in_the_raw_bytes():
    data = builders.build_invite(
        event=_event(summary="A,B;C\nD\\E"),
        uid="u@x",
        sequence=0,
        attendee=ZHANG,
        method="REQUEST",
        dtstamp=STAMP,
    )
    unfolded = data.replace(b"\r\n ", b"")
    assert b"SUMMARY:A\\,B\\;C\\nD\\\\E\r\n" in unfolded
    cal, vcal = parse_both(data)
    assert str(events(cal)[0]["SUMMARY"]) == "A,B;C\nD\\E"
    assert vcal.vevent.summary.value == "A,B;C\nD\\E"


def test_long_chinese_description_is_folded_at_75_octets_without_splitting_characters():
    description = "工会直播带岗：为灵活就业人员、退役军人和高校毕业生提供岗位。" * 30 + "完"
    data = builders.build_invite(
        event=_event(description=description),
        uid="u@x",
        sequence=0,
        attendee=ZHANG,
        method="REQUEST",
        dtstamp=STAMP,
    )
    lines = physical_lines(data)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # a split multi-byte character would raise here
    start = next(i for i, line in enumerate(lines) if line.startswith("DESCRIPTION:工会".encode()))
    assert lines[start + 1].startswith(b" ")  # really folded
    cal, vcal = parse_both(data)
    assert str(events(cal)[0]["DESCRIPTION"]) == description
    assert vcal.vevent.description.value == description


def test_cancel_has_status_cancelled_same_uid_and_no_alarm():
    data = builders.build_invite(
        event=_event(),
        uid="session-1@yizhan.test",
        sequence=3,
        attendee=ZHANG,
        method="CANCEL",
        dtstamp=STAMP,
    )
    cal, vcal = parse_both(data)
    assert cal["METHOD"] == "CANCEL"
    (event,) = events(cal)
    assert event["UID"] == "session-1@yizhan.test" and event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert not event.walk("VALARM")
    assert vcal.vevent.status.value == "CANCELLED"


def test_utc_event_needs_no_vtimezone():
    event = _event(
        timezone="UTC",
        starts_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 4, tzinfo=UTC),
    )
    data = builders.build_invite(
        event=event, uid="u@x", sequence=0, attendee=ZHANG, method="REQUEST", dtstamp=STAMP
    )
    cal, _ = parse_both(data)
    assert timezones(cal) == set()
    assert events(cal)[0]["DTSTART"].to_ical() == b"20261201T020000Z"


def test_every_tzid_used_in_a_feed_has_a_vtimezone():
    ny = _event(starts_at=datetime(2026, 12, 1, 9, tzinfo=NY), ends_at=datetime(2026, 12, 1, 10, tzinfo=NY))
    ny = InviteEvent(**{**ny.__dict__, "timezone": "America/New_York"})
    vevents = [
        builders.build_feed_vevent(_event(), uid="a@x", sequence=0, dtstamp=STAMP),
        builders.build_feed_vevent(ny, uid="b@x", sequence=1, dtstamp=STAMP, cancelled=True),
    ]
    data = builders.build_feed(name="我的日程", vevents=vevents, tzids=["Asia/Shanghai", "America/New_York"])
    cal, vcal = parse_both(data)
    assert cal["METHOD"] == "PUBLISH"
    assert timezones(cal) == {"Asia/Shanghai", "America/New_York"}
    used = {str(e["DTSTART"].params["TZID"]) for e in events(cal)}
    assert used <= timezones(cal)
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    by_uid = {str(e["UID"]): e for e in events(cal)}
    assert str(by_uid["b@x"]["STATUS"]) == "CANCELLED"
    assert by_uid["b@x"].decoded("DTSTART").utcoffset() == timedelta(hours=-5)
    assert all("ATTENDEE" not in e for e in events(cal))
    assert {c.tzid.value for c in vcal.vtimezone_list} == {"Asia/Shanghai", "America/New_York"}


def test_naive_datetimes_are_refused():
    naive = _event(starts_at=datetime(2026, 12, 1, 10), ends_at=datetime(2026, 12, 1, 11))
    with pytest.raises(ValueError):
        builders.build_invite(
            event=naive, uid="u@x", sequence=0, attendee=ZHANG, method="REQUEST", dtstamp=STAMP
        )


def test_publish_is_not_an_imip_method():
    with pytest.raises(ValueError):
        builders.build_invite(
            event=_event(), uid="u@x", sequence=0, attendee=ZHANG, method="PUBLISH", dtstamp=STAMP
        )
