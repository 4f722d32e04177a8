"""Getting back in: SMS code, password (throttled per account and per address), email link, reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core import sms
from core.models import OutboxMessage, PhoneCode
from core.outbox import outbox_deliver
from tests import factories
from tests.coaching import factories as cf

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PHONE = "+8613805716688"


def deliver_pending(kind: str | None = None) -> None:
    """Deliver what the worker would (tests without a worker): every due outbox row."""
    rows = OutboxMessage.objects.filter(status="pending")
    if kind:
        rows = rows.filter(kind=kind)
    for pk in rows.values_list("pk", flat=True):
        outbox_deliver(message_id=pk)


def last_code(phone: str = PHONE) -> str:
    deliver_pending("sms")
    texts = [m.text for m in sms.outbox if m.phone == phone and m.kind == "login_code"]
    assert texts, f"no code sent to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


@pytest.fixture(autouse=True)
def _sms_outbox(sms_outbox):
    """Every test here sends SMS to the in-memory backend (the shared fixture)."""


@pytest.fixture
def phone_trainee(db):
    trainee = cf.make_trainee(username="zhao", phone=PHONE)
    trainee.user.set_unusable_password()
    trainee.user.save()
    return trainee


def _ask(client, phone="138 0571 6688", **extra):
    return client.post(LOGIN, {"action": "send_code", "phone": phone, **extra})


def _verify(client, code, **extra):
    return client.post(LOGIN, {"action": "verify_code", "code": code, **extra})


def test_sms_code_signs_a_trainee_in_and_is_single_use(client, phone_trainee):
    assert _ask(client).status_code == 302
    code = last_code()

    response = _verify(client, code, next="/coaching/me/")

    assert response.status_code == 302 and response["Location"] == "/coaching/me/"
    assert client.session["_auth_user_id"] == str(phone_trainee.user.pk)
    row = PhoneCode.objects.get()
    assert row.used_at is not None and code not in row.code_hash
    assert OutboxMessage.objects.get(kind="sms").payload.get("scrubbed") is True  # no readable copy left
    other = Client()
    other.post(LOGIN, {"action": "send_code", "phone": PHONE})  # too soon: refused, session keeps number
    assert "_auth_user_id" not in other.session


def test_unknown_number_gets_the_same_answer_and_no_sms(client, phone_trainee):
    known = _ask(client)
    unknown_client = Client()
    unknown = _ask(unknown_client, phone="139 0571 0000")

    assert known.status_code == unknown.status_code == 302
    page_known = client.get(LOGIN).content.decode()
    page_unknown = unknown_client.get(LOGIN).content.decode()
    assert "验证码已发送至 138****6688" in page_known
    assert "验证码已发送至 139****0000" in page_unknown
    deliver_pending("sms")
    assert [m.phone for m in sms.outbox] == [PHONE]
    assert _verify(unknown_client, "000000").status_code == 400


def test_expired_code_is_refused(client, phone_trainee):
    _ask(client)
    code = last_code()

    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        response = _verify(client, code)

    assert response.status_code == 400
    assert "验证码已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sixth_try_is_refused_even_with_the_right_code(client, phone_trainee):
    _ask(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    replies = [_verify(client, wrong) for _ in range(5)]
    sixth = _verify(client, code)

    assert "还可以再试 4 次" in replies[0].content.decode()
    assert "错误次数过多" in replies[4].content.decode()
    assert sixth.status_code == 400 and "错误次数过多" in sixth.content.decode()
    assert "_auth_user_id" not in client.session


def test_resend_waits_60_seconds_and_numbers_are_limited_per_hour(client, phone_trainee):
    _ask(client)
    too_soon = _ask(client)
    assert too_soon.status_code == 429 and int(too_soon["Retry-After"]) <= 60

    start = timezone.now()
    for minute in range(1, 5):
        with time_machine.travel(start + timedelta(minutes=minute * 2)):
            assert _ask(client).status_code == 302
    with time_machine.travel(start + timedelta(minutes=12)):
        sixth = _ask(client)
    assert sixth.status_code == 429 and "次数过多" in sixth.content.decode()
    assert int(sixth["Retry-After"]) > 60


def test_codes_per_client_address_are_limited(client, db, settings):
    from core import signin

    start = timezone.now()
    for n in range(signin.PER_IP_PER_HOUR):
        with time_machine.travel(start + timedelta(seconds=n)):
            assert _ask(Client(), phone=f"1390571{n:04d}").status_code == 302
    refused = _ask(Client(), phone="13905719999")
    assert refused.status_code == 429 and refused.has_header("Retry-After")


def test_bad_number_is_a_field_error(client):
    response = _ask(client, phone="12345")

    assert response.status_code == 400
    assert "有效的中国大陆手机号" in response.content.decode()
    assert not PhoneCode.objects.exists()


def test_login_page_offers_phone_first_then_password_then_email(client):
    html = client.get(LOGIN).content.decode()

    assert html.index('name="phone"') < html.index('name="password"') < html.index('name="email"')


# --- Password guessing ----------------------------------------------------------------------------


def _password(client, username, password="wrong", **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def test_sixth_wrong_password_locks_the_account_with_retry_after(organizer):
    client = Client()
    replies = [_password(client, organizer.username) for _ in range(5)]
    assert [r.status_code for r in replies[:4]] == [400] * 4

    locked = _password(Client(REMOTE_ADDR="10.9.9.9"), organizer.username, "pw-123456")  # even right

    assert replies[4].status_code == 429 or locked.status_code == 429
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "已暂时锁定" in locked.content.decode()


def test_failed_logins_are_limited_per_client_address(db, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "3/900"}
    users = [factories.make_user(username=f"victim{n}") for n in range(4)]
    client = Client()
    for user in users[:3]:
        assert _password(client, user.username).status_code == 400

    refused = _password(client, users[3].username, "pw-123456")

    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert "_auth_user_id" not in client.session


def test_forwarded_for_is_ignored_without_a_trusted_proxy(db, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/900"}
    settings.TRUSTED_PROXIES = []
    users = [factories.make_user(username=f"u{n}") for n in range(3)]
    client = Client()
    for n, user in enumerate(users[:2]):
        _password(client, user.username, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    refused = _password(client, users[2].username, HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert refused.status_code == 429


def test_forwarded_for_is_used_behind_a_trusted_proxy(db, settings):
    from django.test import RequestFactory

    from core.throttle import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.7"
    )
    assert client_ip(request) == "203.0.113.9"  # right-most address that is not our proxy
    spoofed = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(spoofed) == "198.51.100.1"


def test_token_endpoint_locks_out_an_account_and_has_its_own_scope(organizer, anon_client):
    for _ in range(5):
        anon_client.post(
            "/api/v1/auth/token/", {"username": organizer.username, "password": "x"}, format="json"
        )

    locked = anon_client.post(
        "/api/v1/auth/token/", {"username": organizer.username, "password": "pw-123456"}, format="json"
    )

    assert locked.status_code == 429 and locked.has_header("Retry-After")
    assert locked.json()["error"]["code"] == "locked_out"


def test_token_throttle_ignores_forged_forwarded_for(db, settings, anon_client):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token_ip": "3/60"}
    codes = [
        anon_client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    signup = anon_client.post("/api/v1/coaching/signup/", {}, format="json")
    assert signup.status_code == 400  # sign-up has its own counter


# --- Email link and password reset ----------------------------------------------------------------


def test_email_link_signs_in_once(client, organizer):
    organizer.email = "wang@example.com"
    organizer.save()
    response = client.post(LOGIN, {"action": "magic_link", "email": "wang@example.com"})
    assert response.status_code == 302
    message = OutboxMessage.objects.get(key__startswith="magic:")
    link = re.search(r"http\S+", message.payload["text"]).group(0).replace("http://127.0.0.1:8000", "")

    first = Client()
    assert first.get(link).status_code == 302
    assert first.session["_auth_user_id"] == str(organizer.pk)
    assert Client().get(link).status_code == 403  # single use


def test_email_link_answer_is_the_same_for_unknown_addresses(client, db):
    response = client.post(LOGIN, {"action": "magic_link", "email": "nobody@example.com"})

    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()


def test_password_reset_reaches_accounts_without_a_password(client, union):
    coach = cf.make_coach(union=union, username="api_coach")
    coach.user.set_unusable_password()
    coach.user.save()

    client.post("/accounts/password_reset/", {"email": coach.user.email})

    message = OutboxMessage.objects.get(recipient=coach.user.email)
    assert "/accounts/reset/" in message.payload["text"]
