from datetime import timedelta

import pytest

from jobs import services
from jobs.models import LineupRequest
from livestreams.models import Segment
from livestreams.services import reminder_recipients, segment_delete, segment_update
from tests import factories

pytestmark = pytest.mark.django_db


def _request(client, session, postings, **extra):
    return client.post(
        "/api/v1/jobs/lineup-requests/",
        {"session": str(session.pk), "postings": [str(p.pk) for p in postings], **extra},
        format="json",
    )


def test_request_and_approve_creates_segment(employer_client, organizer_client, fair, posting, employer):
    response = _request(employer_client, fair, [posting], note="上午")
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert response.json()["status"] == "requested"
    starts = fair.starts_at + timedelta(minutes=10)
    approved = organizer_client.post(
        f"/api/v1/jobs/lineup-requests/{request_id}/approve/",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=20)).isoformat()},
        format="json",
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "approved"
    assert body["segment_title"] == "恒芯电子 招聘宣讲"
    segment = Segment.objects.get(pk=body["segment"])
    assert segment.description == "电子厂普工"
    assert posting.short_links.filter(session=fair).exists()


@pytest.mark.parametrize("case", ["sales", "ended", "cancelled"])
def test_request_refused_for_non_fair_or_finished_session(employer_client, union, posting, case):
    if case == "sales":
        session = factories.make_session(union=union, kind="sales", status="scheduled")
    else:
        session = factories.make_session(union=union, status=case)
    response = _request(employer_client, session, [posting])
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]
    assert LineupRequest.objects.count() == 0


def test_request_with_other_employers_posting_refused(employer_client, fair, other_posting):
    response = _request(employer_client, fair, [other_posting])
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["postings"] == ["Unknown posting."]


def test_duplicate_active_request_conflict(employer_client, fair, posting):
    assert _request(employer_client, fair, [posting]).status_code == 201
    again = _request(employer_client, fair, [posting])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert LineupRequest.objects.count() == 1


def test_unverified_employer_cannot_be_approved(employer_client, organizer_client, fair, posting, employer):
    employer.verified = False
    employer.save()
    request_id = _request(employer_client, fair, [posting]).json()["id"]
    starts = fair.starts_at
    response = organizer_client.post(
        f"/api/v1/jobs/lineup-requests/{request_id}/approve/",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=20)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "employer_not_verified"
    assert Segment.objects.count() == 0


def test_approve_overlapping_segment_refused_and_nothing_written(
    employer_client, organizer_client, fair, posting
):
    factories.make_segment(session=fair, title="开场")
    request_id = _request(employer_client, fair, [posting]).json()["id"]
    response = organizer_client.post(
        f"/api/v1/jobs/lineup-requests/{request_id}/approve/",
        {
            "starts_at": fair.starts_at.isoformat(),
            "ends_at": (fair.starts_at + timedelta(minutes=10)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "与另一个环节时间重叠" in response.json()["error"]["fields"]["starts_at"][0]
    assert LineupRequest.objects.get().status == "requested"
    assert Segment.objects.count() == 1


def test_decline_needs_reason(employer_client, organizer_client, fair, posting):
    request_id = _request(employer_client, fair, [posting]).json()["id"]
    assert organizer_client.post(f"/api/v1/jobs/lineup-requests/{request_id}/decline/", {}).status_code == 400
    response = organizer_client.post(
        f"/api/v1/jobs/lineup-requests/{request_id}/decline/", {"reason": "本场名额已满"}, format="json"
    )
    assert response.json()["status"] == "declined"
    assert response.json()["reason"] == "本场名额已满"


def test_employer_cannot_approve_own_request(employer_client, fair, posting):
    request_id = _request(employer_client, fair, [posting]).json()["id"]
    response = employer_client.post(f"/api/v1/jobs/lineup-requests/{request_id}/approve/", {}, format="json")
    assert response.status_code == 403


def test_other_union_organizer_cannot_see_request(other_organizer_client, approved):
    assert other_organizer_client.get(f"/api/v1/jobs/lineup-requests/{approved.pk}/").status_code == 404
    assert other_organizer_client.get("/api/v1/jobs/lineup-requests/").json()["count"] == 0


def test_withdraw_deletes_segment(employer_client, approved):
    segment_id = approved.segment_id
    response = employer_client.post(
        f"/api/v1/jobs/lineup-requests/{approved.pk}/withdraw/", {}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert not Segment.objects.filter(pk=segment_id).exists()


def test_segment_deleted_by_organizer_marks_request_removed(approved, organizer):
    segment_delete(segment=approved.segment, by=organizer)
    approved.refresh_from_db()
    assert approved.status == "removed"


def test_segment_moved_updates_snapshot(approved, organizer):
    new_start = approved.segment.starts_at + timedelta(minutes=30)
    segment_update(
        segment=approved.segment, by=organizer, starts_at=new_start, ends_at=new_start + timedelta(minutes=20)
    )
    approved.refresh_from_db()
    assert approved.segment_starts_at == new_start


def test_lineup_changes_go_through_one_function(approved, organizer):
    from core.models import Activity

    verbs = list(Activity.objects.filter(object_id=str(approved.pk)).values_list("verb", flat=True))
    assert "lineup.approved" in verbs
    services.lineup_remove(request=approved, by=organizer, reason="企业未到场")
    assert Activity.objects.filter(object_id=str(approved.pk), verb="lineup.removed").exists()


def test_reminder_recipients_include_lineup_employer(approved, fair):
    emails = [email for _user, email, _name in reminder_recipients(fair)]
    assert "emp_owner-hr@example.com" in emails
    assert "host@example.com" in emails


def test_public_lineup_page_and_api(client, anon_client, approved, fair, posting):
    page = client.get(f"/jobs/fair/{fair.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "恒芯电子" in html and "电子厂普工" in html
    link = posting.short_links.get(session=fair)
    assert f"/j/{link.code}/" in html
    body = anon_client.get(f"/api/v1/jobs/public/sessions/{fair.pk}/lineup/").json()
    assert body["lineup"][0]["employer"]["name"] == "恒芯电子"
    assert body["lineup"][0]["postings"][0]["apply_url"].endswith(f"/j/{link.code}/")


def test_lineup_list_query_count(organizer_client, fair, organizer, django_assert_max_num_queries):
    from tests.jobs.factories import make_employer, make_posting

    codes = ["914403001922038216", "9144030071526726XG", "91330100716105852F", "91110108551385082Q"]
    for i, code in enumerate(codes):
        employer = make_employer(name=f"企业{i}", credit_code=code, username=f"e{i}")
        services.lineup_request_create(
            employer=employer,
            by=employer.memberships.get().user,
            session=fair,
            postings=[make_posting(employer), make_posting(employer, title="二")],
        )
    with django_assert_max_num_queries(6):
        body = organizer_client.get("/api/v1/jobs/lineup-requests/").json()
    assert body["count"] == 4
    assert len(body["results"][0]["postings"]) == 2
