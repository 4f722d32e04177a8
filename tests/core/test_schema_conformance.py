"""The OpenAPI schema is true: a bounded schemathesis run (fixed seed, a few examples per operation)
sends generated requests to every operation as an organizer and checks that each answer is no 5xx, has
a documented status, content type and body shape (the error shape included).

Bounded on purpose so it runs in every `make test`; the deep hostile-input walk is test_hostile_input.py.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests import factories
from tests.openapi_check import (  # noqa: F401 -- no_connection_closing: a fixture
    APP,
    CONFORMANCE,
    call,
    check,
    no_connection_closing,
    schema,
)

# The RSVP intake takes a raw email (message/rfc822); schemathesis cannot build one from a schema, so it
# gets small real messages: one that is no calendar reply and one that is a garbled one.
schemathesis.openapi.media_type(
    "message/rfc822",
    st.sampled_from(
        [
            b"From: a@example.org\r\nTo: rsvp@example.org\r\nSubject: hi\r\n\r\nno calendar here\r\n",
            b"From: b@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\n",
        ]
    ),
)

EXAMPLES = 2  # per operation; the seed is fixed (derandomize), so a failure reproduces on every run


@pytest.fixture
def token(organizer):
    factories.make_session(union=organizer.union)
    return Token.objects.create(user=organizer).key


@pytest.mark.django_db
@pytest.mark.usefixtures("no_connection_closing")
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


@pytest.mark.django_db
@pytest.mark.usefixtures("no_connection_closing")
def test_products_and_members_answer_the_published_shape(organizer):
    """The two endpoints that used to answer another shape than the schema's, with real rows in them."""
    from jobs.models import EmployerMembership
    from livestreams.models import Product
    from tests.jobs.factories import HUAWEI, make_employer

    seller = factories.make_user(username="seller", role="trainee", email="")
    Product.objects.create(
        union=organizer.union, name="高山云雾茶", sku="TEA-1", price="39.90", seller=seller
    )
    Product.objects.create(union=organizer.union, name="土蜂蜜", sku="HONEY-1", price="58.00")
    case, response = call("/api/v1/products/", "GET", user=organizer)
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()] == ["HONEY-1", "TEA-1"]  # ordered by name
    check(case, response)

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp_owner")
    recruiter = factories.make_user(username="recruiter", role="employer", email="")
    EmployerMembership.objects.create(user=recruiter, employer=employer, role="recruiter")
    owner = employer.memberships.get(role="owner").user
    case, response = call("/api/v1/jobs/employers/{id}/members/", "GET", user=owner, id=str(employer.pk))
    assert response.status_code == 200
    assert sorted(m["role"] for m in response.json()) == ["owner", "recruiter"]
    check(case, response)
