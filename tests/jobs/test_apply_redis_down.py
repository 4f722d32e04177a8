"""Applications, sign-ups and bookings never depend on Redis: with the real embedded Redis stopped they
are stored, and the rate limits still hold (counted in PostgreSQL)."""

import re
from contextlib import contextmanager

import pytest
from django.test import Client

from config import embedded
from jobs.models import Application
from tests.jobs.conftest import make_posting

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@contextmanager
def redis_stopped():
    embedded.stop_redis(force=True)
    try:
        yield
    finally:
        embedded.start_redis()


def _csrf_client_and_token(url):
    phone = Client(enforce_csrf_checks=True)
    page = phone.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return phone, token


def test_phone_apply_form_stores_the_application_while_redis_is_down(link, posting):
    phone, token = _csrf_client_and_token(f"/j/{link.code}/")

    with redis_stopped():
        response = phone.post(
            f"/j/{link.code}/",
            {"csrfmiddlewaretoken": token, "name": "张伟", "phone": "138 0013 8000"},
            follow=True,
        )

    assert response.status_code == 200, response.content.decode()[:500]
    assert "138****8000" in response.content.decode()
    assert Application.objects.get().phone == "13800138000"


def test_api_apply_stores_and_still_limits_per_phone_while_redis_is_down(
    anon_client, settings, employer, link
):
    settings.JOBS_APPLY_LIMIT_PHONE = "2/600"
    other_postings = [make_posting(employer, title=f"岗位{i}") for i in range(2)]

    with redis_stopped():
        first = anon_client.post(
            "/api/v1/jobs/apply/", {"code": link.code, "name": "张伟", "phone": "13800138000"}, format="json"
        )
        second = anon_client.post(
            "/api/v1/jobs/apply/",
            {"posting": str(other_postings[0].pk), "name": "张伟", "phone": "13800138000"},
            format="json",
        )
        third = anon_client.post(
            "/api/v1/jobs/apply/",
            {"posting": str(other_postings[1].pk), "name": "张伟", "phone": "13800138000"},
            format="json",
        )

    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 429 and int(third["Retry-After"]) >= 1  # the limit held without Redis
    assert third.json()["error"]["code"] == "rate_limited"
    assert Application.objects.count() == 2
