"""Public server-rendered pages."""

from django.shortcuts import get_object_or_404, render

from livestreams import selectors


def upcoming(request):
    sessions = selectors.public_upcoming_sessions()[:100]
    return render(request, "livestreams/upcoming.html", {"sessions": sessions})


def session_page(request, pk):
    session = get_object_or_404(
        selectors.sessions_visible_to(request.user).prefetch_related("segments"), pk=pk
    )
    return render(
        request, "livestreams/session.html", {"session": session, "segments": session.segments.all()}
    )
