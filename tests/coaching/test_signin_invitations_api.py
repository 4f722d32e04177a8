"""Organizers invite coaches and hosts through the API, by email or by SMS where only a mainland mobile is
known (the same service as the invitations page). The texted set-password link works once and expires;
the person then signs in with the password (or a code sent to the same number). Through the real HTTP
test client; the SMS is read from the test SMS backend after the outbox delivered it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from coaching.models import Coach
from core import sms
from core.models import OutboxMessage, User
from core.outbox import outbox_deliver_batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]

URL = "/api/v1/coaching/invitations/"
PASSWORD = "Coach-pass-2026!"


def _deliver() -> None:
    ids = list(OutboxMessage.objects.filter(status="pending").values_list("pk", flat=True))
    outbox_deliver_batch(message_ids=ids)


def _texted_link(phone: str) -> str:
    texts = [m.text for m in sms.outbox if m.phone.endswith(phone)]
    assert len(texts) == 1, texts
    (link,) = re.findall(r"https?://\S+/accounts/reset/\S+?/\S+?/", texts[0])
    return "/" + link.split("/", 3)[3]


def _set_password(browser: Client, path: str):
    form = browser.get(path, follow=True)
    if 'data-testid="set-password"' not in form.content.decode():
        return form
    return browser.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True
    )


def test_a_coach_invited_by_phone_sets_a_password_once_and_signs_in(organizer_client, organizer):
    response = organizer_client.post(
        URL, {"role": "coach", "name": "周教练", "phone": "139 0013 9001"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["name"], body["email"], body["phone"]) == (
        "coach",
        "周教练",
        "",
        "139****9001",
    )
    assert body["has_password"] is False
    user = User.objects.get(pk=body["id"])
    assert (user.union_id, user.phone) == (organizer.union_id, "13900139001")
    assert Coach.objects.filter(user=user, union=organizer.union).exists()
    assert not OutboxMessage.objects.filter(kind="email").exists()
    _deliver()
    path = _texted_link("13900139001")
    assert "王主席" in sms.outbox[0].text

    done = _set_password(Client(), path)
    assert 'data-testid="link-invalid"' not in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The link works once.
    again = Client().get(path, follow=True)
    assert 'data-testid="link-invalid"' in again.content.decode()
    # And the coach gets in with the password they set.
    browser = Client()
    signed_in = browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert int(browser.session["_auth_user_id"]) == user.pk


def test_an_expired_texted_link_is_refused(organizer_client):
    response = organizer_client.post(
        URL, {"role": "host", "name": "李主播", "phone": "13900139002"}, format="json"
    )
    assert response.status_code == 201, response.content
    _deliver()
    path = _texted_link("13900139002")

    # A day past the lifetime (Django's token clock is the local naive time; time-machine's is UTC's).
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT) + timedelta(days=1)
    with time_machine.travel(later):
        late = _set_password(Client(), path)

    assert 'data-testid="link-invalid"' in late.content.decode()
    assert not User.objects.get(pk=response.json()["id"]).has_usable_password()


def test_by_email_the_link_goes_by_email(organizer_client):
    response = organizer_client.post(
        URL, {"role": "host", "name": "李主播", "email": "li@example.com"}, format="json"
    )
    assert response.status_code == 201, response.content
    (mail,) = OutboxMessage.objects.filter(recipient="li@example.com")
    assert "/accounts/reset/" in mail.payload["text"]
    assert not OutboxMessage.objects.filter(kind="sms").exists()


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"role": "coach", "name": "周教练"}, {"email", "phone"}),
        ({"role": "coach", "name": "周教练", "phone": "0571-88888888"}, {"phone"}),
        ({"role": "coach", "name": "周教练", "phone": "+44 7911 123456"}, {"phone"}),
        ({"role": "coach", "name": "周教练", "email": "nope"}, {"email"}),
        ({"role": "organizer", "name": "周教练", "phone": "13900139001"}, {"role"}),
        ({"role": "coach", "name": "", "phone": "13900139001"}, {"name"}),
        ({"role": "coach", "name": "周教练", "phone": "13900139001", "union": "x"}, {"union"}),
    ],
)
def test_bad_input_is_a_field_error(organizer_client, body, fields):
    response = organizer_client.post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == fields
    assert not User.objects.filter(role__in=["coach", "host"]).exists()


def test_only_organizers_invite(client_for, trainee, host):
    for user in (trainee, host):
        response = client_for(user).post(
            URL, {"role": "coach", "name": "周", "phone": "13900139001"}, format="json"
        )
        assert response.status_code == 403
    assert Client().post(URL, {"role": "coach", "name": "周", "phone": "13900139001"}).status_code in (
        401,
        403,
    )
    assert not User.objects.filter(role="coach").exists()


def test_another_unions_organizer_cannot_take_over_an_invited_coach(
    organizer_client, other_organizer_client, organizer
):
    first = organizer_client.post(
        URL, {"role": "coach", "name": "周教练", "email": "zhou@example.com"}, format="json"
    )
    assert first.status_code == 201, first.content
    OutboxMessage.objects.all().delete()

    # The other union names the same person with its own number: refused, nothing sent or changed.
    response = other_organizer_client.post(
        URL,
        {"role": "coach", "name": "周教练", "email": "zhou@example.com", "phone": "13900139009"},
        format="json",
    )

    assert response.status_code == 409, response.content
    assert set(response.json()["error"]["fields"]) == {"email"}
    user = User.objects.get(email="zhou@example.com")
    assert (user.union_id, user.phone) == (organizer.union_id, "")
    assert not OutboxMessage.objects.exists()
    assert Coach.objects.get(user=user).union_id == organizer.union_id
