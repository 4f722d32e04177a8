from django.apps import AppConfig
from django.db.models import Count
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
        hooks.register("live_cards", _live_cards)
        hooks.register("organizer_home_sections", _organizer_home_section)
        hooks.register("organizer_session_sections", _organizer_session_section)
        hooks.register("segment_attendees", calendar.lineup_attendees)
        hooks.register("application_model", _application_model)
        hooks.register("posting_titles", _posting_titles)
        hooks.register("known_postings", _known_postings)


def _application_model():
    """For live results: applications are attributed to a session, segment, minute and channel."""
    from jobs.models import Application  # noqa: PLC0415 -- app registry: imported once apps are ready

    return Application


def _posting_titles(ids) -> dict:
    from jobs.models import JobPosting  # noqa: PLC0415 -- app registry: imported once apps are ready

    return {str(pk): title for pk, title in JobPosting.objects.filter(pk__in=ids).values_list("pk", "title")}


def _known_postings(ids) -> set:
    """For ingest: which job card clicks name a posting that exists."""
    from jobs.models import JobPosting  # noqa: PLC0415 -- app registry: imported once apps are ready

    return set(JobPosting.objects.filter(pk__in=ids).values_list("pk", flat=True))


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


def _live_cards(session):
    """A fair's open job cards in lineup order, each with its session short link (the host kit's QR codes)."""
    from jobs import selectors, services  # noqa: PLC0415 -- app registry: imported once apps are ready

    if session.kind != "job_fair":
        return None
    cards = []
    for item in selectors.public_lineup(session):
        for posting in item.open_postings:
            link = (
                posting.links[0]
                if posting.links
                else services.shortlink_get_or_create(posting=posting, session=session)
            )
            cards.append(
                {
                    "key": str(posting.pk),
                    "segment_id": str(item.segment_id) if item.segment_id else None,
                    "title": posting.title,
                    "owner": item.employer.name,
                    "detail": f"{posting.get_pay_type_display()} ¥{posting.pay_min:.0f}–{posting.pay_max:.0f}"
                    f" · {posting.city} · {posting.get_shift_display()}",
                    "url": services.shortlink_url(link),
                    "code": link.code,
                }
            )
    return cards


def _organizer_home_section(request):
    """Pending slot requests and employers awaiting verification, on the organizer's home page."""
    from django.template.loader import render_to_string  # noqa: PLC0415 -- app registry: imported once apps are ready
    from django.utils.safestring import mark_safe  # noqa: PLC0415 -- app registry: imported once apps are ready

    from jobs import selectors  # noqa: PLC0415 -- app registry: imported once apps are ready

    pending = selectors.pending_requests_for_organizer(request.user)
    employers = selectors.employers_for_organizer(request.user).filter(verified=False).order_by("-created_at")
    html = render_to_string(
        "jobs/organizer/_home.html",
        {
            "pending": list(pending[:8]),
            "pending_count": pending.count(),
            "employers": list(employers[:8]),
            "employer_count": employers.count(),
        },
        request=request,
    )
    return mark_safe(html)  # rendered by the template engine, which escaped every value


def _organizer_session_section(session, request):
    """A job fair's requests at a glance, on the organizer's session page."""
    from django.template.loader import render_to_string  # noqa: PLC0415 -- app registry: imported once apps are ready
    from django.utils.safestring import mark_safe  # noqa: PLC0415 -- app registry: imported once apps are ready

    from jobs.models import LineupRequest  # noqa: PLC0415 -- app registry: imported once apps are ready

    if session.kind != "job_fair":
        return None
    counts = dict(
        LineupRequest.objects.filter(session=session).values_list("status").annotate(n=Count("id")).order_by()
    )
    html = render_to_string(
        "jobs/organizer/_session.html", {"session": session, "counts": counts}, request=request
    )
    return mark_safe(html)  # rendered by the template engine, which escaped every value
