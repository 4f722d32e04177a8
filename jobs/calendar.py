"""jobs' part of the session invites: the employer on air in a job-fair segment.

``livestreams/calendar.py`` builds the segment invites; jobs adds its attendees through the
``segment_attendees`` hook and re-publishes after every lineup change.
"""

from __future__ import annotations

from invites.services import Extras
from invites.sources import REQ_PARTICIPANT, Attendee
from jobs.models import LineupRequest
from livestreams.calendar import session_invites_sync


def lineup_attendees(segments) -> dict:
    """livestreams hook ``segment_attendees``: for each segment with an approved lineup request, the
    employer's active members, plus its contact address when no member account uses it. One query
    batch for the whole lineup."""
    requests = (
        LineupRequest.objects.filter(
            segment__in=[s.pk for s in segments], status=LineupRequest.Status.APPROVED
        )
        .select_related("employer")
        .prefetch_related("employer__memberships__user")
    )
    found: dict = {}
    for request in requests:
        employer = request.employer
        people = [
            Attendee.for_user(m.user, role=REQ_PARTICIPANT)
            for m in employer.memberships.all()
            if m.user.is_active
        ]
        contact = (employer.contact_email or "").strip()
        if contact and contact.lower() not in {p.email.lower() for p in people}:
            people.append(Attendee(email=contact, name=employer.contact_name or employer.name))
        found[request.segment_id] = people
    return found


def team_invite_keys(employer) -> set[str]:
    """The attendee keys ``lineup_attendees`` gives this employer's team (members, the contact address)."""
    members = [m.user for m in employer.memberships.select_related("user") if m.user.is_active]
    keys = {f"u{user.pk}" for user in members}
    contact = (employer.contact_email or "").strip()
    if contact and contact.lower() not in {(u.email or "").strip().lower() for u in members}:
        keys.add(contact.lower())
    return keys


def on_lineup_changed(request: LineupRequest, notices: dict | None = None) -> set:
    """Called from ``jobs.services.lineup._lineup_changed`` (approved, declined, withdrawn, removed, moved).

    Withdrawals, removals and moves already re-publish through ``segments_changed``; an approval into an
    existing segment does not, which is why jobs calls this. ``notices``: attendee key → the change's
    notice, carried by that person's invite email. Returns the attendee keys that were emailed.
    """
    return session_invites_sync(session=request.session, extras=Extras(notices=notices or {}))
