"""Coaching factories with readable defaults."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from coaching.models import Booking, Coach, Program, Slot, Trainee
from core.models import Union, User
from tests.factories import make_user

_seq = itertools.count(1)


def make_coach(*, union: Union, username: str | None = None, **extra) -> Coach:
    user = make_user(
        username=username or f"coach{next(_seq)}", role="coach", union=union, display_name="张教练"
    )
    extra.setdefault("min_notice_hours", 0)
    return Coach.objects.create(
        user=user, union=union, bio="十年电商直播经验", specialties="直播带货", **extra
    )


def make_program(*, union: Union, organizer: User | None = None, **extra) -> Program:
    extra.setdefault("title", "7 天直播带货训练营")
    return Program.objects.create(union=union, organizer=organizer, location="滨江区职工驿站", **extra)


def make_slot(
    *,
    program: Program,
    coach: Coach,
    capacity: int = 30,
    starts_in: timedelta = timedelta(days=2),
    duration: timedelta = timedelta(hours=2),
    **extra,
) -> Slot:
    starts_at = extra.pop("starts_at", None) or timezone.now() + starts_in
    return Slot.objects.create(
        program=program,
        coach=coach,
        title=extra.pop("title", "第 1 课：直播间搭建与选品"),
        starts_at=starts_at,
        ends_at=starts_at + duration,
        capacity=capacity,
        **extra,
    )


def make_trainee(*, username: str | None = None, phone: str | None = None, **extra) -> Trainee:
    n = next(_seq)
    user = make_user(username=username or f"trainee{n}", role="trainee", display_name=f"学员{n}")
    return Trainee.objects.create(user=user, phone=phone or f"139{n:08d}", city="杭州", **extra)


def make_trainees(count: int) -> list[Trainee]:
    base = next(_seq) * 1000
    users = User.objects.bulk_create(
        [
            User(username=f"bulk{base + i}", role="trainee", email=f"bulk{base + i}@example.com")
            for i in range(count)
        ]
    )
    return Trainee.objects.bulk_create(
        [Trainee(user=u, phone=f"137{base + i:08d}") for i, u in enumerate(users)]
    )


def seat_invariant(slot: Slot) -> tuple[int, int]:
    slot.refresh_from_db()
    held = Booking.objects.filter(slot=slot, status__in=["confirmed", "offered"]).count()
    return slot.seats_taken, held
