"""The OpenAPI schema, loaded for schemathesis, and how to send a request through the real WSGI app
and check the answer against it (tests/core/test_schema_conformance.py and the per-app shape tests)."""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)


def _schema() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw, renderer_context={}))


schema = schemathesis.openapi.from_dict(_schema())
APP = get_wsgi_application()
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def no_connection_closing():
    """What Django's test client does: keep the test's DB connection (and transaction) across requests.
    Send every request of such a test through ``call``: the test client re-arms the closing after each of
    its own requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(path: str, method: str, *, headers: dict | None = None, user=None, body=None, **path_parameters):
    """Send one request to an operation of the schema; returns (case, response) for ``check``."""
    extra = {} if body is None else {"body": body, "media_type": "application/json"}
    case = schema[path][method].Case(path_parameters=path_parameters or None, **extra)
    headers = dict(headers or {})
    if user is not None:
        headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return case, case.call(app=APP, headers=headers)


def check(case, response) -> None:
    case.validate_response(response, checks=CONFORMANCE)
