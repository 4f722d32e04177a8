"""Seats and waitlist offers: the only code that changes ``Slot.seats_taken``.

``take_seat`` / ``release_seat`` are conditional UPDATEs; ``offer_free_seats`` hands every free seat to
the next waitlisted trainee. booking, catalog and tick all call these; none of them calls another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from coaching.models import Booking, Slot
from coaching.services.common import booking_changed, bounded_locks
from core.activity import activity_log

B = Booking.Status

OFFER_MIN = timedelta(minutes=15)  # no offers for a class starting sooner than this
OFFER_CLOSE_BEFORE_START = timedelta(minutes=30)


def take_seat(slot_id, *, respect_waitlist: bool = True) -> tuple[int, int, str] | None:
    """Conditional UPDATE: one seat if one is free (and nobody is waiting ahead). Row-locks the slot.

    Returns (seats_taken, capacity, status) after the increment, or None when no seat was free."""
    waitlist = (
        "AND NOT EXISTS (SELECT 1 FROM coaching_booking b WHERE b.slot_id = s.id AND b.status = 'waitlisted')"
        if respect_waitlist
        else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE coaching_slot s SET seats_taken = s.seats_taken + 1
                WHERE s.id = %s AND s.status = 'scheduled' AND s.seats_taken < s.capacity {waitlist}
                RETURNING s.seats_taken, s.capacity, s.status""",
            [slot_id],
        )
        return cursor.fetchone()


def release_seat(slot_id) -> None:
    Slot.objects.filter(pk=slot_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def offer_expiry(*, slot: Slot, now: datetime) -> datetime | None:
    """Offers last program.offer_hours, but close 30 min before the class, and last at least 15 min.
    None means the class starts too soon for an offer."""
    if slot.starts_at - now < OFFER_MIN:
        return None
    expires = min(now + timedelta(hours=slot.program.offer_hours), slot.starts_at - OFFER_CLOSE_BEFORE_START)
    return max(expires, now + OFFER_MIN)


def offer_free_seats(*, slot: Slot, now: datetime | None = None) -> int:
    """Offer every free seat to the next waitlisted trainee. Runs inside the caller's transaction."""
    now = now or timezone.now()
    slot = Slot.objects.select_related("program", "coach").get(pk=slot.pk)
    if slot.status != Slot.Status.SCHEDULED:
        return 0
    expires = offer_expiry(slot=slot, now=now)
    if expires is None:
        return 0
    offered = 0
    while True:
        # Seat first: the slot row lock serializes promoters, so the first in line always gets the offer.
        if not take_seat(slot.pk, respect_waitlist=False):
            break
        candidate = (
            Booking.objects.select_for_update(skip_locked=True)  # skip rows being cancelled right now
            .filter(slot=slot, status=B.WAITLISTED)
            .order_by("priority", "created_at", "pk")
            .first()
        )
        if candidate is None:
            release_seat(slot.pk)
            break
        Booking.objects.filter(pk=candidate.pk, status=B.WAITLISTED).update(
            status=B.OFFERED, offered_at=now, offer_expires_at=expires
        )
        candidate.refresh_from_db()
        candidate.slot = slot
        activity_log(actor=None, verb="booking.offered", obj=candidate)
        booking_changed(booking=candidate, change="offered")
        offered += 1
    return offered


def slot_offer_free_seats(*, slot: Slot, now: datetime | None = None) -> int:
    """Standalone promotion (tick, capacity raised). Safe to run from many workers at once."""
    with bounded_locks():
        return offer_free_seats(slot=slot, now=now)
