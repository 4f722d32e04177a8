from django.apps import AppConfig
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs import calendar, services  # noqa: PLC0415 -- app registry: models load after ready() starts
        from livestreams import hooks  # noqa: PLC0415 -- app registry

        hooks.register("reminder_recipients", services.lineup_reminder_recipients)
        hooks.register("segments_changed", services.lineup_on_segments_changed)
        hooks.register("session_page_sections", _lineup_section)
        hooks.register("segment_attendees", calendar.lineup_attendees)


def _lineup_section(session, request):
    """The employers and job cards of a fair, on the public session page."""
    from jobs import selectors  # noqa: PLC0415 -- app registry: jobs.models cannot load at apps.py import

    if session.kind != "job_fair":
        return None
    lineup = selectors.public_lineup(session)
    if not lineup:
        return None
    html = render_to_string("jobs/_lineup.html", {"session": session, "lineup": lineup}, request=request)
    return mark_safe(html)  # rendered by the template engine, which escaped every value
