from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone
from django.utils.translation import gettext

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
        errors["timezone"] = [gettext("未知时区，请从列表中选择。")]
    if ends_at <= starts_at:
        errors["ends_at"] = [gettext("结束时间必须晚于开始时间。")]
    elif ends_at - starts_at > max_length:
        hours = int(max_length.total_seconds() // 3600)
        longest = (
            gettext("一节课最长 %(hours)d 小时。")
            if what == "class"
            else gettext("一场直播最长 %(hours)d 小时。")
        )
        errors["ends_at"] = [longest % {"hours": hours}]
    if require_future and starts_at <= timezone.now():
        errors["starts_at"] = [gettext("开始时间必须在将来。")]
    if errors:
        message = gettext("Invalid class times.") if what == "class" else gettext("Invalid session times.")
        raise ApplicationError(message, fields=errors)
