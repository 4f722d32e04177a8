"""Demo: publish the demo sessions' invites and give the host a personal calendar feed."""

from django.conf import settings

from invites.adapters import session_invites_sync


def seed(ctx: dict, stdout=None) -> None:
    for name in ("fair", "sales"):
        session = ctx.get(name)
        if session is not None:
            session_invites_sync(session=session)  # idempotent: unchanged sessions send nothing again
    host = ctx.get("host")
    if host is None:
        return
    if not host.calendar_token:
        host.rotate_calendar_token()
    ctx.setdefault("logins", []).append(
        f"host's calendar feed: {settings.SITE_URL}/calendar/{host.calendar_token}.ics  (settings: /calendar/settings/)"
    )
