"""The OpenAPI schema is true: a bounded schemathesis run (fixed seed, a few examples per operation)
sends generated requests to every operation as an organizer and checks that each answer is no 5xx, has
a documented status, content type and body shape (the error shape included).

Bounded on purpose so it runs in every `make test`; the deep hostile-input walk is test_hostile_input.py.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

EXAMPLES = 2  # per operation; the seed is fixed (derandomize), so a failure reproduces on every run


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
    """What Django's test client does: keep the test's DB connection (and transaction) across requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(organizer, no_connection_closing):
    factories.make_session(union=organizer.union)
    return Token.objects.create(user=organizer).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_the_schema_says(case, token):
    response = case.call(app=APP, headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CONFORMANCE)


def _call(path: str, method: str, user, **path_parameters):
    case = schema[path][method].Case(path_parameters=path_parameters or None)
    return case, case.call(app=APP, headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})


@pytest.mark.django_db
def test_products_and_members_answer_the_published_shape(organizer, no_connection_closing):
    """The two endpoints that used to answer another shape than the schema's, with real rows in them."""
    from jobs.models import EmployerMembership
    from livestreams.models import Product
    from tests.jobs.factories import HUAWEI, make_employer

    seller = factories.make_user(username="seller", role="trainee", email="")
    Product.objects.create(
        union=organizer.union, name="高山云雾茶", sku="TEA-1", price="39.90", seller=seller
    )
    Product.objects.create(union=organizer.union, name="土蜂蜜", sku="HONEY-1", price="58.00")
    case, response = _call("/api/v1/products/", "GET", organizer)
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()] == ["HONEY-1", "TEA-1"]  # ordered by name
    case.validate_response(response, checks=CONFORMANCE)

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp_owner")
    recruiter = factories.make_user(username="recruiter", role="employer", email="")
    EmployerMembership.objects.create(user=recruiter, employer=employer, role="recruiter")
    owner = employer.memberships.get(role="owner").user
    case, response = _call("/api/v1/jobs/employers/{id}/members/", "GET", owner, id=str(employer.pk))
    assert response.status_code == 200
    assert sorted(m["role"] for m in response.json()) == ["owner", "recruiter"]
    case.validate_response(response, checks=CONFORMANCE)
