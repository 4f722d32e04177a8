"""Shared helpers for the apps' demo data (``manage.py seed_demo`` calls each ``<app>/demo.py``)."""

from __future__ import annotations

from core.models import User

DEMO_PASSWORD = "yizhan-demo"


def demo_user(username: str, *, role: str, display_name: str, union=None, **extra) -> User:
    """Get or create a demo account (password ``DEMO_PASSWORD``, email ``<username>@example.com``).

    Idempotent: an existing account is returned as it is, so re-seeding never resets what a person changed.
    """
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "union": union,
            "display_name": display_name,
            "email": f"{username}@example.com",
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user
