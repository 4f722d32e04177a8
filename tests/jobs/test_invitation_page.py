"""The link in the recruiter invitation email opens a page where the recruiter joins the employer."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import OutboxMessage
from jobs import services
from jobs.models import EmployerInvitation, EmployerMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(employer, employer_user):
    return services.employer_invite(employer=employer, by=employer_user, email="rec@example.com")


def test_the_emailed_link_opens_the_page(invitation, employer):
    email = OutboxMessage.objects.get(key=f"jobs:invite:{invitation.pk}")
    path = f"/jobs/invite/{invitation.token}/"
    assert path in email.payload["text"]

    html = Client().get(path).content.decode()

    assert employer.name in html and "rec@example.com" in html and 'name="password"' in html


def test_accepting_creates_a_recruiter_logs_in_and_opens_the_inbox(invitation, employer):
    client = Client()
    response = client.post(
        f"/jobs/invite/{invitation.token}/",
        {"username": "rec_li", "display_name": "李招聘", "password": "a-long-Passw0rd"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/jobs/employer/"
    assert employer.name in response.content.decode()
    membership = EmployerMembership.objects.get(user__username="rec_li")
    assert (membership.employer, membership.role, membership.user.email) == (
        employer,
        "recruiter",
        "rec@example.com",
    )
    assert int(client.session["_auth_user_id"]) == membership.user_id
    # The link works once.
    again = Client().get(f"/jobs/invite/{invitation.token}/")
    assert again.status_code == 404 and 'data-testid="invalid"' in again.content.decode()


@pytest.mark.parametrize(
    "username, password, field",
    [
        ("", "a-long-Passw0rd", "username"),
        ("有 空格", "a-long-Passw0rd", "username"),
        ("emp_owner", "a-long-Passw0rd", "username"),  # taken (the owner's)
        ("rec_ok", "short", "password"),
    ],
)
def test_bad_input_is_answered_on_the_field_and_nothing_is_created(invitation, username, password, field):
    response = Client().post(
        f"/jobs/invite/{invitation.token}/", {"username": username, "password": password}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist"' in html and f'id="{field}"' in html
    assert EmployerMembership.objects.filter(role="recruiter").count() == 0
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_unknown_and_expired_tokens_look_the_same(invitation):
    EmployerInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    expired = Client().get(f"/jobs/invite/{invitation.token}/")
    unknown = Client().get("/jobs/invite/not-a-real-token/")

    assert expired.status_code == unknown.status_code == 404

    def message(response):
        html = response.content.decode()
        start = html.index('data-testid="invalid"')
        return html[start : html.index("</p>", start)]

    assert message(expired) == message(unknown) and "无效" in message(expired)
