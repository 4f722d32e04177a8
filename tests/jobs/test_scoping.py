"""Walk every employer endpoint as the other employer (404, nothing changed) and as a trainee (403)."""

import pytest

from jobs import services
from jobs.models import Application, EmployerMembership, JobPosting, LineupRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(employer, posting, approved, link, fair):
    application, _ = services.application_submit(
        posting=posting, session=fair, name="张伟", phone="13800138000"
    )
    membership = EmployerMembership.objects.get(employer=employer)
    draft = services.lineup_request_create(
        employer=employer, by=membership.user, session=_second_fair(fair), postings=[posting]
    )
    return {
        "employer": employer.pk,
        "posting": posting.pk,
        "request": approved.pk,
        "draft_request": draft.pk,
        "application": application.pk,
        "membership": membership.pk,
    }


def _second_fair(fair):
    from tests import factories

    return factories.make_session(union=fair.union, status="scheduled", title="第二场")


def endpoints(w):
    e, p, r, a = w["employer"], w["posting"], w["request"], w["application"]
    return [
        ("get", f"/api/v1/jobs/employers/{e}/", None),
        ("patch", f"/api/v1/jobs/employers/{e}/", {"industry": "黑客"}),
        ("get", f"/api/v1/jobs/employers/{e}/members/", None),
        ("post", f"/api/v1/jobs/employers/{e}/invitations/", {"email": "x@example.com"}),
        ("delete", f"/api/v1/jobs/employers/{e}/members/{w['membership']}/", None),
        ("get", f"/api/v1/jobs/postings/{p}/", None),
        ("patch", f"/api/v1/jobs/postings/{p}/", {"title": "改"}),
        ("post", f"/api/v1/jobs/postings/{p}/status/", {"status": "closed"}),
        ("post", f"/api/v1/jobs/postings/{p}/link/", {}),
        ("get", f"/api/v1/jobs/lineup-requests/{r}/", None),
        ("post", f"/api/v1/jobs/lineup-requests/{w['draft_request']}/withdraw/", {}),
        ("get", f"/api/v1/jobs/applications/{a}/", None),
        ("post", f"/api/v1/jobs/applications/{a}/status/", {"status": "rejected"}),
        ("post", f"/api/v1/jobs/applications/{a}/notes/", {"note": "x"}),
    ]


LISTS = [
    "/api/v1/jobs/postings/",
    "/api/v1/jobs/lineup-requests/",
    "/api/v1/jobs/applications/",
    "/api/v1/jobs/applications/export.csv",
    "/api/v1/jobs/applications/export.xlsx",
]


def _snapshot():
    return (
        list(JobPosting.objects.values_list("title", "status")),
        list(Application.objects.values_list("status", flat=True)),
        list(LineupRequest.objects.values_list("status", flat=True)),
        EmployerMembership.objects.count(),
    )


def test_other_employer_gets_404_everywhere(world, other_employer_client, other_posting):
    before = _snapshot()
    for method, url, data in endpoints(world):
        response = getattr(other_employer_client, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code, response.content)
        assert response.json()["error"]["code"] == "not_found"
    assert _snapshot() == before
    # Lists and exports are scoped: B sees none of A's rows.
    assert other_employer_client.get("/api/v1/jobs/postings/").json()["count"] == 1
    assert other_employer_client.get("/api/v1/jobs/lineup-requests/").json()["count"] == 0
    assert other_employer_client.get("/api/v1/jobs/applications/").json()["count"] == 0
    csv_body = other_employer_client.get("/api/v1/jobs/applications/export.csv").content.decode("utf-8-sig")
    assert "13800138000" not in csv_body and "张伟" not in csv_body
    # B cannot feature A's posting in a lineup request either.
    response = other_employer_client.post(
        "/api/v1/jobs/lineup-requests/",
        {
            "session": str(LineupRequest.objects.get(pk=world["request"]).session_id),
            "postings": [str(world["posting"])],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["postings"] == ["Unknown posting."]


def test_trainee_gets_403_everywhere(world, client_for, trainee):
    client = client_for(trainee)
    before = _snapshot()
    for method, url, data in endpoints(world):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (method, url, response.status_code, response.content)
    for url in LISTS + ["/api/v1/jobs/employers/"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/api/v1/jobs/postings/", {}, format="json").status_code == 403
    assert client.post("/api/v1/jobs/lineup-requests/", {}, format="json").status_code == 403
    assert _snapshot() == before


def test_anonymous_gets_401_or_403(world, anon_client):
    for method, url, data in endpoints(world):
        response = getattr(anon_client, method)(url, data, format="json")
        assert response.status_code in (401, 403), url


def test_trainee_and_employer_403_on_organizer_reports(world, client_for, trainee, employer_client, fair):
    for client in (client_for(trainee), employer_client):
        assert client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/").status_code == 403
        assert client.get(f"/api/v1/jobs/reports/sessions/{fair.pk}/export.csv").status_code == 403
