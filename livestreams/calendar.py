"""Invite sources for livestream sessions and their lineup (like ``coaching/calendar.py``).

- ``SessionInvite``: the session itself (UID/SEQUENCE stored on LiveSession), sent to its hosts.
- ``SegmentInvite``: one lineup segment, sent to the people on air in it: the seller, plus whoever the
  ``segment_attendees`` hook adds (jobs: the employer on air, ``jobs/calendar.py``). UID/SEQUENCE are
  stored by invites.

``livestreams.services`` calls ``session_invites_sync`` directly; invites knows nothing of sessions.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from core.text import fit_title
from core.timeutils import local
from invites.services import NO_EXTRAS, Extras, invite_publish, invite_retire_missing
from invites.sources import (
    CANCELLED,
    CHAIR,
    CONFIRMED,
    REQ_PARTICIPANT,
    SUMMARY_MAX_LENGTH,
    Attendee,
    InviteEvent,
    InviteSource,
    in_site_language,
)
from livestreams import hooks
from livestreams.models import LiveSession


def _session_status(session) -> str:
    return CANCELLED if session.status == "cancelled" else CONFIRMED


def session_page_url(session) -> str:
    return f"{settings.SITE_URL}/s/{session.pk}/"


def _organizer(session) -> tuple[str, str]:
    creator = session.created_by
    email = (creator.email if creator else "") or ""
    return email, session.union.name if session.union_id else ""


def _lineup_text(session, segments) -> str:
    lines = []
    for segment in segments:
        start = local(segment.starts_at, session.timezone)
        end = local(segment.ends_at, session.timezone)
        lines.append(f"{start:%H:%M}–{end:%H:%M} {segment.title}")
    return "\n".join(lines)


def _where(session) -> tuple[str, str]:
    location = gettext("%(platform)s 直播间") % {"platform": session.get_platform_display()}
    return location, session.stream_url or session_page_url(session)


class SessionInvite(InviteSource):
    kind = "livestreams.session"

    def __init__(self, session, *, segments=None):
        self.session = session
        self.object_id = str(session.pk)
        self.union_id = session.union_id
        self.series_id = session.series_id
        self.is_public = session.is_public
        self._segments = segments

    def segments(self):
        if self._segments is None:
            self._segments = list(self.session.segments.order_by("starts_at"))
        return self._segments

    def is_published(self) -> bool:
        return self.session.status != "draft"

    @in_site_language
    def event(self) -> InviteEvent:
        session = self.session
        location, url = _where(session)
        parts = [session.description.strip()] if session.description.strip() else []
        parts.append(gettext("直播间：%(url)s") % {"url": url})
        lineup = _lineup_text(session, self.segments())
        if lineup:
            parts.append(gettext("节目单：") + "\n" + lineup)
        organizer_email, organizer_name = _organizer(session)
        return InviteEvent(
            uid=session.ical_uid,
            sequence=session.ical_sequence,
            summary=session.title,
            description="\n\n".join(parts),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            timezone=session.timezone,
            location=location,
            url=url,
            status=_session_status(session),
            organizer_email=organizer_email,
            organizer_name=organizer_name,
            categories=(session.get_kind_display(),),
        )

    def attendees(self) -> list[Attendee]:
        return [Attendee.for_user(host, role=CHAIR) for host in self.session.hosts.all()]


class SegmentInvite(InviteSource):
    kind = "livestreams.segment"

    def __init__(self, segment, *, session=None, lineup: str | None = None, extra_attendees=None):
        self.segment = segment
        self._extra_attendees = extra_attendees
        self.session = session or segment.session
        self.object_id = str(segment.pk)
        self.union_id = self.session.union_id
        self.parent_key = f"{SessionInvite.kind}:{self.session.pk}"
        self._lineup = lineup

    def is_published(self) -> bool:
        return self.session.status != "draft"

    @in_site_language
    def event(self) -> InviteEvent:
        session, segment = self.session, self.segment
        location, url = _where(session)
        lineup = self._lineup if self._lineup is not None else _lineup_text(session, session.segments.all())
        parts = [gettext("您的环节：%(title)s") % {"title": segment.title}]
        if segment.description.strip():
            parts.append(segment.description.strip())
        parts.append(
            gettext("直播：%(title)s") % {"title": session.title}
            + "\n"
            + gettext("直播间：%(url)s") % {"url": url}
        )
        if lineup:
            parts.append(gettext("节目单：") + "\n" + lineup)
        organizer_email, organizer_name = _organizer(session)
        return InviteEvent(
            summary=fit_title(session.title, segment.title, limit=SUMMARY_MAX_LENGTH),
            description="\n\n".join(parts),
            starts_at=segment.starts_at,
            ends_at=segment.ends_at,
            timezone=session.timezone,
            location=location,
            url=url,
            status=_session_status(session),
            organizer_email=organizer_email,
            organizer_name=organizer_name,
        )

    def attendees(self) -> list[Attendee]:
        people = []
        seller = self.segment.seller
        if seller is not None:
            people.append(Attendee.for_user(seller, role=REQ_PARTICIPANT))
        if self._extra_attendees is None:
            self._extra_attendees = segment_extra_attendees([self.segment]).get(self.segment.pk, [])
        people.extend(self._extra_attendees)
        return people


def segment_extra_attendees(segments) -> dict:
    """Attendees other apps add to segments (hook ``segment_attendees(segments) -> {segment_pk: [...]}``),
    one batch for a whole lineup."""
    extra: dict = {}
    for found in hooks.run("segment_attendees", segments):
        for pk, people in found.items():
            extra.setdefault(pk, []).extend(people)
    return extra


def session_invites_sync(*, session, extras: Extras = NO_EXTRAS, held: dict | None = None) -> set:
    """Publish a session and its lineup; idempotent, so every change can call it. ``extras``: notices
    carried by the segment invite emails (one email per change), or the attendees whose segment emails
    are held (``hold_keys``): their calendar attachments are added to ``held`` ({attendee key: [..]}) for
    the caller's one email. Returns the attendee keys emailed."""
    session = (
        LiveSession.objects.select_related("union", "created_by").prefetch_related("hosts").get(pk=session.pk)
    )
    if session.status == "draft":
        return set()
    segments = list(session.segments.select_related("seller").order_by("starts_at"))
    extra = segment_extra_attendees(segments)
    invite_publish(source=SessionInvite(session, segments=segments))
    lineup = _lineup_text(session, segments)
    keep = set()
    results = []
    for segment in segments:
        source = SegmentInvite(
            segment, session=session, lineup=lineup, extra_attendees=extra.get(segment.pk, [])
        )
        keep.add(source.key)
        results.append(invite_publish(source=source, extras=extras))
    # Segments gone from the lineup: CANCEL, carrying the notice of the change that removed them.
    results += invite_retire_missing(
        parent_key=f"{SessionInvite.kind}:{session.pk}", keep=keep, extras=extras
    )
    emailed = set()
    for result in results:
        emailed.update(key for key in (*result.requested, *result.cancelled) if key not in result.held)
        if held is not None:
            for key, attachment in result.held.items():
                held.setdefault(key, []).append(attachment)
    return emailed


def seller_reminder_recipients(session) -> list[tuple]:
    """Sellers on air get the Celery reminders too (VALARM alone is ignored by Google/Outlook)."""
    return [
        (segment.seller, segment.seller.email, segment.seller.name)
        for segment in session.segments.select_related("seller").exclude(seller=None)
    ]


def session_page_section(session, request):
    """The "add to calendar" card on the public session page (not for drafts or cancelled sessions)."""
    if session.status in ("draft", "cancelled"):
        return None
    series_feed = None
    if session.series_id and session.series.is_public:
        series_feed = reverse("livestreams:series-feed", args=[session.series_id])
    return render_to_string(
        "livestreams/_add_to_calendar.html", {"session": session, "series_feed": series_feed}, request=request
    )
