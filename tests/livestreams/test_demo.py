"""`manage.py seed_demo`: readable demo data, idempotent, and refreshed when it drifts into the past."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.models import Union, User
from livestreams.models import LiveSession, Segment, Series

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts():
    return tuple(m.objects.count() for m in (Union, User, Series, LiveSession, Segment))


def test_seed_demo_creates_upcoming_sessions_and_logins():
    output = _seed()

    assert "organizer / yizhan-demo" in output and "host / yizhan-demo" in output
    fair = LiveSession.objects.get(kind="job_fair")
    sales = LiveSession.objects.get(kind="sales")
    assert fair.status == sales.status == "scheduled"
    assert timezone.now() < fair.starts_at < sales.starts_at
    assert fair.segments.count() == 5 and sales.segments.count() == 4
    assert all(s.starts_at >= fair.starts_at and s.ends_at <= fair.ends_at for s in fair.segments.all())
    assert User.objects.get(username="organizer").check_password("yizhan-demo")
    assert User.objects.get(username="organizer").is_organizer
    html = Client().get("/").content.decode()
    assert "工会直播带岗专场" in html and "学员首播" in html


def test_seed_demo_is_idempotent():
    _seed()
    before = _counts()
    _seed()
    assert _counts() == before


def test_seed_demo_moves_stale_demo_sessions_forward():
    _seed()
    fair = LiveSession.objects.get(kind="job_fair")
    past = timezone.now() - timedelta(days=5)
    shift = past - fair.starts_at
    for segment in fair.segments.all():
        Segment.objects.filter(pk=segment.pk).update(
            starts_at=segment.starts_at + shift, ends_at=segment.ends_at + shift
        )
    LiveSession.objects.filter(pk=fair.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=2), status="ended", ended_at=past + timedelta(hours=2)
    )

    _seed()

    fair.refresh_from_db()
    assert fair.status == "scheduled" and fair.ended_at is None
    assert fair.starts_at > timezone.now()
    segments = list(fair.segments.order_by("starts_at"))
    assert segments[0].starts_at == fair.starts_at
    assert segments[-1].ends_at <= fair.ends_at
