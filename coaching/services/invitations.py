"""Organizers invite coaches and hosts by email, or by SMS where only a phone is known: an account without a password plus a single-use,
expiring set-password link (core.invitations). A coach also gets the coach profile at once, so the
invited person can be given classes before they have set a password."""

from __future__ import annotations

from django.db import transaction

from coaching.models import Coach
from coaching.services.catalog import _organizer_union
from core.invitations import account_invite
from core.models import User


def staff_invite(*, by: User, role: str, name: str, email: str, phone: str = "") -> User:
    union = _organizer_union(by)
    with transaction.atomic():
        user = account_invite(by=by, email=email, name=name, role=role, union=union, phone=phone)
        if role == User.Role.COACH and not Coach.objects.filter(user=user).exists():
            Coach.objects.create(user=user, union=union)
    return user


def staff_invited(*, by: User):
    """The union's coaches and hosts, newest first, with whether they have set a password yet."""
    union = _organizer_union(by)
    return (
        User.objects.filter(union=union, role__in=[User.Role.COACH, User.Role.HOST])
        .order_by("-date_joined")
        .only("username", "display_name", "email", "phone", "role", "password", "last_login", "date_joined")[
            :200
        ]
    )
