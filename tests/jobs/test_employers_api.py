import pytest

from core.models import OutboxMessage, User
from jobs.models import Employer, EmployerMembership
from tests.jobs.factories import ALIBABA, HUAWEI

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newco",
    "password": "Str0ng-passw0rd!",
    "email": "hr@newco.example.com",
    "name": "新公司",
    "credit_code": ALIBABA,
    "city": "杭州",
    "contact_phone": "+86 139 1234 5678",
}


def test_signup_creates_owner_and_unverified_employer(anon_client):
    response = anon_client.post("/api/v1/jobs/signup/", SIGNUP, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["employer"]["verified"] is False
    assert body["employer"]["contact_phone"] == "13912345678"
    user = User.objects.get(username="newco")
    assert user.role == "employer"
    assert user.employer_membership.role == "owner"
    me = anon_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.json()["role"] == "employer"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"credit_code": "91330100716105852G"}, "credit_code"),
        ({"credit_code": "123"}, "credit_code"),
        ({"contact_phone": "0571-88888888"}, "contact_phone"),
        ({"name": "x" * 201}, "name"),
        ({"verified": True}, "verified"),
        ({"password": "123"}, "password"),
    ],
)
def test_signup_bad_input_400_and_nothing_written(anon_client, overrides, field):
    response = anon_client.post("/api/v1/jobs/signup/", {**SIGNUP, **overrides}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not User.objects.filter(username="newco").exists()
    assert Employer.objects.count() == 0


def test_signup_duplicate_credit_code(anon_client, employer):
    response = anon_client.post("/api/v1/jobs/signup/", {**SIGNUP, "credit_code": HUAWEI}, format="json")
    assert response.status_code == 400
    assert "credit_code" in response.json()["error"]["fields"]
    assert not User.objects.filter(username="newco").exists()


def test_register_company_as_signed_in_user(client_for):
    from tests import factories

    user = factories.make_user(username="boss")
    body = {k: SIGNUP[k] for k in ("name", "credit_code", "city")}
    response = client_for(user).post("/api/v1/jobs/employers/", body, format="json")
    assert response.status_code == 201, response.content
    again = client_for(user).post("/api/v1/jobs/employers/", body, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_member"
    assert Employer.objects.filter(credit_code=SIGNUP["credit_code"]).count() == 1


def test_trainee_cannot_register_company(client_for, trainee):
    body = {k: SIGNUP[k] for k in ("name", "credit_code", "city")}
    response = client_for(trainee).post("/api/v1/jobs/employers/", body, format="json")
    assert response.status_code == 403
    assert Employer.objects.count() == 0


def test_organizer_verifies_and_lists(organizer_client, employer_client, employer):
    Employer.objects.filter(pk=employer.pk).update(verified=False)
    response = organizer_client.post(f"/api/v1/jobs/employers/{employer.pk}/verify/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["verified"] is True
    names = [e["name"] for e in organizer_client.get("/api/v1/jobs/employers/").json()["results"]]
    assert "恒芯电子" in names
    assert employer_client.post(f"/api/v1/jobs/employers/{employer.pk}/verify/", {}).status_code == 403


def test_owner_cannot_self_verify_via_patch(employer_client, employer):
    Employer.objects.filter(pk=employer.pk).update(verified=False)
    response = employer_client.patch(
        f"/api/v1/jobs/employers/{employer.pk}/", {"verified": True}, format="json"
    )
    assert response.status_code == 400
    assert "verified" in response.json()["error"]["fields"]
    employer.refresh_from_db()
    assert employer.verified is False


def test_changing_credit_code_drops_verification(employer_client, employer):
    response = employer_client.patch(
        f"/api/v1/jobs/employers/{employer.pk}/", {"credit_code": ALIBABA, "industry": "电子"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is False


def test_invite_and_accept_recruiter(employer_client, anon_client, employer):
    response = employer_client.post(
        f"/api/v1/jobs/employers/{employer.pk}/invitations/", {"email": "rec@example.com"}, format="json"
    )
    assert response.status_code == 201, response.content
    message = OutboxMessage.objects.get(recipient="rec@example.com")
    assert employer.name in message.subject
    from jobs.models import EmployerInvitation

    token = EmployerInvitation.objects.get().token
    accepted = anon_client.post(
        "/api/v1/jobs/invitations/accept/",
        {"token": token, "username": "recruiter1", "password": "Str0ng-passw0rd!"},
        format="json",
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["role"] == "recruiter"
    again = anon_client.post(
        "/api/v1/jobs/invitations/accept/",
        {"token": token, "username": "recruiter2", "password": "Str0ng-passw0rd!"},
        format="json",
    )
    assert again.status_code == 400
    members = employer_client.get(f"/api/v1/jobs/employers/{employer.pk}/members/").json()
    assert sorted(m["role"] for m in members) == ["owner", "recruiter"]
    recruiter = EmployerMembership.objects.get(role="recruiter")
    assert (
        employer_client.delete(f"/api/v1/jobs/employers/{employer.pk}/members/{recruiter.pk}/").status_code
        == 204
    )
