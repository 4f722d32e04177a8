"""Coaches, programs and slots: creation, time/capacity changes, cancelling a whole slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from coaching.calendar import slot_invite_sync
from coaching.models import ACTIVE_STATUSES, MAX_SLOT_LENGTH, Booking, Coach, Program, Slot
from coaching.rules import can_manage_program, can_manage_slot
from coaching.services.common import bounded_locks, slot_changed
from coaching.services.waitlist import offer_free_seats
from core.activity import activity_log
from core.errors import ApplicationError, Conflict, Forbidden
from core.invitations import invitation_send
from core.models import Union, User
from core.timeutils import is_valid_timezone, window_check
from core.validation import reject_unknown

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


def _organizer_union(by: User) -> Union:
    if not by.is_organizer or not (by.union_id or by.is_superuser):
        raise Forbidden(gettext("Only organizers of a union can do this."))
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
            raise Conflict(
                gettext("This user cannot become a coach here."),
                fields={"username": [gettext("Already taken.")]},
            )
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
        errors["timezone"] = [gettext("未知时区，请从列表中选择。")]
    opens, closes = fields.get("enrol_opens_at"), fields.get("enrol_closes_at")
    if opens and closes and closes <= opens:
        errors["enrol_closes_at"] = [gettext("报名截止必须晚于报名开始。")]
    if "offer_hours" in fields and not 1 <= fields["offer_hours"] <= 72:
        errors["offer_hours"] = [gettext("请填写 1 到 72 之间的小时数。")]
    if "max_active_bookings" in fields and fields["max_active_bookings"] < 1:
        errors["max_active_bookings"] = [gettext("至少为 1。")]
    if errors:
        raise ApplicationError(gettext("Invalid program."), fields=errors)


def program_create(*, by: User, title: str, **fields) -> Program:
    union = _organizer_union(by)
    reject_unknown(fields, PROGRAM_FIELDS)
    _validate_program(fields)
    program = Program.objects.create(union=union, organizer=by, title=title, **fields)
    activity_log(actor=by, verb="program.created", obj=program)
    return program


@transaction.atomic
def program_update(*, program: Program, by: User, **changes) -> Program:
    if not can_manage_program(by, program):
        raise Forbidden()
    reject_unknown(changes, PROGRAM_FIELDS)
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
    window_check(
        starts_at=starts_at,
        ends_at=ends_at,
        tz=tz,
        max_length=MAX_SLOT_LENGTH,
        require_future=require_future,
        what="class",
    )


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
            gettext("The coach already has a class at that time."),
            code="coach_busy",
            fields={
                "starts_at": [
                    gettext("与教练的另一节课时间冲突：“%(title)s”（含 %(minutes)d 分钟间隔）。")
                    % {"title": other.title, "minutes": buffer.seconds // 60}
                ]
            },
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
        raise Forbidden(gettext("Only the program's organizers or the coach can add classes."))
    if coach.union_id != program.union_id:
        raise ApplicationError("Unknown coach.", fields={"coach": [gettext("教练不存在。")]})
    _validate_slot_times(starts_at=starts_at, ends_at=ends_at, tz=timezone, require_future=True)
    if kind == Slot.Kind.ONE_ON_ONE:
        if capacity not in (None, 1):
            raise ApplicationError(
                "A 1:1 slot has one seat.", fields={"capacity": [gettext("1:1 课只有一个名额。")]}
            )
        capacity = 1
    if not capacity or capacity < 1:
        raise ApplicationError("Capacity must be at least 1.", fields={"capacity": [gettext("至少为 1。")]})
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
    if not can_manage_slot(by, slot):
        raise Forbidden()
    reject_unknown(changes, SLOT_FIELDS)
    with bounded_locks():
        bookings = _active_bookings_locked(slot)
        slot = Slot.objects.select_for_update().select_related("program", "coach").get(pk=slot.pk)
        if slot.status != Slot.Status.SCHEDULED or slot.ends_at <= timezone.now():
            raise Conflict(gettext("A cancelled or past class cannot change."), code="invalid_state")
        changed = {name for name, value in changes.items() if getattr(slot, name) != value}
        for name in changed:
            setattr(slot, name, changes[name])
        if "capacity" in changed:
            if slot.kind == Slot.Kind.ONE_ON_ONE and slot.capacity != 1:
                raise ApplicationError(
                    "A 1:1 slot has one seat.", fields={"capacity": [gettext("1:1 课只有一个名额。")]}
                )
            if slot.capacity < 1:
                raise ApplicationError(
                    "Capacity must be at least 1.", fields={"capacity": [gettext("至少为 1。")]}
                )
            if slot.capacity < slot.seats_taken:
                raise Conflict(
                    gettext("%(n)d seats are already taken; capacity cannot go below that.")
                    % {"n": slot.seats_taken},
                    code="capacity_below_taken",
                    fields={
                        "capacity": [
                            gettext("At least %(n)d (seats already taken).") % {"n": slot.seats_taken}
                        ]
                    },
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
            slot_changed(slot=slot, change="rescheduled", bookings=bookings)
        elif {"location", "online_url", "title"} & changed:
            slot_changed(slot=slot, change="updated", bookings=bookings)
        if "capacity" in changed and slot.seats_taken < slot.capacity:
            offer_free_seats(slot=slot)
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
            raise Conflict(gettext("This class is already cancelled."), code="invalid_state")
        if slot.ends_at <= now:
            raise Conflict(gettext("A class that has ended cannot be cancelled."), code="invalid_state")
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
        slot_changed(slot=slot, change="slot_cancelled", bookings=bookings)
    return slot


# --- Organizer console: coach availability and weekly classes -------------------------------------

COACH_FIELDS = {"bio", "specialties", "buffer_minutes", "min_notice_hours", "horizon_days"}
MAX_REPEATS = 52


@transaction.atomic
def coach_update(*, coach: Coach, by: User, **changes) -> Coach:
    """Availability rules (buffer between 1:1 slots, minimum notice, booking horizon) and profile."""
    if not (by.is_superuser or (by.is_organizer and by.union_id == coach.union_id) or coach.user_id == by.pk):
        raise Forbidden()
    unknown = set(changes) - COACH_FIELDS
    if unknown:
        raise ApplicationError(
            gettext("Unknown fields."), fields={f: [gettext("Unknown field.")] for f in sorted(unknown)}
        )
    errors: dict[str, list[str]] = {}
    limits = {"buffer_minutes": (0, 240), "min_notice_hours": (0, 720), "horizon_days": (1, 365)}
    for name, (low, high) in limits.items():
        if name in changes and not low <= int(changes[name]) <= high:
            errors[name] = [gettext("Between %(low)s and %(high)s.") % {"low": low, "high": high}]
    if errors:
        raise ApplicationError(gettext("Invalid availability."), fields=errors)
    coach = Coach.objects.select_for_update().get(pk=coach.pk)
    changed = sorted(name for name, value in changes.items() if getattr(coach, name) != value)
    for name in changed:
        setattr(coach, name, changes[name])
    if changed:
        coach.save(update_fields=changed)
        activity_log(actor=by, verb="coach.updated", obj=coach, fields=changed)
    return coach


def slots_create_weekly(
    *, by: User, starts_at: datetime, ends_at: datetime, until, timezone: str = "Asia/Shanghai", **fields
) -> list[Slot]:
    """The same class every week at the same local time until ``until`` (a date, inclusive).

    All or nothing: one transaction, so a clash on the fifth week stores none of them and names that week.
    Weeks are counted in the slot's own zone, so a class at 19:00 stays at 19:00 across a DST change.
    """
    if not is_valid_timezone(timezone):
        raise ApplicationError(
            "Unknown time zone.", fields={"timezone": [gettext("未知时区，请从列表中选择。")]}
        )
    zone = ZoneInfo(timezone)
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if until < local_start.date():
        raise ApplicationError(
            "Repeat until a date on or after the first class.",
            fields={"until": [gettext("重复截止日期不能早于第一节课。")]},
        )
    occurrences = []
    week = 0
    while (local_start + timedelta(weeks=week)).date() <= until:
        if week >= MAX_REPEATS:
            raise ApplicationError(
                f"At most {MAX_REPEATS} weekly classes at once.",
                fields={"until": [gettext("一次最多添加 %(n)d 周的课节。") % {"n": MAX_REPEATS}]},
            )
        start = (local_start.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=zone)
        end = (local_end.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=zone)
        occurrences.append((start, end))
        week += 1
    created = []
    with transaction.atomic():
        for start, end in occurrences:
            try:
                created.append(slot_create(by=by, starts_at=start, ends_at=end, timezone=timezone, **fields))
            except ApplicationError as exc:
                exc.message = f"{start:%Y-%m-%d}: {exc.message}"
                exc.fields = {**exc.fields, "week": [f"{start:%Y-%m-%d}"]}
                raise
    return created
