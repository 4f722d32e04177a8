"""A session's .ics download and a public series' feed (the builders and feeds machinery is invites')."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from invites import builders, selectors, services
from invites.views import ics_response
from livestreams.calendar import SessionInvite
from livestreams.models import Series
from livestreams.selectors import sessions_visible_to


@require_GET
def series_feed(request, pk):
    series = get_object_or_404(Series, pk=pk, is_public=True)
    now = timezone.now()
    return ics_response(
        request,
        etag=selectors.series_feed_etag(series=series, now=now),
        body=lambda: selectors.series_feed_body(series=series, now=now),
        filename=f"series-{series.pk}.ics",
        cache="public, max-age=300",
    )


@require_GET
def session_download(request, pk):
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
    etag = selectors.etag("session", session.pk, session.updated_at, session.ical_sequence, len(body))
    return ics_response(
        request,
        etag=etag,
        body=lambda: body,
        filename=f"session-{session.pk}.ics",
        cache="public, max-age=60",
    )
