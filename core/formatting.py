"""How figures read, in one place: pages (``{% load fmt %}``), emails and exports all call these.

- rates as percentages: ``percent(0.1234)`` → "12.3%";
- durations as minutes:seconds: ``duration(75)`` → "1:15" (hours when there are any: "1:02:03");
- money as yuan with two decimals: ``yuan(Decimal("1234.5"))`` → "¥1,234.50";
- times in the zone of the thing (session, class) with the zone named in the reader's language:
  ``when(dt, "Asia/Shanghai")`` → "2026-12-02 10:00 北京时间" ("… Beijing time" in the English UI),
  never a raw IANA name or a UTC stamp.

A missing figure (no denominator yet, not computed) is "—" so a page never shows "None".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MISSING = "—"
DATE_TIME = "%Y-%m-%d %H:%M"

# Zones people here meet, named as a person says them. Others fall back to their UTC offset.
_ZONE_NAMES = {
    "Asia/Shanghai": gettext_noop("北京时间"),
    "Asia/Chongqing": gettext_noop("北京时间"),
    "Asia/Harbin": gettext_noop("北京时间"),
    "PRC": gettext_noop("北京时间"),
    "Asia/Urumqi": gettext_noop("乌鲁木齐时间"),
    "Asia/Hong_Kong": gettext_noop("香港时间"),
    "Asia/Macau": gettext_noop("澳门时间"),
    "Asia/Taipei": gettext_noop("台北时间"),
    "Asia/Tokyo": gettext_noop("东京时间"),
    "Asia/Seoul": gettext_noop("首尔时间"),
    "Asia/Singapore": gettext_noop("新加坡时间"),
    "Europe/London": gettext_noop("伦敦时间"),
    "Europe/Berlin": gettext_noop("柏林时间"),
    "Europe/Paris": gettext_noop("巴黎时间"),
    "America/New_York": gettext_noop("纽约时间"),
    "America/Los_Angeles": gettext_noop("洛杉矶时间"),
    "Australia/Sydney": gettext_noop("悉尼时间"),
    "UTC": gettext_noop("协调世界时"),
    "Etc/UTC": gettext_noop("协调世界时"),
}


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def percent(value, digits: int = 1) -> str:
    """A ratio (0–1) as a percentage: 0.1234 → "12.3%"."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number * 100:.{int(digits)}f}%"


def duration(seconds) -> str:
    """Seconds as minutes:seconds ("4:05"), with hours in front when there are any ("1:02:03")."""
    number = _number(seconds)
    if number is None:
        return MISSING
    total = int(round(float(number)))
    sign, total = ("-", -total) if total < 0 else ("", total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"


def yuan(value, digits: int = 2) -> str:
    """Money as yuan with thousands separators and two decimals: 1234.5 → "¥1,234.50"."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"¥{number:,.{int(digits)}f}"


def decimal(value, digits: int = 1) -> str:
    """A plain figure with fixed decimals (averages, per-1000 rates): 12.345 → "12.3"."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:,.{int(digits)}f}"


def zone_name(tz: str | None, at: datetime | None = None) -> str:
    """The zone as a reader names it: "北京时间" / "Beijing time"; an unlisted zone reads as its
    offset at ``at`` (or now), e.g. "UTC+05:30"."""
    name = tz or settings.TIME_ZONE
    if name in _ZONE_NAMES:
        return _(_ZONE_NAMES[name])
    moment = (at or datetime.now(tz=ZoneInfo("UTC"))).astimezone(_zone(name))
    offset = moment.strftime("%z")  # "+0530"
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else name


def local(dt: datetime, tz: str | None) -> datetime:
    return dt.astimezone(_zone(tz))


def local_text(dt: datetime | None, tz: str | None, fmt: str = DATE_TIME) -> str:
    """The wall-clock time in ``tz`` without the zone (for table cells whose header names the zone)."""
    if dt is None:
        return ""
    return local(dt, tz).strftime(fmt)


def when(dt: datetime | None, tz: str | None, fmt: str = DATE_TIME) -> str:
    """ "2026-12-02 10:00 北京时间": local wall-clock time with the zone named."""
    if dt is None:
        return MISSING
    return f"{local_text(dt, tz, fmt)} {zone_name(tz, dt)}"


def clock(dt: datetime | None, tz: str | None) -> str:
    """ "10:30 北京时间": the wall-clock time of day with the zone named (where the date is plain)."""
    return when(dt, tz, "%H:%M")


def clock_range(start: datetime | None, end: datetime | None, tz: str | None) -> str:
    """ "10:00–10:30 北京时间": a segment's times of day with the zone named, for pages that show the
    date once (a session's lineup, the host kit)."""
    if start is None:
        return MISSING
    if end is None:
        return clock(start, tz)
    return f"{local_text(start, tz, '%H:%M')}–{local_text(end, tz, '%H:%M')} {zone_name(tz, start)}"


def when_range(start: datetime | None, end: datetime | None, tz: str | None) -> str:
    """ "2026-12-02 10:00–12:00 北京时间"; the end carries its date when it falls on another day."""
    if start is None:
        return MISSING
    if end is None:
        return when(start, tz)
    a, b = local(start, tz), local(end, tz)
    tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime(DATE_TIME)
    return f"{a.strftime(DATE_TIME)}–{tail} {zone_name(tz, start)}"
