from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from jobs import services
from jobs.models import JobPosting

pytestmark = pytest.mark.django_db

POSTING = {
    "title": "快递分拣员",
    "pay_type": "daily",
    "pay_min": "260.00",
    "pay_max": "320.00",
    "headcount": 30,
    "city": "杭州",
    "district": "余杭区",
    "shift": "night",
    "housing": "dorm",
    "meals": "subsidized",
    "ins_work_injury": True,
    "tags": ["日结", "包住"],
}


def test_create_posting_draft_then_open(employer_client, employer):
    response = employer_client.post("/api/v1/jobs/postings/", POSTING, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["pay_min"] == "260.00"
    assert body["employer"] == str(employer.pk)
    assert body["insurance"] == ["工伤"]
    opened = employer_client.post(
        f"/api/v1/jobs/postings/{body['id']}/status/", {"status": "open"}, format="json"
    )
    assert opened.json()["status"] == "open"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"pay_min": "500", "pay_max": "300"}, "pay_min"),
        ({"headcount": 0}, "headcount"),
        ({"pay_type": "weekly"}, "pay_type"),
        ({"title": "x" * 101}, "title"),
        ({"description": "长" * 5001}, "description"),
        ({"status": "open"}, "status"),
        ({"employer": "00000000-0000-0000-0000-000000000000"}, "employer"),
        ({"closes_at": "2000-01-01T00:00:00Z"}, "closes_at"),
        ({"age_min": 14}, "age_min"),
        ({"pay_min": "-1"}, "pay_min"),
    ],
)
def test_create_posting_bad_input(employer_client, overrides, field):
    response = employer_client.post("/api/v1/jobs/postings/", {**POSTING, **overrides}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert JobPosting.objects.count() == 0


def test_patch_pay_min_above_existing_max_refused(employer_client, posting):
    response = employer_client.patch(
        f"/api/v1/jobs/postings/{posting.pk}/", {"pay_min": "9000"}, format="json"
    )
    assert response.status_code == 400
    assert "pay_min" in response.json()["error"]["fields"]
    posting.refresh_from_db()
    assert str(posting.pay_min) == "5000.00"


def test_non_member_cannot_post(client_for, trainee, organizer):
    for user in (trainee, organizer):
        response = client_for(user).post("/api/v1/jobs/postings/", POSTING, format="json")
        assert response.status_code == 403
    assert JobPosting.objects.count() == 0


def test_posting_status_invalid_jump(employer_client, posting):
    JobPosting.objects.filter(pk=posting.pk).update(status="draft")
    response = employer_client.post(
        f"/api/v1/jobs/postings/{posting.pk}/status/", {"status": "filled"}, format="json"
    )
    assert response.status_code == 409
    assert "status" in response.json()["error"]["fields"]


def test_tick_closes_postings_at_closes_at(employer):
    from tests.jobs.factories import make_posting

    soon = make_posting(employer, closes_at=timezone.now() + timedelta(hours=1))
    later = make_posting(employer, title="later", closes_at=timezone.now() + timedelta(days=3))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        from jobs.tasks import tick

        assert tick()["closed"] == 1
        assert services.postings_close_due() == 0  # idempotent
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, later.status) == ("closed", "open")


def test_posting_list_query_count(employer_client, employer, django_assert_max_num_queries):
    from tests.jobs.factories import make_posting

    for i in range(15):
        make_posting(employer, title=f"岗位{i}")
    with django_assert_max_num_queries(5):
        body = employer_client.get("/api/v1/jobs/postings/").json()
    assert body["count"] == 15


def test_posting_answer_shows_every_writable_field_in_the_form_order(employer_client, posting):
    from jobs.services.common import POSTING_FIELD_ORDER

    body = employer_client.get(f"/api/v1/jobs/postings/{posting.pk}/").json()

    keys = list(body)
    assert [k for k in keys if k in POSTING_FIELD_ORDER] == list(POSTING_FIELD_ORDER)
    assert {"id", "employer_name", "insurance", "status", "created_at"} <= set(keys)
    assert body["title"] == posting.title and body["employer_name"] == posting.employer.name
