"""Calendar feeds, the session .ics download and the feed settings page."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_http_methods

from invites import builders, selectors, services
from invites.adapters import SessionInvite

ICS = "text/calendar; charset=utf-8"


def _not_modified(request, etag: str) -> bool:
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in tags or etag in tags


def _ics(request, *, etag: str, body, filename: str, cache: str) -> HttpResponse:
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body(), content_type=ICS)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


def feed_url(request, user) -> str | None:
    if not user.calendar_token:
        return None
    return request.build_absolute_uri(reverse("invites:personal-feed", args=[user.calendar_token]))


@require_GET
def personal_feed(request, token: str):
    user = selectors.feed_user_for_token(token)
    if user is None:
        # Unknown and revoked tokens get the very same bytes; a calendar app has no use for an HTML page.
        return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")
    now = timezone.now()
    return _ics(
        request,
        etag=selectors.personal_feed_etag(user=user, now=now),
        body=lambda: selectors.personal_feed_body(user=user, now=now),
        filename="yizhan.ics",
        cache="private, no-cache",
    )


@require_GET
def series_feed(request, pk):
    from livestreams.models import Series

    series = get_object_or_404(Series, pk=pk, is_public=True)
    now = timezone.now()
    return _ics(
        request,
        etag=selectors.series_feed_etag(series=series, now=now),
        body=lambda: selectors.series_feed_body(series=series, now=now),
        filename=f"series-{series.pk}.ics",
        cache="public, max-age=300",
    )


@require_GET
def session_download(request, pk):
    from livestreams.selectors import sessions_visible_to

    session = get_object_or_404(
        sessions_visible_to(request.user).exclude(status="draft").select_related("created_by"), pk=pk
    )
    source = SessionInvite(session)
    event = source.event()
    site_email, site_name = services.site_organizer()
    event = replace(event, organizer_email=site_email, organizer_name=site_name)
    body = builders.build_download(
        event=event, uid=session.ical_uid, sequence=session.ical_sequence, dtstamp=session.updated_at
    )
    etag = selectors._etag("session", session.pk, session.updated_at, session.ical_sequence, len(body))
    return _ics(
        request,
        etag=etag,
        body=lambda: body,
        filename=f"session-{session.pk}.ics",
        cache="public, max-age=60",
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            services.calendar_token_rotate(user=request.user)
        elif action == "revoke":
            services.calendar_token_revoke(user=request.user)
        else:
            return render(
                request,
                "invites/settings.html",
                {"feed_url": feed_url(request, request.user), "error": "unknown action"},
                status=400,
            )
        return redirect("invites:settings")
    return render(request, "invites/settings.html", {"feed_url": feed_url(request, request.user)})
