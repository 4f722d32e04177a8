"""The API invites a recruiter by email or, where only a phone is known, by SMS (the same service as the
team page). Through the real HTTP test client; the SMS is read from the test SMS backend after the
outbox delivered it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from core import sms
from core.models import OutboxMessage
from core.outbox import outbox_deliver_batch
from jobs.models import EmployerInvitation, EmployerMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]


def _deliver() -> None:
    ids = list(OutboxMessage.objects.filter(status="pending").values_list("pk", flat=True))
    outbox_deliver_batch(message_ids=ids)


def _texted_link(phone: str) -> str:
    (message,) = [m for m in sms.outbox if m.phone.endswith(phone)]
    (link,) = re.findall(r"https?://\S+/jobs/invite/[\w-]+/", message.text)
    return "/" + link.split("/", 3)[3]


def _invite(client, employer, body):
    return client.post(f"/api/v1/jobs/employers/{employer.pk}/invitations/", body, format="json")


def test_invite_by_phone_texts_a_single_use_link(employer_client, employer):
    response = _invite(employer_client, employer, {"phone": "+86 139-0013-9000"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "" and body["phone"] == "139****9000"
    assert not OutboxMessage.objects.filter(kind="email").exists()  # nobody to email
    _deliver()
    path = _texted_link("13900139000")
    assert employer.name in next(m.text for m in sms.outbox)

    browser = Client()
    assert 'name="password"' in browser.get(path).content.decode()
    joined = browser.post(path, {"username": "rec_sms", "password": "a-long-Passw0rd"}, follow=True)
    assert joined.redirect_chain[-1][0] == "/jobs/employer/"
    member = EmployerMembership.objects.get(user__username="rec_sms")
    assert (member.employer, member.role, member.user.phone) == (employer, "recruiter", "13900139000")
    # The link works once.
    again = Client().get(path)
    assert again.status_code == 404 and 'data-testid="invalid"' in again.content.decode()


def test_an_expired_texted_link_is_refused(employer_client, employer):
    assert _invite(employer_client, employer, {"phone": "13900139000"}).status_code == 201
    _deliver()
    path = _texted_link("13900139000")
    invitation = EmployerInvitation.objects.get()

    with time_machine.travel(invitation.expires_at + timedelta(minutes=1)):
        page = Client().get(path)
        joined = Client().post(path, {"username": "rec_late", "password": "a-long-Passw0rd"})

    assert page.status_code == 404 and 'data-testid="invalid"' in page.content.decode()
    assert joined.status_code == 404
    assert not EmployerMembership.objects.filter(user__username="rec_late").exists()


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"email", "phone"}),
        ({"email": "", "phone": ""}, {"email", "phone"}),
        ({"phone": "0571-88888888"}, {"phone"}),  # a landline cannot get an SMS
        ({"phone": "12345"}, {"phone"}),
        ({"phone": "+1 415 555 0100"}, {"phone"}),
        ({"email": "not-an-address"}, {"email"}),
        ({"phone": "1" * 40}, {"phone"}),
        ({"phone": ["13900139000"]}, {"phone"}),
    ],
)
def test_bad_invitation_input_is_a_field_error(employer_client, employer, body, fields):
    response = _invite(employer_client, employer, body)

    assert response.status_code == 400, response.content
    errors = response.json()["error"]["fields"]
    assert set(errors) == fields
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert not EmployerInvitation.objects.exists()


def test_another_employer_cannot_invite_into_this_team(other_employer_client, employer, employer_client):
    response = _invite(other_employer_client, employer, {"phone": "13900139000"})
    assert response.status_code == 404
    assert not EmployerInvitation.objects.exists()
    assert _invite(employer_client, employer, {"phone": "13900139000"}).status_code == 201


def test_the_schema_declares_email_or_phone(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["InviteInputRequest"]["properties"]
    assert set(fields) == {"email", "phone"}
    assert "Mainland" in fields["phone"]["description"]
    assert "phone" in schema["components"]["schemas"]["Invitation"]["properties"]
