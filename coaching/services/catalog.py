"""Coaches, programs and slots: creation, time/capacity changes, cancelling a whole slot."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from coaching.calendar import slot_invite_sync
from coaching.models import ACTIVE_STATUSES, MAX_SLOT_LENGTH, Booking, Coach, Program, Slot
from coaching.services.common import _slot_changed, bounded_locks
from core.activity import activity_log
from core.errors import ApplicationError, Conflict
from core.invitations import invitation_send
from core.models import Union, User
from core.timeutils import is_valid_timezone

PROGRAM_FIELDS = {
    "title",
    "description",
    "location",
    "online_url",
    "timezone",
    "enrol_opens_at",
    "enrol_closes_at",
    "capacity",
    "is_published",
    "cancel_cutoff_hours",
    "max_active_bookings",
    "offer_hours",
    "completion_classes",
}
SLOT_FIELDS = {"title", "starts_at", "ends_at", "timezone", "location", "online_url", "capacity"}


class Forbidden(ApplicationError):
    status_code = 403

    def __init__(self, message: str = "You are not allowed to do this.", **kwargs):
        kwargs.setdefault("code", "forbidden")
        super().__init__(message, **kwargs)


def can_manage_program(user: User, program: Program) -> bool:
    return bool(user.is_superuser or (user.is_organizer and user.union_id == program.union_id))


def can_manage_slot(user: User, slot: Slot) -> bool:
    return can_manage_program(user, slot.program) or slot.coach.user_id == user.pk


def _organizer_union(by: User) -> Union:
    if not by.is_organizer or not (by.union_id or by.is_superuser):
        raise Forbidden("Only organizers of a union can do this.")
    if by.union_id:
        return by.union
    union, _ = Union.objects.get_or_create(name="默认工会")
    return union


def coach_create(
    *,
    by: User,
    username: str,
    display_name: str,
    email: str = "",
    bio: str = "",
    specialties: str = "",
    buffer_minutes: int = 15,
    min_notice_hours: int = 2,
    horizon_days: int = 30,
) -> Coach:
    union = _organizer_union(by)
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, email=email, role=User.Role.COACH, union=union, display_name=display_name
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif hasattr(user, "coach") or (user.union_id and user.union_id != union.pk):
            raise Conflict("This user cannot become a coach here.", fields={"username": ["Already taken."]})
        coach = Coach.objects.create(
            user=user,
            union=union,
            bio=bio,
            specialties=specialties,
            buffer_minutes=buffer_minutes,
            min_notice_hours=min_notice_hours,
            horizon_days=horizon_days,
        )
        activity_log(actor=by, verb="coach.created", obj=coach)
        if user.email and not user.has_usable_password():  # else the coach could never log in
            invitation_send(user=user, by=by)
    return coach


def _validate_program(fields: dict) -> None:
    errors: dict[str, list[str]] = {}
    if "timezone" in fields and not is_valid_timezone(fields["timezone"]):
        errors["timezone"] = ["Unknown time zone."]
    opens, closes = fields.get("enrol_opens_at"), fields.get("enrol_closes_at")
    if opens and closes and closes <= opens:
        errors["enrol_closes_at"] = ["Enrolment must close after it opens."]
    if "offer_hours" in fields and not 1 <= fields["offer_hours"] <= 72:
        errors["offer_hours"] = ["Between 1 and 72 hours."]
    if "max_active_bookings" in fields and fields["max_active_bookings"] < 1:
        errors["max_active_bookings"] = ["At least 1."]
    if errors:
        raise ApplicationError("Invalid program.", fields=errors)


def program_create(*, by: User, title: str, **fields) -> Program:
    union = _organizer_union(by)
    unknown = set(fields) - PROGRAM_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    _validate_program(fields)
    program = Program.objects.create(union=union, organizer=by, title=title, **fields)
    activity_log(actor=by, verb="program.created", obj=program)
    return program


@transaction.atomic
def program_update(*, program: Program, by: User, **changes) -> Program:
    if not can_manage_program(by, program):
        raise Forbidden()
    unknown = set(changes) - PROGRAM_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    program = Program.objects.select_for_update().get(pk=program.pk)
    for name, value in changes.items():
        setattr(program, name, value)
    _validate_program(
        {k: getattr(program, k) for k in ("timezone", "enrol_opens_at", "enrol_closes_at", "offer_hours")}
        | {"max_active_bookings": program.max_active_bookings}
    )
    if changes:
        program.save(update_fields=list(changes))
        activity_log(actor=by, verb="program.updated", obj=program, fields=sorted(changes))
    return program


def _validate_slot_times(*, starts_at: datetime, ends_at: datetime, tz: str, require_future: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not is_valid_timezone(tz):
        errors["timezone"] = ["Unknown time zone. Use an IANA name such as Asia/Shanghai."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["End must be after start."]
    elif ends_at - starts_at > MAX_SLOT_LENGTH:
        errors["ends_at"] = ["A class can last at most 12 hours."]
    if require_future and starts_at <= timezone.now():
        errors["starts_at"] = ["Start must be in the future."]
    if errors:
        raise ApplicationError("Invalid class times.", fields=errors)


def _check_coach_free(
    *, coach: Coach, kind: str, starts_at: datetime, ends_at: datetime, exclude=None
) -> None:
    """A coach cannot be in two places: no overlapping slots; 1:1 slots also keep the coach's buffer."""
    Coach.objects.select_for_update().filter(pk=coach.pk).first()  # serialize a coach's calendar edits
    buffer = timedelta(minutes=coach.buffer_minutes if kind == Slot.Kind.ONE_ON_ONE else 0)
    clash = Slot.objects.filter(
        coach=coach,
        status=Slot.Status.SCHEDULED,
        starts_at__lt=ends_at + buffer,
        ends_at__gt=starts_at - buffer,
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    other = clash.first()
    if other is not None:
        raise Conflict(
            "The coach already has a class at that time.",
            code="coach_busy",
            fields={"starts_at": [f"Overlaps “{other.title}” (with {buffer.seconds // 60} min buffer)."]},
        )


def slot_create(
    *,
    by: User,
    program: Program,
    coach: Coach,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    kind: str = Slot.Kind.GROUP,
    capacity: int | None = None,
    timezone: str = "Asia/Shanghai",
    location: str = "",
    online_url: str = "",
) -> Slot:
    if not (
        can_manage_program(by, program) or (coach.user_id == by.pk and coach.union_id == program.union_id)
    ):
        raise Forbidden("Only the program's organizers or the coach can add classes.")
    if coach.union_id != program.union_id:
        raise ApplicationError("Unknown coach.", fields={"coach": ["Unknown coach."]})
    _validate_slot_times(starts_at=starts_at, ends_at=ends_at, tz=timezone, require_future=True)
    if kind == Slot.Kind.ONE_ON_ONE:
        if capacity not in (None, 1):
            raise ApplicationError(
                "A 1:1 slot has one seat.", fields={"capacity": ["A 1:1 slot has one seat."]}
            )
        capacity = 1
    if not capacity or capacity < 1:
        raise ApplicationError("Capacity must be at least 1.", fields={"capacity": ["At least 1."]})
    with transaction.atomic():
        _check_coach_free(coach=coach, kind=kind, starts_at=starts_at, ends_at=ends_at)
        slot = Slot.objects.create(
            program=program,
            coach=coach,
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            location=location,
            online_url=online_url,
            capacity=capacity,
        )
        activity_log(actor=by, verb="slot.created", obj=slot)
        slot_invite_sync(slot=slot)
    return slot


def _active_bookings_locked(slot: Slot) -> list[Booking]:
    # Lock order everywhere: bookings, then the slot row (see docs/coaching.md).
    return list(
        Booking.objects.select_for_update()
        .filter(slot=slot, status__in=ACTIVE_STATUSES)
        .select_related("trainee__user")
        .order_by("pk")
    )


def slot_update(*, slot: Slot, by: User, **changes) -> Slot:
    from coaching.services.booking import _offer_free_seats

    if not can_manage_slot(by, slot):
        raise Forbidden()
    unknown = set(changes) - SLOT_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    with bounded_locks():
        bookings = _active_bookings_locked(slot)
        slot = Slot.objects.select_for_update().select_related("program", "coach").get(pk=slot.pk)
        if slot.status != Slot.Status.SCHEDULED or slot.ends_at <= timezone.now():
            raise Conflict("A cancelled or past class cannot change.", code="invalid_state")
        changed = {name for name, value in changes.items() if getattr(slot, name) != value}
        for name in changed:
            setattr(slot, name, changes[name])
        if "capacity" in changed:
            if slot.kind == Slot.Kind.ONE_ON_ONE and slot.capacity != 1:
                raise ApplicationError(
                    "A 1:1 slot has one seat.", fields={"capacity": ["A 1:1 slot has one seat."]}
                )
            if slot.capacity < 1:
                raise ApplicationError("Capacity must be at least 1.", fields={"capacity": ["At least 1."]})
            if slot.capacity < slot.seats_taken:
                raise Conflict(
                    f"{slot.seats_taken} seats are already taken; capacity cannot go below that.",
                    code="capacity_below_taken",
                    fields={"capacity": [f"At least {slot.seats_taken} (seats already taken)."]},
                )
        timing = {"starts_at", "ends_at", "timezone"} & changed
        if timing:
            _validate_slot_times(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                tz=slot.timezone,
                require_future="starts_at" in changed,
            )
            _check_coach_free(
                coach=slot.coach, kind=slot.kind, starts_at=slot.starts_at, ends_at=slot.ends_at, exclude=slot
            )
        if not changed:
            return slot
        slot.save(update_fields=[*changed, "updated_at"])
        activity_log(actor=by, verb="slot.updated", obj=slot, fields=sorted(changed))
        if timing:
            _slot_changed(slot=slot, change="rescheduled", bookings=bookings)
        elif {"location", "online_url", "title"} & changed:
            _slot_changed(slot=slot, change="updated", bookings=bookings)
        if "capacity" in changed and slot.seats_taken < slot.capacity:
            _offer_free_seats(slot=slot)
    slot.refresh_from_db()
    return slot


def slot_cancel(*, slot: Slot, by: User, reason: str = "") -> Slot:
    if not can_manage_slot(by, slot):
        raise Forbidden()
    now = timezone.now()
    with bounded_locks():
        bookings = _active_bookings_locked(slot)
        slot = Slot.objects.select_for_update().select_related("program", "coach").get(pk=slot.pk)
        if slot.status != Slot.Status.SCHEDULED:
            raise Conflict("This class is already cancelled.", code="invalid_state")
        if slot.ends_at <= now:
            raise Conflict("A class that has ended cannot be cancelled.", code="invalid_state")
        Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
            status=Booking.Status.CANCELLED, cancelled_at=now, cancel_reason="slot_cancelled"
        )
        Slot.objects.filter(pk=slot.pk).update(
            status=Slot.Status.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason[:500],
            seats_taken=0,
            updated_at=now,
        )
        slot.refresh_from_db()
        for booking in bookings:
            booking.status = Booking.Status.CANCELLED
        activity_log(actor=by, verb="slot.cancelled", obj=slot, reason=reason, bookings=len(bookings))
        _slot_changed(slot=slot, change="slot_cancelled", bookings=bookings)
    return slot
