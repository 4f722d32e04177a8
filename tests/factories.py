"""Small factories with readable defaults."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from core.models import Union, User
from livestreams.models import LiveSession, Segment, Series

_seq = itertools.count(1)


def make_union(name: str | None = None) -> Union:
    return Union.objects.create(name=name or f"工会{next(_seq)}")


def make_user(*, username: str | None = None, role: str = "", union: Union | None = None, **extra) -> User:
    username = username or f"user{next(_seq)}"
    extra.setdefault("email", f"{username}@example.com")
    return User.objects.create_user(username=username, password="pw-123456", role=role, union=union, **extra)


def make_series(*, union: Union, title: str = "春风行动 · 云招聘") -> Series:
    return Series.objects.create(union=union, title=title)


def make_session(
    *,
    union: Union,
    kind: str = LiveSession.Kind.JOB_FAIR,
    status: str = LiveSession.Status.DRAFT,
    starts_in: timedelta = timedelta(days=2),
    duration: timedelta = timedelta(hours=2),
    title: str = "2026 春季直播带岗专场",
    hosts=(),
    **extra,
) -> LiveSession:
    starts_at = extra.pop("starts_at", None) or timezone.now() + starts_in
    session = LiveSession.objects.create(
        union=union,
        kind=kind,
        status=status,
        title=title,
        starts_at=starts_at,
        ends_at=extra.pop("ends_at", None) or starts_at + duration,
        **extra,
    )
    session.hosts.set(hosts)
    return session


def make_segment(
    *, session: LiveSession, offset: timedelta = timedelta(0), length=timedelta(minutes=30), **extra
):
    starts_at = session.starts_at + offset
    return Segment.objects.create(
        session=session,
        title=extra.pop("title", "企业宣讲"),
        starts_at=starts_at,
        ends_at=starts_at + length,
        **extra,
    )
