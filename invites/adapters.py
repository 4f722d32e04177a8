"""Invite sources for livestream sessions and their lineup, and the livestreams hook handlers.

- ``SessionInvite``: the session itself (UID/SEQUENCE stored on LiveSession), sent to its hosts.
- ``SegmentInvite``: one lineup segment, sent to the people on air in it (the seller today; the jobs
  app's employers can be added by subclassing ``attendees``). UID/SEQUENCE are stored by invites.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from core.text import fit_title
from invites.services import invite_publish, invite_retire_missing
from invites.sources import (
    CANCELLED,
    CHAIR,
    CONFIRMED,
    REQ_PARTICIPANT,
    SUMMARY_MAX_LENGTH,
    Attendee,
    InviteEvent,
    InviteSource,
)


def _session_status(session) -> str:
    return CANCELLED if session.status == "cancelled" else CONFIRMED


def session_page_url(session) -> str:
    return f"{settings.SITE_URL}/s/{session.pk}/"


def _organizer(session) -> tuple[str, str]:
    creator = session.created_by
    email = (creator.email if creator else "") or ""
    return email, session.union.name if session.union_id else ""


def _lineup_text(session, segments) -> str:
    from core.timeutils import local

    lines = []
    for segment in segments:
        start = local(segment.starts_at, session.timezone)
        end = local(segment.ends_at, session.timezone)
        lines.append(f"{start:%H:%M}–{end:%H:%M} {segment.title}")
    return "\n".join(lines)


def _where(session) -> tuple[str, str]:
    location = f"{session.get_platform_display()} 直播间"
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

    def event(self) -> InviteEvent:
        session = self.session
        location, url = _where(session)
        parts = [session.description.strip()] if session.description.strip() else []
        parts.append(f"直播间 Stream: {url}")
        lineup = _lineup_text(session, self.segments())
        if lineup:
            parts.append("节目单 Lineup:\n" + lineup)
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

    def __init__(self, segment, *, session=None, lineup: str | None = None):
        self.segment = segment
        self.session = session or segment.session
        self.object_id = str(segment.pk)
        self.union_id = self.session.union_id
        self.parent_key = f"{SessionInvite.kind}:{self.session.pk}"
        self._lineup = lineup

    def is_published(self) -> bool:
        return self.session.status != "draft"

    def event(self) -> InviteEvent:
        session, segment = self.session, self.segment
        location, url = _where(session)
        lineup = self._lineup if self._lineup is not None else _lineup_text(session, session.segments.all())
        parts = [f"您的环节 Your segment: {segment.title}"]
        if segment.description.strip():
            parts.append(segment.description.strip())
        parts.append(f"直播 Session: {session.title}\n直播间 Stream: {url}")
        if lineup:
            parts.append("节目单 Lineup:\n" + lineup)
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
        people.extend(lineup_attendees(self.segment))
        return people


def lineup_attendees(segment) -> list[Attendee]:
    """The employer on air in a job-fair segment (jobs.LineupRequest approved into it): its members,
    plus its contact address when no member account uses it."""
    if not apps.is_installed("jobs"):
        return []
    try:
        request = segment.lineup_request
    except ObjectDoesNotExist:
        return []
    if request is None or request.status != "approved":
        return []
    employer = request.employer
    people = [
        Attendee.for_user(m.user, role=REQ_PARTICIPANT)
        for m in employer.memberships.all()
        if m.user.is_active
    ]
    contact = (employer.contact_email or "").strip()
    if contact and contact.lower() not in {p.email.lower() for p in people}:
        people.append(Attendee(email=contact, name=employer.contact_name or employer.name))
    return people


def session_invites_sync(*, session) -> None:
    """Publish a session and its lineup; idempotent, so every livestreams hook can call it."""
    from livestreams.models import LiveSession

    session = (
        LiveSession.objects.select_related("union", "created_by").prefetch_related("hosts").get(pk=session.pk)
    )
    if session.status == "draft":
        return
    segments = session.segments.select_related("seller").order_by("starts_at")
    if apps.is_installed("jobs"):
        segments = segments.select_related("lineup_request__employer").prefetch_related(
            "lineup_request__employer__memberships__user"
        )
    segments = list(segments)
    invite_publish(source=SessionInvite(session, segments=segments))
    lineup = _lineup_text(session, segments)
    keep = set()
    for segment in segments:
        source = SegmentInvite(segment, session=session, lineup=lineup)
        keep.add(source.key)
        invite_publish(source=source)
    invite_retire_missing(parent_key=f"{SessionInvite.kind}:{session.pk}", keep=keep)


def on_lineup_changed(request) -> None:
    """jobs: call from ``jobs.services._lineup_changed`` (approved, declined, withdrawn, removed, moved).

    Withdrawals, removals and moves already arrive through ``segments_changed``; an approval into an
    existing segment does not, which is why jobs calls this.
    """
    session_invites_sync(session=request.session)


# --- livestreams.hooks handlers (registered in InvitesConfig.ready) -----------------------------------


def on_scheduled(session) -> None:
    session_invites_sync(session=session)


def on_rescheduled(session, changed) -> None:
    session_invites_sync(session=session)


def on_updated(session, changed) -> None:
    if session.status == "scheduled" and {"starts_at", "ends_at"} & set(changed):
        return  # livestreams ran the "rescheduled" hook for this same change a moment ago
    session_invites_sync(session=session)


def on_cancelled(session) -> None:
    session_invites_sync(session=session)


def on_segments_changed(session) -> None:
    session_invites_sync(session=session)


def reminder_recipients(session) -> list[tuple]:
    """Sellers on air get the Celery reminders too (VALARM alone is ignored by Google/Outlook)."""
    return [
        (segment.seller, segment.seller.email, segment.seller.name)
        for segment in session.segments.select_related("seller").exclude(seller=None)
    ]


def session_page_section(session, request):
    """The "add to calendar" card on the public session page (not for drafts or cancelled sessions)."""
    from django.template.loader import render_to_string
    from django.urls import reverse

    if session.status in ("draft", "cancelled"):
        return None
    series_feed = None
    if session.series_id and session.series.is_public:
        series_feed = reverse("invites:series-feed", args=[session.series_id])
    return render_to_string(
        "invites/_add_to_calendar.html", {"session": session, "series_feed": series_feed}, request=request
    )
