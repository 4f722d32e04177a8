"""Permission predicates of the coaching app: a leaf module (models only), imported by services,
selectors and views alike."""

from __future__ import annotations

from coaching.models import Program, Slot
from core.models import User


def can_manage_program(user: User, program: Program) -> bool:
    return bool(user.is_superuser or (user.is_organizer and user.union_id == program.union_id))


def can_manage_slot(user: User, slot: Slot) -> bool:
    return can_manage_program(user, slot.program) or slot.coach.user_id == user.pk
