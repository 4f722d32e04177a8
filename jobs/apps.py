from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs import services
        from livestreams import hooks

        hooks.register("reminder_recipients", services.lineup_reminder_recipients)
        hooks.register("segments_changed", services.lineup_on_segments_changed)
        hooks.register("session_page_sections", _lineup_section)


def _lineup_section(session, request):
    """The employers and job cards of a fair, on the public session page."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from jobs import selectors

    if session.kind != "job_fair":
        return None
    lineup = selectors.public_lineup(session)
    if not lineup:
        return None
    html = render_to_string("jobs/_lineup.html", {"session": session, "lineup": lineup}, request=request)
    return mark_safe(html)  # rendered by the template engine, which escaped every value
