from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone

from core.errors import ApplicationError

_ZONES = None


def is_valid_timezone(name: str) -> bool:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    if name not in _ZONES:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def now() -> datetime:
    return timezone.now()


def local(dt: datetime, tz_name: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz_name))


def window_check(
    *, starts_at: datetime, ends_at: datetime, tz: str, max_length, require_future: bool, what: str
) -> None:
    """The one time-window rule for sessions and classes: a known IANA zone, end after start, at most
    ``max_length`` long, and (when asked) a start in the future. ``what`` names the thing in messages
    ("session", "class"). Raises one ApplicationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    if not is_valid_timezone(tz):
        errors["timezone"] = [f"Unknown time zone '{tz}'. Use an IANA name such as Asia/Shanghai."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["End must be after start."]
    elif ends_at - starts_at > max_length:
        hours = int(max_length.total_seconds() // 3600)
        errors["ends_at"] = [f"A {what} can last at most {hours} hours."]
    if require_future and starts_at <= timezone.now():
        errors["starts_at"] = ["Start must be in the future."]
    if errors:
        raise ApplicationError(f"Invalid {what} times.", fields=errors)
