"""Scoped reads and outcome roll-ups of the coaching app."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from coaching.models import Booking, Coach, Program, Slot, Trainee
from core.models import User
from livestreams.models import LiveSession, Segment, SessionResult

B = Booking.Status
NO_SHOW = (Booking.Attendance.ABSENT, Booking.Attendance.NO_SHOW)
WENT_LIVE_WITHIN = timedelta(days=30)


def programs_visible_to(user: User) -> QuerySet[Program]:
    qs = Program.objects.select_related("union")
    if user.is_authenticated and user.is_superuser:
        return qs
    visible = Q(is_published=True)
    if user.is_authenticated and user.is_organizer and user.union_id:
        visible |= Q(union_id=user.union_id)
    return qs.filter(visible)


def programs_managed_by(user: User) -> QuerySet[Program]:
    if not user.is_authenticated:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    if user.is_organizer and user.union_id:
        return Program.objects.filter(union_id=user.union_id)
    return Program.objects.none()


def slots_visible_to(user: User) -> QuerySet[Slot]:
    return Slot.objects.filter(program__in=programs_visible_to(user)).select_related("program", "coach__user")


def slots_managed_by(user: User) -> QuerySet[Slot]:
    qs = Slot.objects.select_related("program", "coach__user")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    managed = Q(coach__user_id=user.pk)
    if user.is_organizer and user.union_id:
        managed |= Q(program__union_id=user.union_id)
    return qs.filter(managed)


def coaches_visible_to(user: User) -> QuerySet[Coach]:
    qs = Coach.objects.select_related("user", "union")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.is_organizer and user.union_id:
        return qs.filter(union_id=user.union_id)
    return qs.filter(user_id=user.pk) if user.is_authenticated else qs.none()


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    """Own bookings; a coach's attendees; an organizer's union. Anything else is invisible (404)."""
    qs = Booking.objects.select_related("slot__program", "slot__coach__user", "trainee__user")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    visible = Q(trainee__user_id=user.pk) | Q(slot__coach__user_id=user.pk)
    if user.is_organizer and user.union_id:
        visible |= Q(slot__program__union_id=user.union_id)
    return qs.filter(visible)


def my_bookings(user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(trainee__user_id=user.pk)
        .select_related("slot__program", "slot__coach__user", "trainee__user")
        .order_by("-slot__starts_at")
    )


def trainees_visible_to(user: User) -> QuerySet[Trainee]:
    qs = Trainee.objects.select_related("user")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    visible = Q(user_id=user.pk) | Q(bookings__slot__coach__user_id=user.pk)
    if user.is_organizer and user.union_id:
        visible |= Q(union_id=user.union_id) | Q(bookings__slot__program__union_id=user.union_id)
    return qs.filter(visible).distinct()


# --- Outcomes ---------------------------------------------------------------------------------


def first_livestream(trainee: Trainee) -> dict | None:
    """The trainee's first own selling livestream (a sales-session segment with them as seller).

    Viewers, orders and net GMV come from the session's stored scorecard (``livestreams.SessionResult``):
    viewers of the trainee's segment, orders/GMV of the trainee's own products (per-seller breakdown,
    falling back to the segment's attributed orders). ``None`` until the session has results.
    """
    segment = (
        Segment.objects.filter(seller_id=trainee.user_id, session__kind=LiveSession.Kind.SALES)
        .exclude(session__status=LiveSession.Status.CANCELLED)
        .select_related("session")
        .order_by("starts_at")
        .first()
    )
    if segment is None:
        return None
    session = segment.session
    viewers = orders = gmv = None
    result = SessionResult.objects.filter(session=session).only("breakdowns").first()
    if result is not None:
        breakdowns = result.breakdowns or {}
        seg_row = next((r for r in breakdowns.get("segments", []) if r.get("id") == str(segment.pk)), {})
        seller_row = next(
            (r for r in breakdowns.get("sellers", []) if str(r.get("id")) == str(trainee.user_id)), None
        )
        viewers = seg_row.get("viewers", 0)
        source = seller_row if seller_row is not None else seg_row
        orders = source.get("orders", 0)
        gmv = Decimal(str(source.get("gmv_net", "0")))
    return {
        "session_id": str(session.pk),
        "title": session.title,
        "starts_at": segment.starts_at,
        "status": session.status,
        "went_live": session.status in (LiveSession.Status.LIVE, LiveSession.Status.ENDED),
        "viewers": viewers,
        "orders": orders,
        "gmv": gmv,
    }


def _required_classes(program: Program) -> int:
    if program.completion_classes:
        return program.completion_classes
    return program.slots.filter(kind=Slot.Kind.GROUP, status=Slot.Status.SCHEDULED).count()


def trainee_progress(trainee: Trainee) -> dict:
    bookings = Booking.objects.filter(trainee=trainee)
    totals = bookings.aggregate(
        booked=Count("pk", filter=Q(status=B.CONFIRMED)),
        attended=Count("pk", filter=Q(status=B.CONFIRMED, attendance=Booking.Attendance.PRESENT)),
        no_show=Count("pk", filter=Q(status=B.CONFIRMED, attendance__in=NO_SHOW)),
        late_cancellations=Count("pk", filter=Q(late_cancel=True)),
        waitlisted=Count("pk", filter=Q(status__in=[B.WAITLISTED, B.OFFERED])),
    )
    programs = []
    for program in Program.objects.filter(slots__bookings__trainee=trainee).distinct().order_by("created_at"):
        attended = bookings.filter(
            slot__program=program, status=B.CONFIRMED, attendance=Booking.Attendance.PRESENT
        ).count()
        required = _required_classes(program)
        programs.append(
            {
                "id": str(program.pk),
                "title": program.title,
                "attended": attended,
                "required": required,
                "completed": required > 0 and attended >= required,
            }
        )
    return {
        "trainee_id": trainee.pk,
        "name": trainee.user.name,
        **totals,
        "programs": programs,
        "first_livestream": first_livestream(trainee),
    }


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _rollup(bookings: QuerySet[Booking], programs: list[Program]) -> dict:
    marked = bookings.filter(status=B.CONFIRMED).exclude(attendance="")
    att = marked.aggregate(
        present=Count("pk", filter=Q(attendance=Booking.Attendance.PRESENT)),
        marked=Count("pk"),
    )
    enrolled = completed = went_live = 0
    for program in programs:
        required = _required_classes(program)
        last_class = program.slots.filter(status=Slot.Status.SCHEDULED).aggregate(end=Max("ends_at"))["end"]
        # Completion counts every class of the program, for the trainees in scope (a coach's attendees).
        in_scope = bookings.filter(slot__program=program, status=B.CONFIRMED).values("trainee_id")
        per_trainee = (
            Booking.objects.filter(slot__program=program, status=B.CONFIRMED, trainee_id__in=in_scope)
            .values("trainee_id", "trainee__user_id")
            .annotate(attended=Count("pk", filter=Q(attendance=Booking.Attendance.PRESENT)))
        )
        graduates = []
        for row in per_trainee:
            enrolled += 1
            if required and row["attended"] >= required:
                completed += 1
                graduates.append(row["trainee__user_id"])
        if graduates and last_class:
            went_live += _went_live_within(graduates, last_class)
    return {
        "attendance": {
            "present": att["present"],
            "marked": att["marked"],
            "rate": _rate(att["present"], att["marked"]),
        },
        "completion": {"completed": completed, "enrolled": enrolled, "rate": _rate(completed, enrolled)},
        "graduates_live_30d": {
            "went_live": went_live,
            "graduates": completed,
            "rate": _rate(went_live, completed),
        },
    }


def _went_live_within(user_ids: list[int], since) -> int:
    """Graduates whose first own sales stream went live within 30 days of the program's last class."""
    firsts = (
        Segment.objects.filter(
            seller_id__in=user_ids,
            session__kind=LiveSession.Kind.SALES,
            session__status__in=[LiveSession.Status.LIVE, LiveSession.Status.ENDED],
        )
        .values("seller_id")
        .annotate(first=Min("starts_at"))
    )
    return sum(1 for row in firsts if row["first"] <= since + WENT_LIVE_WITHIN)


def program_stats(program: Program) -> dict:
    bookings = Booking.objects.filter(slot__program=program)
    return {"program_id": str(program.pk), "title": program.title, **_rollup(bookings, [program])}


def coach_stats(coach: Coach) -> dict:
    bookings = Booking.objects.filter(slot__coach=coach)
    programs = list(Program.objects.filter(slots__coach=coach).distinct())
    return {"coach_id": coach.pk, "name": coach.user.name, **_rollup(bookings, programs)}


def upcoming_slots(program: Program) -> QuerySet[Slot]:
    return (
        program.slots.filter(status=Slot.Status.SCHEDULED, starts_at__gt=timezone.now())
        .select_related("coach__user")
        .annotate(waitlisted=Count("bookings", filter=Q(bookings__status=B.WAITLISTED)))
        .order_by("starts_at")
    )
