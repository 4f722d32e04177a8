"""The jobs answers built as dicts (reports, the public lineup) match their published OpenAPI shapes."""

import pytest

from tests.openapi_check import call, check, no_connection_closing  # noqa: F401 -- a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_connection_closing")]


def test_public_lineup_answers_its_schema(approved, fair, link):
    case, response = call("/api/v1/jobs/public/sessions/{id}/lineup/", "GET", id=str(fair.pk))
    assert response.status_code == 200
    (entry,) = response.json()["lineup"]
    assert entry["employer"]["name"] == "恒芯电子"
    assert entry["postings"][0]["apply_url"].endswith(f"/j/{link.code}/")
    check(case, response)


def test_reports_answer_their_schema(approved, fair, link, employer, organizer):
    # Every request through the one WSGI app: Django's test client would re-arm connection closing.
    case, applied = call(
        "/api/v1/jobs/apply/", "POST", body={"code": link.code, "name": "张伟", "phone": "13800138000"}
    )
    assert applied.status_code == 201
    check(case, applied)
    case, response = call("/api/v1/jobs/reports/sessions/{id}/", "GET", user=organizer, id=str(fair.pk))
    assert response.status_code == 200
    assert response.json()["total"] == 1
    check(case, response)
    case, response = call("/api/v1/jobs/reports/employers/{id}/", "GET", user=organizer, id=str(employer.pk))
    assert response.status_code == 200
    assert response.json()["per_session"] == [
        {"session": str(fair.pk), "title": fair.title, "applications": 1}
    ]
    check(case, response)
