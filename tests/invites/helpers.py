"""Parsing helpers: every check reads the output back with real parsers, not string matching alone."""

from __future__ import annotations

import icalendar
import vobject


def parse_both(data: bytes | str):
    """(icalendar.Calendar, vobject component) of the same bytes; both must accept them."""
    raw = data if isinstance(data, bytes) else data.encode()
    cal = icalendar.Calendar.from_ical(raw)
    vcal = vobject.readOne(raw.decode("utf-8"))
    return cal, vcal


def events(cal) -> list:
    return [c for c in cal.walk("VEVENT")]


def timezones(cal) -> set[str]:
    return {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    body = data[:-2]
    # Every line ends in CRLF: no bare LF anywhere.
    assert b"\n" not in body.replace(b"\r\n", b"")
    return body.split(b"\r\n")
