"""Every VTIMEZONE we emit agrees with Python's zoneinfo at every transition, read back by vobject and
icalendar: zones with and without DST, past rule changes and half-hour offsets."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from invites import builders
from invites.sources import Attendee, InviteEvent
from tests.invites.helpers import parse_both

# (zone, first event, last event): Shanghai across its 1986–91 daylight time, the others across today's rules.
ZONES = [
    ("Asia/Shanghai", datetime(1985, 6, 1, tzinfo=UTC), datetime(1992, 6, 1, tzinfo=UTC)),
    (
        "America/New_York",
        datetime(2005, 1, 1, tzinfo=UTC),
        datetime(2027, 12, 1, tzinfo=UTC),
    ),  # 2007 rule change
    ("Europe/London", datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC)),
    (
        "Australia/Adelaide",
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2027, 12, 1, tzinfo=UTC),
    ),  # +09:30/+10:30
    ("Asia/Kolkata", datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC)),  # +05:30, no DST
]


def _invite(tzid: str, first: datetime, last: datetime) -> bytes:
    zone = ZoneInfo(tzid)
    event = InviteEvent(
        summary="直播带岗",
        starts_at=first.astimezone(zone),
        ends_at=last.astimezone(zone),
        timezone=tzid,
        organizer_email="org@union.example",
        organizer_name="工会",
    )
    return builders.build_invite(
        event=event,
        uid=f"tz-{tzid}@yizhan.test",
        sequence=0,
        attendee=Attendee(email="a@example.com", name="甲"),
        method=builders.REQUEST,
        dtstamp=datetime(2026, 12, 1, tzinfo=UTC),
    )


def _zoneinfo_transitions(zone: ZoneInfo, first: datetime, last: datetime) -> list[datetime]:
    found, at = [], first
    while at < last:
        nxt = at + timedelta(hours=1)
        if at.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            found.append(nxt)
        at = nxt
    return found


@pytest.mark.parametrize("tzid, first, last", ZONES, ids=[z[0] for z in ZONES])
def test_vtimezone_offsets_equal_zoneinfo_at_every_transition(tzid, first, last):
    zone = ZoneInfo(tzid)
    cal, vcal = parse_both(_invite(tzid, first, last))
    from_vobject = vcal.vtimezone.gettzinfo()
    (component,) = cal.walk("VTIMEZONE")
    from_icalendar = component.to_tz()
    transitions = _zoneinfo_transitions(zone, first, last)
    expected = {"Asia/Shanghai": 12, "Asia/Kolkata": 0}.get(tzid)
    if expected is not None:
        assert len(transitions) == expected  # 1986–91: six springs, six autumns
    else:
        assert len(transitions) >= 6

    probes = [first, last] + [t + d for t in transitions for d in (timedelta(hours=-2), timedelta(hours=2))]
    for instant in probes:
        want = instant.astimezone(zone).utcoffset()
        wall = (instant + want).replace(tzinfo=None)  # the local time a client reads from DTSTART/DTEND
        for name, tz in (("vobject", from_vobject), ("icalendar", from_icalendar)):
            assert wall.replace(tzinfo=tz).utcoffset() == want, (name, tzid, instant)
            assert instant.astimezone(tz).utcoffset() == want, (name, tzid, instant)


def test_new_york_spring_change_is_at_two_oclock_and_the_event_keeps_its_length():
    ny = ZoneInfo("America/New_York")
    # 2027-03-14: 01:30 EST → 03:30 EDT is one hour of real time.
    starts, ends = datetime(2027, 3, 14, 1, 30, tzinfo=ny), datetime(2027, 3, 14, 3, 30, tzinfo=ny)
    event = InviteEvent(
        summary="夜场",
        starts_at=starts,
        ends_at=ends,
        timezone="America/New_York",
        organizer_email="org@union.example",
    )
    data = builders.build_invite(
        event=event,
        uid="ny@yizhan.test",
        sequence=0,
        attendee=Attendee(email="a@example.com", name="甲"),
        method=builders.REQUEST,
        dtstamp=datetime(2026, 12, 1, tzinfo=UTC),
    )
    _cal, vcal = parse_both(data)
    daylight = [c for c in vcal.vtimezone.getChildren() if c.name == "DAYLIGHT"]
    onset = {c.dtstart.value for c in daylight if c.dtstart.value.year == 2027}
    assert onset == {datetime(2027, 3, 14, 2, 0)}
    # (Python subtracts two times of the same tzinfo as wall clocks: compare the instants.)
    length = vcal.vevent.dtend.value.astimezone(UTC) - vcal.vevent.dtstart.value.astimezone(UTC)
    assert length == timedelta(hours=1)
