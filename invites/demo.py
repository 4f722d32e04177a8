"""Demo: give the host a personal calendar feed (livestreams/demo.py publishes the sessions' invites)."""

from django.conf import settings


def seed(ctx: dict, stdout=None) -> None:
    host = ctx.get("host")
    if host is None:
        return
    if not host.calendar_token:
        host.rotate_calendar_token()
    ctx.setdefault("urls", []).append(
        ("host's calendar feed", f"{settings.SITE_URL}/calendar/{host.calendar_token}.ics")
    )
