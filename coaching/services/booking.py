"""Trainee sign-up, booking, waitlist offers, cancel/move, attendance and check-in.

Seat accounting: ``Slot.seats_taken`` = confirmed bookings + open offers. It changes only through the
conditional UPDATEs in ``waitlist`` (``waitlist.take_seat`` / ``waitlist.release_seat``) inside ``bounded_locks()``
transactions, so a seat is never handed out twice; the slot's CheckConstraint is the backstop.
Lock order: trainee row → booking rows → slot row. Lock waits are bounded (Busy → 503 + Retry-After).
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from coaching.models import ACTIVE_STATUSES, Booking, Slot, Trainee
from coaching.rules import can_manage_slot
from coaching.services import common
from coaching.services.common import (
    BOOKING_NOTICE_OUTBOX_KIND,
    booking_changed,
    bounded_locks,
    normalize_cn_mobile,
)
from coaching.services.waitlist import offer_free_seats, release_seat, take_seat
from core.activity import activity_log
from core.dispatch import enqueue_ids_on_commit, publish_committed_ids
from core.errors import ApplicationError, Busy, Conflict, Forbidden
from core.models import Union, User
from core.outbox import outbox_deliver_batch_task
from core.sql import fetchone, fetchone_in_transaction
from core.validation import check_text

B = Booking.Status

NO_SHOW_WINDOW = timedelta(days=90)
NO_SHOW_PENALTY_CAP = 3
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


# --- Trainees ---------------------------------------------------------------------------------


def trainee_username() -> str:
    """A login name for a self-registered trainee: random, never derived from the phone number (a trainee
    who hosts or sells on a session would otherwise publish it)."""
    return f"t-{secrets.token_hex(6)}"


def trainee_register(
    *,
    name: str,
    phone: str,
    city: str = "",
    member_no: str = "",
    email: str = "",
    union: Union | None = None,
    user: User | None = None,
) -> Trainee:
    """One-minute sign-up: name + mainland mobile create the account. One number, one trainee."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(gettext("Name is required."), fields={"name": [gettext("Name is required.")]})
    check_text(name=(name, 100), city=(city, 64), member_no=(member_no, 40), email=(email, 254))
    e164 = normalize_cn_mobile(phone)
    if Trainee.objects.filter(phone=e164).exists():
        raise Conflict(
            gettext("This mobile number is already registered; please log in."),
            code="phone_registered",
            fields={"phone": [gettext("This number is already registered; please log in.")]},
        )
    try:
        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(
                    username=trainee_username(),
                    email=email,
                    role=User.Role.TRAINEE,
                    display_name=name[:100],
                    union=union,
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
            trainee = Trainee.objects.create(
                user=user, phone=e164, city=city, member_no=member_no, union=union
            )
    except IntegrityError as exc:  # two sign-ups with the same number raced: the constraint decides
        raise Conflict(
            gettext("This mobile number is already registered; please log in."),
            code="phone_registered",
            fields={"phone": [gettext("This number is already registered; please log in.")]},
        ) from exc
    activity_log(actor=user, verb="trainee.registered", obj=trainee)
    return trainee


def signup_and_book(*, slot: Slot, name: str, phone: str, city: str = "", email: str = "") -> Booking:
    """Account + trainee + booking (or waitlist place) in one transaction: all or nothing."""
    with transaction.atomic():
        trainee = trainee_register(name=name, phone=phone, city=city, email=email, union=slot.program.union)
        return booking_create(slot=slot, trainee=trainee)


# --- Booking ----------------------------------------------------------------------------------


def booking_on_behalf(*, slot: Slot, name: str, phone: str, by: User, city: str = "") -> Booking:
    """Front desk (代报名): an organizer or the class's coach books for the number entered. The trainee
    account is found by number or created; whoever is logged in stays logged in."""
    if not can_manage_slot(by, slot):
        raise Forbidden(gettext("Only the class's coach or organizers can book for someone else."))
    e164 = normalize_cn_mobile(phone)
    with transaction.atomic():
        trainee = Trainee.objects.filter(phone=e164).first()
        if trainee is None:
            trainee = trainee_register(name=name, phone=e164, city=city, union=slot.program.union)
        return booking_create(slot=slot, trainee=trainee, booked_by=by)


# --- Booking ----------------------------------------------------------------------------------


def _no_show_priority(trainee: Trainee, now: datetime) -> int:
    """Waitlist priority: each no-show in the last 90 days moves you behind people with fewer (cap 3)."""
    count = Booking.objects.filter(
        trainee=trainee,
        attendance__in=[Booking.Attendance.ABSENT, Booking.Attendance.NO_SHOW],
        slot__starts_at__gte=now - NO_SHOW_WINDOW,
    ).count()
    return min(count, NO_SHOW_PENALTY_CAP)


def _check_bookable(
    *, slot: Slot, trainee: Trainee, now: datetime, moving_from: Booking | None = None
) -> None:
    program, coach = slot.program, slot.coach
    if slot.status != Slot.Status.SCHEDULED:
        raise Conflict(
            gettext("This class has been cancelled."),
            code="slot_cancelled",
            fields={"slot": [gettext("Cancelled.")]},
        )
    if slot.starts_at <= now:
        raise Conflict(
            gettext("This class has already started."),
            code="slot_past",
            fields={"slot": [gettext("Already started.")]},
        )
    if slot.starts_at < now + timedelta(hours=coach.min_notice_hours):
        raise Conflict(
            gettext("Book at least %(n)d h before the class.") % {"n": coach.min_notice_hours},
            code="too_late",
            fields={
                "slot": [gettext("Bookings close %(n)d h before the start.") % {"n": coach.min_notice_hours}]
            },
        )
    if slot.starts_at > now + timedelta(days=coach.horizon_days):
        raise Conflict(
            gettext("Bookings open %(n)d days before the class.") % {"n": coach.horizon_days},
            code="beyond_horizon",
            fields={"slot": [gettext("Too far ahead: at most %(n)d days.") % {"n": coach.horizon_days}]},
        )
    if not program.is_published:
        raise Conflict(gettext("This program is not open."), code="program_closed")
    if program.enrol_opens_at and now < program.enrol_opens_at:
        raise Conflict(gettext("Enrolment has not opened yet."), code="enrolment_not_open")
    if program.enrol_closes_at and now > program.enrol_closes_at:
        raise Conflict(gettext("Enrolment is closed."), code="enrolment_closed")
    future = Q(slot__program=program, slot__starts_at__gt=now)
    if moving_from is not None:
        future &= ~Q(pk=moving_from.pk)
    # One query for the three per-trainee rules: already booked here, the program's limit, overlaps.
    mine = Booking.objects.filter(trainee=trainee, status__in=ACTIVE_STATUSES).aggregate(
        here=Count("pk", filter=Q(slot=slot)),
        future=Count("pk", filter=future),
        clashes=Count("pk", filter=_overlap_q(slot=slot, moving_from=moving_from)),
    )
    if mine["here"]:
        raise Conflict(
            gettext("You already have a booking for this class."),
            code="already_booked",
            fields={"slot": [gettext("Already booked.")]},
        )
    if mine["future"] >= program.max_active_bookings:
        raise Conflict(
            gettext("At most %(n)d future bookings per trainee in this program.")
            % {"n": program.max_active_bookings},
            code="booking_limit",
        )
    if mine["clashes"]:
        _check_no_overlap(slot=slot, trainee=trainee, moving_from=moving_from)  # names the clash


def _overlap_q(*, slot: Slot, moving_from: Booking | None = None) -> Q:
    """Confirmed bookings in scheduled classes whose times overlap ``slot`` (other than it)."""
    q = (
        Q(status=B.CONFIRMED, slot__status=Slot.Status.SCHEDULED)
        & Q(slot__starts_at__lt=slot.ends_at, slot__ends_at__gt=slot.starts_at)
        & ~Q(slot=slot)
    )
    if moving_from is not None:
        q &= ~Q(pk=moving_from.pk)
    return q


def _check_no_overlap(*, slot: Slot, trainee: Trainee, moving_from: Booking | None = None) -> None:
    """A person can sit in one class at a time: no two confirmed bookings whose times overlap."""
    clash = Booking.objects.filter(_overlap_q(slot=slot, moving_from=moving_from), trainee=trainee)
    other = clash.select_related("slot").first()
    if other is not None:
        raise Conflict(
            gettext("You already have a class at this time: %(title)s.") % {"title": other.slot.title},
            code="overlapping_booking",
            fields={"slot": [gettext("Overlaps %(title)s.") % {"title": other.slot.title}]},
        )


def _lock_trainee(trainee: Trainee) -> Trainee:
    return Trainee.objects.select_for_update().select_related("user").get(pk=trainee.pk)


def booking_create(
    *, slot: Slot, trainee: Trainee, join_waitlist: bool = True, booked_by: User | None = None
) -> Booking:
    """Confirm a seat, or put the trainee on the waitlist when the class is full.

    The common case is two prepared statements (``book_fast``); a booking that breaks a rule, or
    one that must not join the waitlist, takes the ORM path below, which names the rule it broke.
    """
    if join_waitlist:
        row = book_fast(slot_id=slot.pk, who=trainee.pk, booked_by=booked_by)
        if row is not None:
            booking = Booking(
                **{k: row[k] for k in ("id", "status", "priority", "confirmed_at", "ical_uid", "created_at")},
                slot_id=slot.pk,
                trainee=trainee,
                booked_by=booked_by,
                ical_sequence=0,
            )
            booking._state.adding = False
            return booking
    return _booking_create_orm(slot=slot, trainee=trainee, join_waitlist=join_waitlist, booked_by=booked_by)


def _booking_create_orm(
    *, slot: Slot, trainee: Trainee, join_waitlist: bool = True, booked_by: User | None = None
) -> Booking:
    """The ORM path of ``booking_create`` (rules broken, no waitlist wanted).

    The transaction does only what must be atomic: lock the trainee, claim the seat (conditional
    UPDATE, which row-locks the slot), write the booking, the activity row and one outbox INSERT (the
    notice and, for a seat, the request to build the calendar invite after commit). When the committed
    state already shows the class full, the attempt goes straight to the waitlist without queueing on
    the slot's row lock behind the winners (seats only come back by a cancellation, which offers them
    to the waitlist).
    """
    now = timezone.now()
    try:
        with bounded_locks():
            trainee = _lock_trainee(trainee)
            slot = Slot.objects.select_related("program", "coach__user").get(pk=slot.pk)
            _check_bookable(slot=slot, trainee=trainee, now=now)
            got_seat = _claim_seat(slot)
            if got_seat:
                slot.seats_taken, slot.capacity, slot.status = got_seat
                booking = Booking.objects.create(
                    slot=slot, trainee=trainee, status=B.CONFIRMED, confirmed_at=now, booked_by=booked_by
                )
                change = "confirmed"
            else:
                booking = _join_waitlist(
                    slot=slot, trainee=trainee, now=now, join_waitlist=join_waitlist, booked_by=booked_by
                )
                change = "waitlisted"
            booking.slot = slot
            activity_log(actor=booked_by or trainee.user, verb=f"booking.{change}", obj=booking)
            booking_changed(booking=booking, change=change, invite_later=True)
    except IntegrityError as exc:  # the partial unique constraint caught a duplicate
        raise Conflict(gettext("You already have a booking for this class."), code="already_booked") from exc
    return booking


# --- The common booking path in two prepared statements (core/sql.py) -------------------------------

# The seat claim inside _BOOK_SQL: the conditional UPDATE of ``waitlist.take_seat`` (a module constant so
# the lock-removed variant in tests/coaching/test_concurrency.py can swap it for a count).
_CLAIM_CTE = """    UPDATE coaching_slot u SET seats_taken = u.seats_taken + 1
    FROM ok
    WHERE u.id = ok.id AND u.status = 'scheduled' AND u.seats_taken < u.capacity
      AND NOT EXISTS (SELECT 1 FROM coaching_booking w WHERE w.slot_id = u.id AND w.status = 'waitlisted')
    RETURNING u.id"""

# Locks the trainee (lock order: trainee → slot) and sets the transaction's lock wait in the same round
# trip; a new statement afterwards sees every booking this trainee's earlier transactions committed.
# The trainee is found by id (services), by the logged-in user, or by API token: the token variant is
# TokenAuthentication's rule (the key names an active user) in the same statement.
_LOCK_TRAINEE_SQL = """
SELECT t.id, t.user_id, set_config('lock_timeout', %(lock_timeout)s, true)
FROM coaching_trainee t WHERE {who} FOR UPDATE OF t
"""
_BY_TRAINEE = "t.id = %(who)s"
_BY_USER = "t.user_id = %(who)s"
_BY_TOKEN = (
    "t.user_id = (SELECT k.user_id FROM authtoken_token k JOIN core_user u ON u.id = k.user_id"
    " WHERE k.key = %(who)s AND u.is_active)"
)

# The per-trainee rules of ``_check_bookable`` (already booked here, the program's limit, overlaps) and
# the class's own (scheduled, notice, horizon, enrolment window) in ``ok``; then the seat claim (the
# same conditional UPDATE as ``waitlist.take_seat``: an attempt that sees the class full as committed
# takes no lock), the booking (confirmed, or waitlisted with its no-show priority), the activity row
# and the outbox row that builds the notice and the calendar invite after commit. When a rule fails
# nothing is written and ``ok`` is false: the caller then takes the ORM path, which names the rule.
_BOOK_SQL = """
WITH me AS (
    SELECT t.id, t.user_id FROM coaching_trainee t WHERE {who}
), s AS (
    SELECT s.id, s.status, s.starts_at, s.ends_at, s.program_id, p.max_active_bookings,
           (s.status = 'scheduled' AND s.starts_at > %(now)s
            AND s.starts_at >= %(now)s + c.min_notice_hours * interval '1 hour'
            AND s.starts_at <= %(now)s + c.horizon_days * interval '1 day'
            AND p.is_published
            AND (p.enrol_opens_at IS NULL OR %(now)s >= p.enrol_opens_at)
            AND (p.enrol_closes_at IS NULL OR %(now)s <= p.enrol_closes_at)) AS open
    FROM coaching_slot s
    JOIN coaching_program p ON p.id = s.program_id
    JOIN coaching_coach c ON c.id = s.coach_id
    WHERE s.id = %(slot)s
), mine AS (
    SELECT count(*) FILTER (WHERE b.slot_id = s.id) AS here,
           count(*) FILTER (WHERE bs.program_id = s.program_id AND bs.starts_at > %(now)s) AS future,
           count(*) FILTER (WHERE b.status = 'confirmed' AND bs.status = 'scheduled'
                            AND bs.starts_at < s.ends_at AND bs.ends_at > s.starts_at
                            AND b.slot_id <> s.id) AS clashes
    FROM s, coaching_booking b JOIN coaching_slot bs ON bs.id = b.slot_id
    WHERE b.trainee_id = (SELECT id FROM me) AND b.status IN ('confirmed', 'waitlisted', 'offered')
), ok AS (
    SELECT s.id FROM s, mine, me
    WHERE s.open AND mine.here = 0 AND mine.future < s.max_active_bookings AND mine.clashes = 0
), claim AS (
{claim}), booking AS (
    INSERT INTO coaching_booking (id, slot_id, trainee_id, status, priority, confirmed_at, cancel_reason,
                                  late_cancel, attendance, booked_by_id, ical_uid, ical_sequence, created_at)
    SELECT %(id)s, ok.id, (SELECT id FROM me),
           CASE WHEN EXISTS (SELECT 1 FROM claim) THEN 'confirmed' ELSE 'waitlisted' END,
           CASE WHEN EXISTS (SELECT 1 FROM claim) THEN 0 ELSE (
               SELECT least(count(*), %(penalty_cap)s) FROM coaching_booking n
               JOIN coaching_slot ns ON ns.id = n.slot_id
               WHERE n.trainee_id = (SELECT id FROM me) AND n.attendance IN ('absent', 'no_show')
                 AND ns.starts_at >= %(no_show_since)s) END,
           CASE WHEN EXISTS (SELECT 1 FROM claim) THEN %(now)s::timestamptz END,
           '', false, '', %(booked_by)s, %(ical_uid)s, 0, %(now)s
    FROM ok
    RETURNING id, status, priority, confirmed_at, created_at
), act AS (
    INSERT INTO core_activity (actor_id, verb, object_type, object_id, data, created_at)
    SELECT coalesce(%(booked_by)s, (SELECT user_id FROM me)), 'booking.' || booking.status, 'coaching.booking', %(id)s::text, '{}'::jsonb, %(now)s
    FROM booking
), outbox AS (
    INSERT INTO core_outboxmessage (key, kind, recipient, subject, payload, status, attempts, last_error,
                                    next_attempt_at, created_at)
    SELECT 'coaching:booked:' || %(id)s::text, %(outbox_kind)s, '', 'booking notice',
           jsonb_build_object('booking', %(id)s::text, 'change', booking.status, 'sequence', 0),
           'pending', 0, '', %(now)s, %(now)s
    FROM booking
    RETURNING id
)
SELECT booking.status, booking.priority, booking.confirmed_at, booking.created_at, (SELECT id FROM outbox),
       (SELECT id FROM me), (SELECT user_id FROM me),
       CASE WHEN booking.status = 'waitlisted' THEN (
           SELECT count(*) + 1 FROM coaching_booking w
           WHERE w.slot_id = %(slot)s AND w.status = 'waitlisted'
             AND (w.priority < booking.priority OR (w.priority = booking.priority AND w.created_at < %(now)s)))
       END
FROM booking
"""


def _busy(exc: OperationalError) -> Busy | None:
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate in ("55P03", "40P01", "40001"):  # lock_not_available, deadlock, serialization
        return Busy(gettext("This class is busy right now, please retry."), code="busy")
    return None


_WHO = {"trainee": _BY_TRAINEE, "user": _BY_USER, "token": _BY_TOKEN}


def book_fast(*, slot_id, who, by: str = "trainee", booked_by: User | None = None) -> dict | None:
    """Lock the trainee, then check, claim and write in one statement; None when a rule says no (or
    no trainee answers to ``who``: a trainee id, ``by="user"`` a user id, ``by="token"`` an API token).

    Returns the new booking's fields (id, slot, status, priority, waitlist_position, confirmed_at,
    ical_uid, ical_sequence, created_at, trainee_id, user_id).

    Losers fail fast: an attempt that sees the class full as committed goes to the waitlist without
    waiting on the slot's row lock. Winners hold that lock only for the rest of one statement and the
    commit, so the others wait in PostgreSQL's queue (short lock waits with retries were measured to be
    a herd: 200 bookers re-queueing every 200 ms). A wait longer than LOCK_TIMEOUT starts over while
    seats keep changing hands; a lock held by a stuck transaction is answered Busy.
    """
    budget = _lock_timeout_ms() / 1000
    deadline = time.monotonic() + budget
    seen = None
    while True:
        wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
        booking_id = uuid.uuid4()
        now = timezone.now()
        book_params = {
            "who": who,
            "id": booking_id,
            "slot": slot_id,
            "now": now,
            "no_show_since": now - NO_SHOW_WINDOW,
            "penalty_cap": NO_SHOW_PENALTY_CAP,
            "booked_by": booked_by.pk if booked_by else None,
            "ical_uid": f"{Booking.ical_uid_prefix}-{booking_id}@{settings.SITE_DOMAIN}",
            "outbox_kind": BOOKING_NOTICE_OUTBOX_KIND,
        }
        lock_sql = _LOCK_TRAINEE_SQL.replace("{who}", _WHO[by])
        book_sql = _BOOK_SQL.replace("{who}", _WHO[by]).replace("{claim}", _CLAIM_CTE)
        lock_params = {"who": who, "lock_timeout": f"{wait_ms}ms"}
        try:
            if connection.in_atomic_block:  # inside the caller's transaction (sign-up, front desk)
                with transaction.atomic():
                    row = fetchone(lock_sql, lock_params) and fetchone(book_sql, book_params)
                    if row is not None:
                        enqueue_ids_on_commit(outbox_deliver_batch_task, [row[4]])
            else:
                row = fetchone_in_transaction([(lock_sql, lock_params), (book_sql, book_params)])
                if row is not None:
                    publish_committed_ids(outbox_deliver_batch_task, [row[4]])  # committed: off the request
            if row is None:
                return None  # no such trainee, or a rule says no: the ORM path names it
        except IntegrityError as exc:  # the partial unique constraint caught a duplicate
            raise Conflict(
                gettext("You already have a booking for this class."), code="already_booked"
            ) from exc
        except OperationalError as exc:
            busy = _busy(exc)
            if busy is None:
                raise
            if getattr(exc.__cause__, "sqlstate", None) != "55P03" or time.monotonic() >= deadline:
                raise busy from exc
            taken = Slot.objects.filter(pk=slot_id).values_list("seats_taken", flat=True).first()
            if taken != seen:  # seats are being taken: the queue moves, keep waiting
                seen, deadline = taken, time.monotonic() + budget
            continue
        status, priority, confirmed_at, created_at, _, trainee_id, user_id, position = row
        return {
            "id": booking_id,
            "slot": slot_id,
            "status": status,
            "priority": priority,
            "waitlist_position": position,
            "confirmed_at": confirmed_at,
            "ical_uid": f"{Booking.ical_uid_prefix}-{booking_id}@{settings.SITE_DOMAIN}",
            "ical_sequence": 0,
            "created_at": created_at,
            "trainee_id": trainee_id,
            "user_id": user_id,
        }


SEAT_WAIT_MS = 200  # the longest a booker queues on the slot's row lock before looking again


def _lock_timeout_ms() -> int:
    value = common.LOCK_TIMEOUT
    return int(value[:-2]) if value.endswith("ms") else int(float(value.rstrip("s")) * 1000)


def _claim_seat(slot: Slot) -> tuple[int, int, str] | None:
    """Take a seat with the conditional UPDATE, or None when the class is full.

    Losers fail fast: when the committed state already shows the class full, no lock is awaited at all;
    otherwise the UPDATE waits at most SEAT_WAIT_MS for the slot's row lock (held by winners for their
    few writes), then the attempt looks at the committed state again — full: waitlist; seats left: try
    again. The budget (LOCK_TIMEOUT) runs while no seat changes hands: queueing behind winners who keep
    taking seats is progress, a lock held by a stuck transaction is not, and only that is answered Busy
    (503). Before, a booker queued behind 30 winners on a loaded machine ran into the transaction's
    lock_timeout and got a 503 instead of a waitlist place (the flaky "69 instead of 70" test).
    """
    budget = _lock_timeout_ms() / 1000
    deadline = time.monotonic() + budget
    seen = slot.seats_taken
    while True:
        if slot.status != Slot.Status.SCHEDULED or slot.seats_taken >= slot.capacity:
            return None  # full as committed: straight to the waitlist
        wait_ms = max(1, min(SEAT_WAIT_MS, int((deadline - time.monotonic()) * 1000)))
        try:
            with transaction.atomic():  # a savepoint: a lock timeout undoes only this attempt
                with connection.cursor() as cursor:
                    # Stays in force for the rest of this short transaction, whose other statements
                    # only touch rows it already holds or creates.
                    cursor.execute(f"SET LOCAL lock_timeout = '{wait_ms}ms'")
                return take_seat(slot.pk)
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "55P03" or time.monotonic() >= deadline:
                raise  # bounded_locks turns a lock timeout into Busy (503)
        slot.refresh_from_db(fields=["status", "seats_taken", "capacity"])
        if slot.seats_taken != seen:  # seats are being taken: the queue moves, keep waiting
            seen, deadline = slot.seats_taken, time.monotonic() + budget


def _join_waitlist(
    *, slot: Slot, trainee: Trainee, now: datetime, join_waitlist: bool, booked_by: User | None = None
) -> Booking:
    if slot.status != Slot.Status.SCHEDULED:
        raise Conflict(gettext("This class has been cancelled."), code="slot_cancelled")
    if not join_waitlist:
        raise Conflict(
            gettext("This class is full."), code="slot_full", fields={"slot": [gettext("No seats left.")]}
        )
    return Booking.objects.create(
        slot=slot,
        trainee=trainee,
        status=B.WAITLISTED,
        priority=_no_show_priority(trainee, now),
        booked_by=booked_by,
    )


def waitlist_position(booking: Booking) -> int | None:
    if booking.status != B.WAITLISTED:
        return None
    ahead = Booking.objects.filter(slot_id=booking.slot_id, status=B.WAITLISTED).filter(
        Q(priority__lt=booking.priority) | Q(priority=booking.priority, created_at__lt=booking.created_at)
    )
    return ahead.count() + 1


# --- Waitlist offers ----------------------------------------------------------------------------


def _lock_booking(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


def _owned(booking: Booking, by: User) -> None:
    if booking.trainee.user_id != by.pk:
        raise Forbidden(gettext("This is not your booking."))


def offer_accept(*, booking: Booking, by: User) -> Booking:
    now = timezone.now()
    with bounded_locks():
        booking = _lock_booking(booking)
        _owned(Booking.objects.select_related("trainee").get(pk=booking.pk), by)
        if booking.status != B.OFFERED:
            raise Conflict(
                gettext("There is no open offer on this booking (it is %(status)s).")
                % {"status": booking.get_status_display()},
                code="no_offer",
            )
        if booking.offer_expires_at <= now:
            raise Conflict(gettext("This offer has expired."), code="offer_expired")
        held = Booking.objects.select_related("slot", "trainee").get(pk=booking.pk)
        _check_no_overlap(slot=held.slot, trainee=held.trainee)
        Booking.objects.filter(pk=booking.pk, status=B.OFFERED).update(status=B.CONFIRMED, confirmed_at=now)
        booking = Booking.objects.select_related("slot__program", "trainee__user").get(pk=booking.pk)
        activity_log(actor=by, verb="booking.promoted", obj=booking)
        booking_changed(booking=booking, change="promoted")
    return booking


def offer_decline(*, booking: Booking, by: User) -> Booking:
    with bounded_locks():
        booking = _lock_booking(booking)
        _owned(Booking.objects.select_related("trainee").get(pk=booking.pk), by)
        if booking.status != B.OFFERED:
            raise Conflict(gettext("There is no open offer on this booking."), code="no_offer")
        Booking.objects.filter(pk=booking.pk).update(status=B.DECLINED, cancelled_at=timezone.now())
        release_seat(booking.slot_id)
        booking = Booking.objects.select_related("slot__program", "trainee__user").get(pk=booking.pk)
        activity_log(actor=by, verb="booking.declined", obj=booking)
        booking_changed(booking=booking, change="declined")
        offer_free_seats(slot=booking.slot)
    return booking


# --- Cancel and move ----------------------------------------------------------------------------


def booking_cancel(*, booking: Booking, by: User, reason: str = "") -> Booking:
    """Trainee (own booking) or the slot's coach/organizer. Late cancellations are counted."""
    now = timezone.now()
    with bounded_locks():
        booking = _lock_booking(booking)
        booking = Booking.objects.select_related("slot__program", "slot__coach", "trainee__user").get(
            pk=booking.pk
        )
        slot = booking.slot
        if booking.trainee.user_id != by.pk and not can_manage_slot(by, slot):
            raise Forbidden(gettext("This is not your booking."))
        if booking.status not in ACTIVE_STATUSES:
            raise Conflict(
                gettext("This booking is already %(status)s.") % {"status": booking.get_status_display()},
                code="invalid_state",
            )
        if slot.starts_at <= now:
            raise Conflict(gettext("The class has already started."), code="slot_past")
        held_seat = booking.status in (B.CONFIRMED, B.OFFERED)
        late = booking.status == B.CONFIRMED and now > slot.starts_at - timedelta(
            hours=slot.program.cancel_cutoff_hours
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=B.CANCELLED, cancelled_at=now, late_cancel=late, cancel_reason=reason[:200]
        )
        booking.status, booking.cancelled_at, booking.late_cancel = B.CANCELLED, now, late
        if held_seat:
            release_seat(slot.pk)
        activity_log(actor=by, verb="booking.cancelled", obj=booking, late=late)
        booking_changed(booking=booking, change="cancelled")
        if held_seat:
            offer_free_seats(slot=slot, now=now)
    return booking


def booking_move(*, booking: Booking, to_slot: Slot, by: User) -> Booking:
    """Move a confirmed booking to another class of the same program in one transaction: the old seat
    is released only if the new one was taken."""
    now = timezone.now()
    with bounded_locks():
        owner = Booking.objects.select_related("trainee").get(pk=booking.pk).trainee
        if owner.user_id != by.pk:
            raise Forbidden(gettext("This is not your booking."))
        trainee = _lock_trainee(owner)
        booking = _lock_booking(booking)
        booking = Booking.objects.select_related("slot__program", "trainee__user").get(pk=booking.pk)
        old_slot = booking.slot
        if booking.status != B.CONFIRMED:
            raise Conflict(gettext("Only confirmed bookings can be moved."), code="invalid_state")
        if old_slot.starts_at <= now:
            raise Conflict(gettext("The class has already started."), code="slot_past")
        to_slot = Slot.objects.select_related("program", "coach").get(pk=to_slot.pk)
        if to_slot.pk == old_slot.pk or to_slot.program_id != old_slot.program_id:
            raise ApplicationError(
                gettext("Pick another class of the same program."),
                fields={"slot": [gettext("Another class of this program.")]},
            )
        _check_bookable(slot=to_slot, trainee=trainee, now=now, moving_from=booking)
        # Touch both slot rows in a fixed order so two opposite moves cannot deadlock.
        for slot_id in sorted([old_slot.pk, to_slot.pk]):
            if slot_id == to_slot.pk and not take_seat(to_slot.pk):
                raise Conflict(
                    gettext("The new class is full."),
                    code="slot_full",
                    fields={"slot": [gettext("No seats left.")]},
                )
            if slot_id == old_slot.pk:
                release_seat(old_slot.pk)
        new = Booking.objects.create(slot=to_slot, trainee=trainee, status=B.CONFIRMED, confirmed_at=now)
        late = now > old_slot.starts_at - timedelta(hours=old_slot.program.cancel_cutoff_hours)
        Booking.objects.filter(pk=booking.pk).update(
            status=B.CANCELLED, cancelled_at=now, cancel_reason="moved", moved_to=new, late_cancel=late
        )
        booking.status = B.CANCELLED
        activity_log(actor=by, verb="booking.moved", obj=booking, to=str(new.pk))
        booking_changed(booking=booking, change="moved", notify=False)
        new.slot = to_slot
        booking_changed(booking=new, change="moved")
        offer_free_seats(slot=old_slot, now=now)
    return new


# --- Attendance ---------------------------------------------------------------------------------


def attendance_mark(*, booking: Booking, by: User, present: bool) -> Booking:
    booking = Booking.objects.select_related("slot__program", "slot__coach").get(pk=booking.pk)
    if not can_manage_slot(by, booking.slot):
        raise Forbidden(gettext("Only the class's coach or organizers mark attendance."))
    if booking.status != B.CONFIRMED:
        raise Conflict(gettext("Only confirmed bookings have attendance."), code="invalid_state")
    if timezone.now() < booking.slot.starts_at - CHECKIN_OPENS_BEFORE:
        raise Conflict(gettext("Attendance opens 30 minutes before the class."), code="too_early")
    value = Booking.Attendance.PRESENT if present else Booking.Attendance.ABSENT
    Booking.objects.filter(pk=booking.pk).update(attendance=value)
    booking.attendance = value
    activity_log(actor=by, verb="booking.attendance", obj=booking, value=value)
    return booking


def booking_check_in(*, token: str, by: User) -> Booking:
    """The trainee scans the station's QR code (slot check-in URL) and confirms: present."""
    now = timezone.now()
    slot = Slot.objects.filter(checkin_token=token).first()
    if slot is None:
        raise ApplicationError(gettext("Unknown check-in code."), code="not_found", status_code=404)
    booking = Booking.objects.filter(slot=slot, trainee__user=by, status=B.CONFIRMED).first()
    if booking is None:
        raise Conflict(gettext("You have no confirmed booking for this class."), code="not_booked")
    if not (slot.starts_at - CHECKIN_OPENS_BEFORE <= now <= slot.ends_at):
        raise Conflict(
            gettext("Check-in is open from 30 minutes before the class until it ends."), code="checkin_closed"
        )
    Booking.objects.filter(pk=booking.pk).update(attendance=Booking.Attendance.PRESENT, checked_in_at=now)
    booking.refresh_from_db()
    activity_log(actor=by, verb="booking.checked_in", obj=booking)
    return booking


def attendance_mark_all(*, slot: Slot, by: User) -> int:
    """ "Mark all present": every confirmed booking not marked yet. Returns how many were marked."""
    slot = Slot.objects.select_related("program", "coach").get(pk=slot.pk)
    if not can_manage_slot(by, slot):
        raise Forbidden(gettext("Only the class's coach or organizers mark attendance."))
    if timezone.now() < slot.starts_at - CHECKIN_OPENS_BEFORE:
        raise Conflict(gettext("Attendance opens 30 minutes before the class."), code="too_early")
    marked = Booking.objects.filter(slot=slot, status=B.CONFIRMED, attendance="").update(
        attendance=Booking.Attendance.PRESENT
    )
    activity_log(actor=by, verb="slot.attendance_all_present", obj=slot, marked=marked)
    return marked
