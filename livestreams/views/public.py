"""Public server-rendered pages: the upcoming sessions list and one session's page.

Times are shown in each session's own IANA zone (a Shanghai fair reads 10:00 whoever opens it); a small
script adds the viewer's own clock when it differs. Drafts and private sessions are 404 to outsiders.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from livestreams import calendar, hooks, selectors
from livestreams.models import LiveSession, Segment

UPCOMING_LIMIT = 100


def upcoming(request):
    kind = request.GET.get("kind", "")
    sessions = selectors.public_upcoming_sessions()
    if kind in LiveSession.Kind.values:
        sessions = sessions.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "livestreams/upcoming.html",
        {"sessions": list(sessions[:UPCOMING_LIMIT]), "kind": kind, "kinds": LiveSession.Kind.choices},
    )


def session_page(request, pk):
    session = get_object_or_404(
        selectors.sessions_visible_to(request.user).prefetch_related(
            "hosts", Prefetch("segments", queryset=Segment.objects.order_by("starts_at"))
        ),
        pk=pk,
    )
    # Other apps (jobs: job cards, coaching: products) add sections through the hook
    # ``session_page_sections(session, request) -> SafeString | None`` (plain str is escaped).
    sections = [html for html in hooks.run("session_page_sections", session, request) if html]
    calendar_card = calendar.session_page_section(session, request)
    if calendar_card:
        sections.append(calendar_card)
    return render(
        request,
        "livestreams/session.html",
        {
            "session": session,
            "segments": list(session.segments.all()),
            "hosts": list(session.hosts.all()),
            "sections": sections,
            "now": timezone.now(),
        },
    )
