"""`createsuperuser --noinput` yields an organizer who can drive a session end to end through the API."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "chair")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "chair@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-Long-pass-phrase-2026")
    call_command("createsuperuser", interactive=False, verbosity=0)
    return User.objects.get(username="chair")


def _token_client(username: str, password: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_createsuperuser_noinput_makes_an_organizer(superuser):
    assert superuser.is_superuser and superuser.is_staff
    assert superuser.is_organizer
    assert superuser.email == "chair@example.org"
    me = _token_client("chair", "a-Long-pass-phrase-2026").get("/api/v1/me/").json()
    assert me["username"] == "chair" and me["is_organizer"] is True


def test_superuser_creates_schedules_and_runs_a_session_through_the_api(superuser, host):
    api = _token_client("chair", "a-Long-pass-phrase-2026")
    series = api.post("/api/v1/series/", {"title": "2026 春风行动 · 云招聘"}, format="json")
    assert series.status_code == 201, series.content
    starts = timezone.now() + timedelta(hours=3)

    created = api.post(
        "/api/v1/sessions/",
        {
            "kind": "job_fair",
            "title": "超级管理员创建的直播带岗",
            "series": series.json()["id"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "timezone": "Asia/Shanghai",
            "platform": "douyin",
            "hosts": [host.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    session_id = created.json()["id"]
    segment = api.post(
        f"/api/v1/sessions/{session_id}/segments/",
        {
            "title": "开场",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    scheduled = api.post(f"/api/v1/sessions/{session_id}/schedule/", {}, format="json")
    live = api.post(f"/api/v1/sessions/{session_id}/go-live/", {}, format="json")
    ended = api.post(f"/api/v1/sessions/{session_id}/end/", {}, format="json")

    assert segment.status_code == 201, segment.content
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    assert live.status_code == 200 and live.json()["status"] == "live"
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert ended.json()["series"] == series.json()["id"]
    (host_row,) = ended.json()["hosts"]
    assert "username" not in host_row and host_row["name"]  # display names only (sessions are public)
    assert [s["title"] for s in ended.json()["segments"]] == ["开场"]


def test_superuser_can_cancel_another_unions_session(superuser, other_union):
    from tests import factories

    session = factories.make_session(union=other_union, status="scheduled", title="宁波专场")
    api = _token_client("chair", "a-Long-pass-phrase-2026")

    response = api.post(f"/api/v1/sessions/{session.pk}/cancel/", {"reason": "场地调整"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "场地调整"
