"""Calendar invites for coaching: one entry per booking for the trainee, one per class for its coach.

- ``BookingInvite``: the trainee's own calendar entry (UID stored on the booking). Confirmed booking of a
  scheduled class → REQUEST; cancelled, expired, declined, moved away or class cancelled → CANCEL with
  the same UID. Waitlisted and offered bookings are not in anyone's calendar yet, so nothing is sent
  until the seat is theirs. A rescheduled or relocated class raises SEQUENCE and sends the update.
- ``SlotInvite``: the coach's entry for a group class (UID stored on the slot), the coach as CHAIR.
- A 1:1 slot is only availability until someone books it, so the coach is invited through the booking
  instead: the booking's entry lists the coach (CHAIR) and the trainee, and its CANCEL reaches both.

Other trainees never appear in an invite: each trainee's entry lists only that trainee. The invites app
owns SEQUENCE (it rises whenever what the calendar shows changes); the services call ``booking_invite_sync``
/ ``slot_invite_sync`` from their change funnels, inside the same transaction.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.utils.translation import gettext

from coaching.models import Booking, Slot
from core.notify import Notice, notify_email
from invites.services import Extras, invite_publish
from invites.sources import CANCELLED, CHAIR, CONFIRMED, Attendee, InviteEvent, InviteSource, in_site_language

# Booking changes after which the trainee's calendar may need a REQUEST or a CANCEL.
INVITE_CHANGES = {
    "confirmed",
    "promoted",
    "cancelled",
    "moved",
    "expired",
    "declined",
    "slot_cancelled",
    "rescheduled",
    "updated",
}


def _place(slot: Slot) -> tuple[str, str]:
    location = slot.location or slot.program.location or ""
    url = slot.online_url or slot.program.online_url or ""
    return (location or (gettext("线上") if url else "")), url


def _event(slot: Slot, *, uid: str, summary: str, status: str, description: list[str]) -> InviteEvent:
    location, url = _place(slot)
    parts = [line for line in description if line]
    if url:
        parts.append(gettext("线上链接：%(url)s") % {"url": url})
    parts.append(gettext("我的课程：%(url)s") % {"url": f"{settings.SITE_URL}/coaching/me/"})
    coach = slot.coach.user
    return InviteEvent(
        uid=uid,
        summary=summary,
        description="\n\n".join(parts),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        timezone=slot.timezone,
        location=location,
        url=url,
        status=status,
        organizer_email=(coach.email or "").strip(),
        organizer_name=coach.name,
        categories=(gettext("直播带货培训"),),
    )


class BookingInvite(InviteSource):
    kind = "coaching.booking"

    def __init__(self, booking: Booking):
        self.booking = booking
        self.slot = booking.slot
        self.object_id = str(booking.pk)
        self.union_id = self.slot.program.union_id
        self.parent_key = f"{SlotInvite.kind}:{self.slot.pk}"

    def is_published(self) -> bool:
        return True

    @in_site_language
    def event(self) -> InviteEvent:
        slot, booking = self.slot, self.booking
        seated = booking.status == Booking.Status.CONFIRMED and slot.status == Slot.Status.SCHEDULED
        description = [slot.program.title, gettext("教练：%(name)s") % {"name": slot.coach.user.name}]
        if slot.kind == Slot.Kind.ONE_ON_ONE:
            description.append(gettext("1对1 学员：%(name)s") % {"name": booking.trainee.user.name})
        return _event(
            slot,
            uid=booking.ical_uid,
            summary=gettext("直播带货培训：%(title)s") % {"title": slot.title},
            status=CONFIRMED if seated else CANCELLED,
            description=description,
        )

    def attendees(self) -> list[Attendee]:
        people = [Attendee.for_user(self.booking.trainee.user)]
        if self.slot.kind == Slot.Kind.ONE_ON_ONE:
            people.insert(0, Attendee.for_user(self.slot.coach.user, role=CHAIR))
        return people


class SlotInvite(InviteSource):
    kind = "coaching.slot"

    def __init__(self, slot: Slot):
        self.slot = slot
        self.object_id = str(slot.pk)
        self.union_id = slot.program.union_id

    def is_published(self) -> bool:
        return self.slot.kind == Slot.Kind.GROUP  # 1:1: the booking invites the coach

    @in_site_language
    def event(self) -> InviteEvent:
        slot = self.slot
        return _event(
            slot,
            uid=slot.ical_uid,
            summary=gettext("授课：%(title)s") % {"title": slot.title},
            status=CANCELLED if slot.status == Slot.Status.CANCELLED else CONFIRMED,
            description=[slot.program.title, gettext("小班课")],
        )

    def attendees(self) -> list[Attendee]:
        return [Attendee.for_user(self.slot.coach.user, role=CHAIR)]


def booking_invite_sync(
    *, booking: Booking, notice: Notice | None = None, email_fallback: bool = False, hold: bool = False
) -> dict:
    """Bring the trainee's calendar in line with the booking (idempotent).

    ``notice``: the change's notice; the trainee's invite email carries it (one email per change). When
    no invite goes to the trainee (nothing changed in the calendar, or the booking was never in it) and
    ``email_fallback`` is set (the trainee wants email), the notice goes out as a plain email instead.
    ``hold``: record the calendar change but return its attachment instead of emailing it (the entry a
    moved booking leaves is cancelled inside the move's one email). Returns {attendee key: attachment}.
    """
    booking = Booking.objects.select_related("slot__program", "slot__coach__user", "trainee__user").get(
        pk=booking.pk
    )
    trainee = Attendee.for_user(booking.trainee.user)
    extras = Extras(
        notices={trainee.key: notice} if notice else {},
        attachments={trainee.key: list(carry.values())} if (carry := _moved_from_cancel(booking)) else {},
        hold_email=hold,
    )
    result = invite_publish(source=BookingInvite(booking), extras=extras)
    emailed = trainee.email and trainee.key in (*result.requested, *result.cancelled)
    if notice is not None and email_fallback and not emailed and not hold:
        notify_email(user=booking.trainee.user, notice=notice)
    return result.held


def _moved_from_cancel(booking: Booking) -> dict:
    """For the booking a move created: the CANCEL of the entry the old booking leaves, to carry in the
    move's one email (the old booking's own change sends nothing)."""
    if booking.status != Booking.Status.CONFIRMED:
        return {}
    old = Booking.objects.filter(moved_to=booking).only("pk").first()
    if old is None:
        return {}
    return booking_invite_sync(booking=old, hold=True)


# Outbox kind for "bring this booking's calendar entry up to date after the seat transaction committed".
INVITE_OUTBOX_KIND = "coaching.booking_invite"


def booking_invite_outbox_row(
    *, booking: Booking, notice: Notice | None = None, email_fallback: bool = False
) -> dict:
    """The outbox row that asks a worker to run ``booking_invite_sync`` once the booking is committed
    (with the change's notice, which the invite email carries)."""
    return {
        "key": f"coaching:invite:{booking.pk}:{booking.ical_sequence}",
        "kind": INVITE_OUTBOX_KIND,
        "recipient": "",
        "subject": "calendar invite",
        "payload": {
            "booking": str(booking.pk),
            "notice": asdict(notice) if notice else None,
            "email_fallback": email_fallback,
        },
    }


def booking_invite_from_outbox(payload: dict) -> None:
    """Outbox handler (idempotent: publishing an unchanged invite sends nothing new, and the fallback
    notice email has a unique key)."""
    booking = Booking.objects.filter(pk=payload["booking"]).first()
    if booking is not None:
        notice = Notice(**payload["notice"]) if payload.get("notice") else None
        booking_invite_sync(
            booking=booking, notice=notice, email_fallback=payload.get("email_fallback", False)
        )


def slot_invite_sync(*, slot: Slot) -> None:
    """Bring the coach's calendar in line with the class (idempotent)."""
    slot = Slot.objects.select_related("program", "coach__user").get(pk=slot.pk)
    invite_publish(source=SlotInvite(slot))
