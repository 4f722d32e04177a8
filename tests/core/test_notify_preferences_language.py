"""The language preference on the preferences page: saved with the other notice settings, and the
person's own pages follow it (the language cookie is set when they save it and when they sign in)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from core.models import User
from tests import factories
from tests.core.test_signin import LOGIN, PHONE, last_code

pytestmark = pytest.mark.django_db

PREFS = "/accounts/preferences/"


@pytest.fixture
def reader(db):
    return factories.make_user(username="reader", role="host", display_name="读者")


def _save(client, **fields):
    data = {"language": "en", "notify_channel": "", "time_zone": "", "email": "reader@example.com"}
    return client.post(PREFS, {**data, **fields})


def test_saving_english_sets_the_cookie_and_the_next_page_is_english(reader):
    client = Client()
    client.force_login(reader)
    page = client.get(PREFS).content.decode()
    assert 'value="zh-hans" lang="zh-hans" selected' in page and 'value="en" lang="en"' in page

    response = _save(client)

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    reader.refresh_from_db()
    assert reader.language == "en"
    after = client.get(PREFS).content.decode()
    assert "Notification settings saved." in after and 'value="en" lang="en" selected' in after


@pytest.mark.parametrize("value", ["fr", "x" * 40, "zh-hant"])
def test_an_unknown_language_is_a_field_error(reader, value):
    client = Client()
    client.force_login(reader)

    response = _save(client, language=value)

    assert response.status_code == 400
    assert response.context["form"].errors["language"]
    reader.refresh_from_db()
    assert reader.language == ""


def test_password_sign_in_brings_the_chosen_language_back(reader):
    reader.language = "en"
    reader.save(update_fields=["language"])

    response = Client().post(LOGIN, {"username": "reader", "password": "pw-123456"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_code_sign_in_brings_the_chosen_language_back(settings):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    from tests.coaching import factories as cf

    trainee = cf.make_trainee(username="zhao", phone=PHONE)
    User.objects.filter(pk=trainee.user.pk).update(language="en")
    client = Client()
    client.post(LOGIN, {"action": "send_code", "phone": PHONE})

    response = client.post(LOGIN, {"action": "verify_code", "code": last_code()})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_no_choice_leaves_the_language_to_the_browser(reader):
    response = Client().post(LOGIN, {"username": "reader", "password": "pw-123456"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
