"""A body over the upload limit is a 413 on API endpoints (Django's own check answered 400)."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_ten_megabyte_body_is_a_413_on_api_endpoints(anon_client, organizer_client):
    big = json.dumps({"name": "x" * (10 * 1024 * 1024)})

    for client, url in (
        (anon_client, "/api/v1/jobs/apply/"),
        (anon_client, "/api/v1/coaching/signup/"),
        (organizer_client, "/api/v1/sessions/"),
    ):
        response = client.post(url, data=big, content_type="application/json")
        assert response.status_code == 413, (url, response.status_code)
        assert response.json()["error"]["code"] == "payload_too_large"
