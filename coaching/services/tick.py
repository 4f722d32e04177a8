"""Periodic work for the beat tick. Each step claims its rows (SKIP LOCKED + conditional UPDATE), so two
workers running the tick at once never expire, offer, mark or remind twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from coaching.models import Booking, Slot
from coaching.services.common import booking_changed, bounded_locks
from coaching.services.waitlist import offer_free_seats, release_seat

B = Booking.Status
REMINDERS = {
    # which: (lead, next shorter lead, claim field)
    "reminder_24h": (timedelta(hours=24), timedelta(hours=1), "reminder_24h_for"),
    "reminder_1h": (timedelta(hours=1), timedelta(0), "reminder_1h_for"),
}


def offers_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire overdue offers and offer the freed seats to the next in line."""
    now = now or timezone.now()
    with bounded_locks():
        due = list(
            Booking.objects.select_for_update(skip_locked=True)
            .filter(status=B.OFFERED, offer_expires_at__lte=now)
            .order_by("offer_expires_at")[:limit]
        )
        slots = {}
        for booking in due:
            if not Booking.objects.filter(pk=booking.pk, status=B.OFFERED).update(status=B.EXPIRED):
                continue
            release_seat(booking.slot_id)
            booking = Booking.objects.select_related("slot__program", "trainee__user").get(pk=booking.pk)
            booking_changed(booking=booking, change="expired")
            slots[booking.slot_id] = booking.slot
        for slot in slots.values():
            offer_free_seats(slot=slot, now=now)
    return len(due)


def slots_fill_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Catch-up: future classes with a free seat and people waiting (e.g. after a capacity raise)."""
    now = now or timezone.now()
    waiting = Booking.objects.filter(slot=OuterRef("pk"), status=B.WAITLISTED)
    offered = 0
    with bounded_locks():
        slots = list(
            Slot.objects.select_for_update(skip_locked=True)
            .filter(status=Slot.Status.SCHEDULED, starts_at__gt=now, seats_taken__lt=F("capacity"))
            .filter(Exists(waiting))[:limit]
        )
        for slot in slots:
            offered += offer_free_seats(slot=slot, now=now)
    return offered


def noshows_mark_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """After a class ends: unmarked confirmed bookings become no-shows; waitlist and offers lapse."""
    now = now or timezone.now()
    marked = 0
    with transaction.atomic():
        slots = list(
            Slot.objects.select_for_update(skip_locked=True)
            .filter(attendance_closed_at=None, status=Slot.Status.SCHEDULED, ends_at__lte=now)
            .order_by("ends_at")
            .values_list("pk", flat=True)[:limit]
        )
        for slot_id in slots:
            if not Slot.objects.filter(pk=slot_id, attendance_closed_at=None).update(
                attendance_closed_at=now
            ):
                continue
            marked += Booking.objects.filter(slot_id=slot_id, status=B.CONFIRMED, attendance="").update(
                attendance=Booking.Attendance.NO_SHOW
            )
            lapsed_offers = Booking.objects.filter(slot_id=slot_id, status=B.OFFERED).update(status=B.EXPIRED)
            if lapsed_offers:
                Slot.objects.filter(pk=slot_id).update(seats_taken=F("seats_taken") - lapsed_offers)
            Booking.objects.filter(slot_id=slot_id, status=B.WAITLISTED).update(status=B.EXPIRED)
    return marked


def reminders_send_due(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Claim each (slot, reminder, start time) once; a missed tick catches up on the next one."""
    now = now or timezone.now()
    counts = {}
    for which, (lead, next_lead, field) in REMINDERS.items():
        sent = 0
        with transaction.atomic():
            due = list(
                Slot.objects.select_for_update(skip_locked=True)
                .filter(
                    status=Slot.Status.SCHEDULED, starts_at__lte=now + lead, starts_at__gt=now + next_lead
                )
                .exclude(**{field: F("starts_at")})
                .select_related("program")[:limit]
            )
            for slot in due:
                Slot.objects.filter(pk=slot.pk).update(**{field: slot.starts_at})
                for booking in slot.bookings.filter(status=B.CONFIRMED).select_related("trainee__user"):
                    booking.slot = slot
                    booking_changed(booking=booking, change=which, key_suffix=slot.starts_at.isoformat())
                    sent += 1
        counts[which] = sent
    return counts


def coaching_tick(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "expired": offers_expire_due(now=now),
        "offered": slots_fill_due(now=now),
        "no_shows": noshows_mark_due(now=now),
        "reminders": reminders_send_due(now=now),
    }
