"""The adapter API: how any schedulable object becomes calendar invites.

An *invite source* wraps one object (a session, a lineup segment, a coaching slot…) and tells the invites
app four things: its stable key, whether it is published yet, what the event looks like, and who is
invited. Everything else — UID/SEQUENCE bookkeeping, who gets REQUEST and who gets CANCEL, the iMIP
emails through the outbox, delivery records, personal/series feeds — is done by
``invites.services.invite_publish(source=...)``.

Adding a source is a few lines::

    from invites.sources import Attendee, InviteEvent, InviteSource

    class SlotInvite(InviteSource):
        kind = "coaching.slot"

        def __init__(self, slot):
            self.slot = slot
            self.object_id = str(slot.pk)
            self.union_id = slot.coach.union_id

        def is_published(self):
            return self.slot.status != "draft"

        def event(self):
            return InviteEvent(
                uid=self.slot.ical_uid,              # or None: invites stores one for you
                sequence=self.slot.ical_sequence,    # or None: raised when time/status/place change
                summary=f"直播带货培训：{self.slot.title}",
                starts_at=self.slot.starts_at, ends_at=self.slot.ends_at, timezone="Asia/Shanghai",
                status="CANCELLED" if self.slot.status == "cancelled" else "CONFIRMED",
                location=self.slot.place, organizer_email=self.slot.coach.email,
            )

        def attendees(self):
            people = [Attendee.for_user(self.slot.coach, role="CHAIR")]
            people += [Attendee.for_user(b.trainee) for b in self.slot.bookings.filter(status="confirmed")]
            return people

    # after any change to the slot or its bookings (inside the same transaction):
    invite_publish(source=SlotInvite(slot))

A trainee whose booking was cancelled simply drops out of ``attendees()`` and gets a CANCEL; a promoted
waitlister appears and gets a REQUEST; a moved slot (SEQUENCE raised) re-sends REQUEST to everyone.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.utils import translation

CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"
CANCELLED = "CANCELLED"
STATUSES = (CONFIRMED, TENTATIVE, CANCELLED)

# RFC 5545 ROLE values we use.
CHAIR = "CHAIR"
REQ_PARTICIPANT = "REQ-PARTICIPANT"
OPT_PARTICIPANT = "OPT-PARTICIPANT"


SUMMARY_MAX_LENGTH = 300  # CalendarEvent.summary; sources fit their titles into it (core.text.fit_title)


# Set only by ``event_in_language``: the language an attendee reads, for the words of their own copy.
_event_language: ContextVar[str] = ContextVar("invite_event_language", default="")


def in_site_language(method):
    """Decorate ``InviteSource.event``: invites are stored and compared by content, so their words are in
    the site's language (settings.LANGUAGE_CODE) whoever's request or task builds them. The copy an
    attendee gets is rendered again in their own language (``event_in_language``)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with translation.override(_event_language.get() or settings.LANGUAGE_CODE):
            return method(*args, **kwargs)

    return wrapper


def event_in_language(source, language: str):
    """``source.event()`` with its words (description, place) in ``language``."""
    token = _event_language.set(language)
    try:
        return source.event()
    finally:
        _event_language.reset(token)


@dataclass(frozen=True)
class Attendee:
    """One invited person. ``email`` may be empty: the invite is then recorded as undeliverable."""

    email: str = ""
    name: str = ""
    user_id: int | None = None
    role: str = REQ_PARTICIPANT

    @classmethod
    def for_user(cls, user, *, role: str = REQ_PARTICIPANT) -> Attendee:
        return cls(email=(user.email or "").strip(), name=user.name, user_id=user.pk, role=role)

    @property
    def key(self) -> str:
        """Identity of the attendee within one event: the account if there is one, else the address."""
        if self.user_id is not None:
            return f"u{self.user_id}"
        return self.email.strip().lower()


@dataclass(frozen=True)
class InviteEvent:
    """What the calendar entry says. Aware datetimes; ``timezone`` is an IANA name (or "UTC")."""

    summary: str
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Asia/Shanghai"
    uid: str | None = None
    sequence: int | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = CONFIRMED
    organizer_email: str = ""
    organizer_name: str = ""
    # A hint only: Google and Outlook ignore VALARM in invites; real reminders come from Celery.
    alarm_minutes: int | None = 30
    categories: tuple[str, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        """What raises SEQUENCE for sources without their own: time, status and place."""
        return "|".join(
            [
                self.starts_at.isoformat(),
                self.ends_at.isoformat(),
                self.timezone,
                self.status,
                self.location,
                self.url,
            ]
        )


class InviteSource:
    """Base class for adapters. Subclasses set ``kind`` and implement the four methods below.

    Attributes the publisher reads:
    - ``kind``: stable type name, e.g. "livestreams.session", "jobs.lineup", "coaching.slot".
    - ``object_id``: the wrapped object's primary key as a string.
    - ``union_id``: the tenant, for scoping the invite state API (None for none).
    - ``parent_key``: groups sources (segment appearances of one session) so that a parent can retire
      children whose objects were deleted. Empty when not needed.
    - ``series_id`` / ``is_public``: a public source with a series appears in that series' public feed.
    """

    kind: ClassVar[str] = ""
    object_id: str = ""
    union_id = None
    parent_key: str = ""
    series_id = None
    is_public: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def is_published(self) -> bool:
        """False for drafts: nothing is sent and nothing appears in feeds."""
        return True

    def event(self) -> InviteEvent:
        raise NotImplementedError

    def attendees(self) -> list[Attendee]:
        raise NotImplementedError
