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
    fair, fair2 = LiveSession.objects.filter(kind="job_fair").order_by("starts_at")
    sales = LiveSession.objects.get(kind="sales")
    assert fair.status == fair2.status == sales.status == "scheduled"
    assert timezone.now() < fair.starts_at < sales.starts_at < fair2.starts_at
    assert fair.segments.count() == 5 and fair2.segments.count() == 4 and sales.segments.count() == 4
    for session in (fair, fair2):
        assert all(
            s.starts_at >= session.starts_at and s.ends_at <= session.ends_at for s in session.segments.all()
        )
    # Two district fairs, each named by its districts (not one city-wide "80 companies" placeholder).
    assert "钱塘" in fair.title and "余杭" in fair2.title
    assert User.objects.get(username="organizer").check_password("yizhan-demo")
    assert User.objects.get(username="organizer").is_organizer
    html = Client().get("/").content.decode()
    assert "城东专场" in html and "城北专场" in html and "学员首播" in html


def test_seed_demo_banner_lists_each_role_with_a_working_sign_in_and_start_page(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = _seed()
    banner = output.split("Demo data ready.", 1)[1]

    starts = {
        "organizer": "/organizer/",
        "host": "/",
        "employer_dianzi": "/jobs/employer/",
        "coach": "/coaching/coach/",
        "trainee": "/coaching/me/",
    }
    for username, start in starts.items():
        line = next(line for line in banner.splitlines() if f" {username} / yizhan-demo" in line)
        assert f"{settings.SITE_URL}{start}" in line
        response = Client().post(
            "/accounts/login/", {"username": username, "password": "yizhan-demo"}, follow=True
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == start  # the banner names the page the login lands on
    phone_line = next(line for line in banner.splitlines() if "SMS code to" in line)
    phone = phone_line.split("SMS code to ")[1].split()[0]
    phone_user = User.objects.get(trainee__phone=phone)
    assert not phone_user.has_usable_password()  # signs in by SMS code only
    assert f"{settings.SITE_URL}/accounts/login/" in banner and f"{settings.SITE_URL}/api/docs/" in banner
    assert "example.com" not in output


def test_seed_demo_is_idempotent():
    _seed()
    before = _counts()
    _seed()
    assert _counts() == before


def test_seed_demo_renames_the_old_placeholder_fair_in_place():
    _seed()
    fair = LiveSession.objects.filter(kind="job_fair").order_by("starts_at").first()
    LiveSession.objects.filter(pk=fair.pk).update(title="工会直播带岗专场：80 家企业 3000 个岗位")
    before = _counts()

    _seed()

    fair.refresh_from_db()
    assert fair.title.startswith("城东专场") and _counts() == before


def test_seed_demo_moves_stale_demo_sessions_forward():
    _seed()
    fair = LiveSession.objects.filter(kind="job_fair").order_by("starts_at").first()
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
