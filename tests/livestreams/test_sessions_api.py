from datetime import timedelta

import pytest
from django.utils import timezone

from livestreams.models import LiveSession
from tests import factories

pytestmark = pytest.mark.django_db


def _payload(**overrides):
    starts = timezone.now() + timedelta(days=1)
    data = {
        "kind": "job_fair",
        "title": "春风行动直播带岗",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Shanghai",
        "platform": "douyin",
    }
    data.update(overrides)
    return data


def test_session_create_returns_draft(organizer_client):
    response = organizer_client.post("/api/v1/sessions/", _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert len(body["id"]) == 36  # a UUID, not a guessable sequence
    assert LiveSession.objects.get(pk=body["id"]).title == "春风行动直播带岗"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": "not-a-date"}, "starts_at"),
        ({"surprise": 1}, "surprise"),
        ({"status": "live"}, "status"),
    ],
)
def test_session_create_bad_input_field_errors(organizer_client, overrides, field):
    response = organizer_client.post("/api/v1/sessions/", _payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert LiveSession.objects.count() == 0


def test_session_create_end_before_start(organizer_client):
    starts = timezone.now() + timedelta(days=1)
    response = organizer_client.post(
        "/api/v1/sessions/",
        _payload(ends_at=(starts - timedelta(hours=1)).isoformat(), starts_at=starts.isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["ends_at"] == ["结束时间必须晚于开始时间。"]


def test_session_create_longer_than_12h(organizer_client):
    starts = timezone.now() + timedelta(days=1)
    response = organizer_client.post(
        "/api/v1/sessions/",
        _payload(starts_at=starts.isoformat(), ends_at=(starts + timedelta(hours=13)).isoformat()),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    # The service's field message is in the reader's language (gettext), here English.
    assert response.json()["error"]["fields"]["ends_at"] == ["A session can last at most 12 hours."]


def test_schedule_in_past_refused(organizer_client, union):
    session = factories.make_session(union=union, starts_in=timedelta(hours=-1))
    response = organizer_client.post(f"/api/v1/sessions/{session.pk}/schedule/", {}, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()["error"]["fields"]
    session.refresh_from_db()
    assert session.status == "draft"


def test_schedule_ended_session_conflict(organizer_client, union):
    session = factories.make_session(union=union, status="ended")
    response = organizer_client.post(f"/api/v1/sessions/{session.pk}/schedule/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_non_organizer_cannot_create(client_for, trainee):
    response = client_for(trainee).post("/api/v1/sessions/", _payload(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_other_unions_draft_is_404(other_organizer_client, union):
    draft = factories.make_session(union=union)
    assert other_organizer_client.get(f"/api/v1/sessions/{draft.pk}/").status_code == 404
    response = other_organizer_client.patch(f"/api/v1/sessions/{draft.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "2026 春季直播带岗专场"


def test_anonymous_sees_public_scheduled_not_drafts(anon_client, union):
    factories.make_session(union=union, title="草稿")
    factories.make_session(union=union, status="scheduled", title="公开专场")
    titles = [s["title"] for s in anon_client.get("/api/v1/sessions/").json()["results"]]
    assert titles == ["公开专场"]


def test_list_filters_by_kind_and_date(organizer_client, union):
    factories.make_session(union=union, kind="sales", title="带货", starts_in=timedelta(days=1))
    factories.make_session(union=union, kind="job_fair", title="带岗", starts_in=timedelta(days=5))
    body = organizer_client.get("/api/v1/sessions/", {"kind": "sales"}).json()
    assert [s["title"] for s in body["results"]] == ["带货"]
    cutoff = (timezone.now() + timedelta(days=3)).isoformat()
    body = organizer_client.get("/api/v1/sessions/", {"starts_after": cutoff}).json()
    assert [s["title"] for s in body["results"]] == ["带岗"]


def test_token_auth_round_trip(anon_client, organizer):
    response = anon_client.post(
        "/api/v1/auth/token/", {"username": "organizer", "password": "pw-123456"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.get("/api/v1/me/").json()["is_organizer"] is True
    bad = anon_client.post(
        "/api/v1/auth/token/", {"username": "organizer", "password": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert "password" in bad.json()["error"]["fields"]


def test_segments_must_fit_and_not_overlap(organizer_client, union):
    session = factories.make_session(union=union)
    url = f"/api/v1/sessions/{session.pk}/segments/"
    first = {
        "title": "A 企业",
        "starts_at": session.starts_at.isoformat(),
        "ends_at": (session.starts_at + timedelta(minutes=30)).isoformat(),
    }
    assert organizer_client.post(url, first, format="json").status_code == 201
    overlap = dict(
        first,
        title="B",
        starts_at=(session.starts_at + timedelta(minutes=20)).isoformat(),
        ends_at=(session.starts_at + timedelta(minutes=40)).isoformat(),
    )
    response = organizer_client.post(url, overlap, format="json")
    assert response.status_code == 400
    assert "与另一个环节时间重叠" in response.json()["error"]["fields"]["starts_at"][0]
    outside = dict(
        first,
        title="C",
        starts_at=(session.ends_at - timedelta(minutes=10)).isoformat(),
        ends_at=(session.ends_at + timedelta(minutes=10)).isoformat(),
    )
    assert organizer_client.post(url, outside, format="json").status_code == 400
    assert [s["title"] for s in organizer_client.get(url).json()] == ["A 企业"]


def test_session_list_has_no_n_plus_one(organizer_client, union, host, django_assert_max_num_queries):
    for i in range(15):
        factories.make_session(union=union, status="scheduled", hosts=[host], title=f"专场{i}")
    with django_assert_max_num_queries(6):
        body = organizer_client.get("/api/v1/sessions/").json()
    assert body["count"] == 15
    assert body["results"][0]["hosts"][0]["name"] == "李主播"
