"""Pure RFC 5545 builders: data in, bytes out. No database, no clock, no settings.

All content lines are produced by the ``icalendar`` library (escaping of TEXT values, CRLF line ends,
folding at 75 octets without splitting a UTF-8 character). We only assemble whole components: the
VTIMEZONE for a zone and span of years is generated once per process (from zoneinfo, see ``vtimezone``)
and its bytes reused, and a stored VEVENT can be spliced into a feed, so a 10,000-event feed or a 10,000-attendee
fan-out does not regenerate the same text ten thousand times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
)

from invites.sources import CANCELLED, Attendee, InviteEvent

PRODID = "-//Yizhan//Livestream Invites 1.0//ZH"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
METHODS = (REQUEST, CANCEL, PUBLISH)
FEED_REFRESH = timedelta(hours=1)


def _is_utc(tzid: str) -> bool:
    return tzid.upper() in ("UTC", "ETC/UTC", "Z", "")


DEFAULT_YEARS = (1970, 2037)


def _zone_state(zone: ZoneInfo, at: datetime) -> tuple[timedelta, bool, str]:
    local = at.astimezone(zone)
    return local.utcoffset(), bool(local.dst()), local.tzname() or ""


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, tuple, tuple]]:
    """(instant, state before, state after) for every change of offset/DST/name in [start, end) (UTC).

    zoneinfo has no public list of transitions: step an hour at a time (no zone changes twice within an
    hour) and bisect each change to the second.
    """
    found = []
    step = timedelta(hours=1)
    at, state = start, _zone_state(zone, start)
    while at < end:
        nxt = at + step
        next_state = _zone_state(zone, nxt)
        if next_state != state:
            lo, hi = at, nxt  # state(lo) == state, state(hi) != state
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _zone_state(zone, mid) == state:
                    lo = mid
                else:
                    hi = mid
            found.append((hi.replace(microsecond=0), state, next_state))
        at, state = nxt, next_state
    return found


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int = DEFAULT_YEARS[0], last_year: int = DEFAULT_YEARS[1]) -> bytes:
    """The VTIMEZONE of an IANA zone, exact for every instant from ``first_year`` through ``last_year``.

    Built from Python's zoneinfo rather than ``add_missing_timezones()`` (whose rules started New York's
    daylight time at 03:00 instead of 02:00). Every transition in the years is one STANDARD/DAYLIGHT
    onset with its DTSTART in the wall time before the change, so past rule changes (Asia/Shanghai's
    1986–91 DST), half-hour offsets and zones without DST all come out as zoneinfo has them. A first
    onset at the start of the range carries the offset in force then.
    """
    zone = ZoneInfo(tzid)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    component = Timezone()
    component.add("tzid", tzid)
    initial = _zone_state(zone, start)
    onsets = [(start, initial, initial)] + _transitions(zone, start, end)
    for instant, before, after in onsets:
        offset, is_dst, name = after
        sub = TimezoneDaylight() if is_dst else TimezoneStandard()
        sub.add("dtstart", (instant + before[0]).replace(tzinfo=None))  # wall clock before the change
        sub.add("tzoffsetfrom", before[0])
        sub.add("tzoffsetto", offset)
        if name:
            sub.add("tzname", name)
        component.add_component(sub)
    return component.to_ical()


def span_years(*times: datetime | None) -> tuple[int, int]:
    """The years a VTIMEZONE must cover for these times (a year of margin each side)."""
    years = [t.year for t in times if t is not None]
    if not years:
        return DEFAULT_YEARS
    return max(1900, min(years) - 1), min(9998, max(years) + 1)


def _when(value: datetime, tzid: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime in a calendar event")
    return value.astimezone(UTC if _is_utc(tzid) else ZoneInfo(tzid))


def _address(email: str, *, name: str = "", **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}" if email else "mailto:invalid@invalid")
    if name:
        address.params["CN"] = name
    address.params.update(params)
    return address


def event_component(
    event: InviteEvent,
    *,
    uid: str,
    sequence: int,
    dtstamp: datetime,
    method: str,
    attendee: Attendee | None = None,
    last_modified: datetime | None = None,
) -> Event:
    """One VEVENT. CANCEL forces STATUS:CANCELLED; REQUEST asks the attendee to answer (RSVP)."""
    status = CANCELLED if method == CANCEL else event.status
    component = Event()
    component.add("uid", uid)
    component.add("sequence", sequence)
    component.add("dtstamp", dtstamp.astimezone(UTC))
    if last_modified is not None:
        component.add("last-modified", last_modified.astimezone(UTC))
    component.add("dtstart", _when(event.starts_at, event.timezone))
    component.add("dtend", _when(event.ends_at, event.timezone))
    component.add("summary", event.summary)
    if event.description:
        component.add("description", event.description)
    if event.location:
        component.add("location", event.location)
    if event.url:
        component.add("url", event.url)
    if event.categories:
        component.add("categories", list(event.categories))
    component.add("status", status)
    component.add("transp", "OPAQUE")
    if event.organizer_email:
        component.add("organizer", _address(event.organizer_email, name=event.organizer_name))
    if attendee is not None:
        component.add("attendee", _attendee_address(attendee, method))
    if method == REQUEST and event.alarm_minutes:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", timedelta(minutes=-event.alarm_minutes))
        component.add_component(alarm)
    return component


def calendar_bytes(
    *,
    method: str | None,
    vevents: Iterable[bytes],
    tzids: Iterable[str],
    name: str = "",
    refresh: timedelta | None = None,
    years: tuple[int, int] = DEFAULT_YEARS,
) -> bytes:
    """A VCALENDAR around already rendered VEVENTs, with one VTIMEZONE per zone used.

    ``method=None`` leaves METHOD out (what a CalDAV server stores, RFC 4791 §4.1). ``years`` is the
    span the VTIMEZONEs cover exactly (``span_years`` of the events' times).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("name", name)  # RFC 7986
        calendar.add("x-wr-calname", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    parts = [head[: -len(end)]]
    parts.extend(vtimezone(tzid, *years) for tzid in sorted({t for t in tzids if not _is_utc(t)}))
    parts.extend(vevents)
    parts.append(end)
    return b"".join(parts)


def _attendee_address(attendee: Attendee, method: str):
    """ATTENDEE: CN, ROLE, PARTSTAT=NEEDS-ACTION, and RSVP=TRUE on a REQUEST (nothing to answer on a CANCEL)."""
    return _address(
        attendee.email,
        name=attendee.name,
        ROLE=attendee.role,
        PARTSTAT="NEEDS-ACTION",
        RSVP="TRUE" if method == REQUEST else "FALSE",
        CUTYPE="INDIVIDUAL",
    )


def _attendee_line(attendee: Attendee, method: str) -> bytes:
    holder = Event()
    holder.add("attendee", _attendee_address(attendee, method))
    return holder.to_ical()[len(b"BEGIN:VEVENT\r\n") : -len(b"END:VEVENT\r\n")]


def build_invites(
    *,
    event: InviteEvent,
    uid: str,
    sequence: int,
    attendees: Iterable[Attendee],
    method: str,
    dtstamp: datetime,
) -> Iterator[bytes]:
    """One iMIP calendar per attendee (RFC 6047): METHOD REQUEST or CANCEL, only that attendee listed.

    The calendar, time zone and event text is rendered once; per attendee only the ATTENDEE line is.
    """
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"unsupported iMIP method {method!r}")
    component = event_component(event, uid=uid, sequence=sequence, dtstamp=dtstamp, method=method)
    alarms = b"".join(sub.to_ical() for sub in component.subcomponents)
    component.subcomponents = []
    end_event = b"END:VEVENT\r\n"
    head = component.to_ical()[: -len(end_event)]
    template = calendar_bytes(
        method=method,
        vevents=[b"\0"],
        tzids=[event.timezone],
        years=span_years(event.starts_at, event.ends_at),
    )
    before, after = template.split(b"\0")
    for attendee in attendees:
        yield b"".join((before, head, _attendee_line(attendee, method), alarms, end_event, after))


def build_invite(
    *, event: InviteEvent, uid: str, sequence: int, attendee: Attendee, method: str, dtstamp: datetime
) -> bytes:
    """The iMIP calendar for one attendee."""
    (data,) = build_invites(
        event=event, uid=uid, sequence=sequence, attendees=[attendee], method=method, dtstamp=dtstamp
    )
    return data


def build_feed_vevent(
    event: InviteEvent, *, uid: str, sequence: int, dtstamp: datetime, cancelled: bool = False
) -> bytes:
    """A VEVENT for feeds and downloads: no attendees (feeds never list other people), no alarm."""
    if cancelled:
        event = replace(event, status=CANCELLED)
    component = event_component(
        replace(event, alarm_minutes=None),
        uid=uid,
        sequence=sequence,
        dtstamp=dtstamp,
        method=PUBLISH,
        last_modified=dtstamp,
    )
    return component.to_ical()


def build_feed(
    *, name: str, vevents: Iterable[bytes], tzids: Iterable[str], years: tuple[int, int] = DEFAULT_YEARS
) -> bytes:
    return calendar_bytes(
        method=PUBLISH, vevents=vevents, tzids=tzids, name=name, refresh=FEED_REFRESH, years=years
    )


def build_download(*, event: InviteEvent, uid: str, sequence: int, dtstamp: datetime) -> bytes:
    """The "add to calendar" .ics of one public event."""
    vevent = build_feed_vevent(event, uid=uid, sequence=sequence, dtstamp=dtstamp)
    return calendar_bytes(
        method=PUBLISH,
        vevents=[vevent],
        tzids=[event.timezone],
        years=span_years(event.starts_at, event.ends_at),
    )
