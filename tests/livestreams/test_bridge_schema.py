"""The bridge endpoints (plain views on the hot path) are in the OpenAPI schema and answer its shapes."""

import pytest

from tests.livestreams.live_helpers import ev
from tests.openapi_check import call, check, no_connection_closing, schema  # noqa: F401 -- a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_connection_closing")]


def test_bridge_endpoints_are_described():
    for path in ("events/", "events/webhook/", "orders/"):
        assert "POST" in schema[f"/api/v1/sessions/{{session_id}}/{path}"]


def test_events_and_orders_answer_their_schema(bridge, live_session):
    auth = {"Authorization": f"Bearer {bridge.token}"}
    events = {"events": [ev("e1", "join", live_session, 5), ev("e1", "join", live_session, 5), {"id": "x"}]}
    case, response = call(
        "/api/v1/sessions/{session_id}/events/",
        "POST",
        headers=auth,
        body=events,
        session_id=str(live_session.pk),
    )
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "duplicate", "rejected"]
    check(case, response)

    order = {
        "order_id": "o-1",
        "amount": "39.90",
        "quantity": 1,
        "buyer": "b1",
        "ts": ev("o", "join", live_session, 60)["ts"],
    }
    case, response = call(
        "/api/v1/sessions/{session_id}/orders/",
        "POST",
        headers=auth,
        body=order,
        session_id=str(live_session.pk),
    )
    assert response.status_code == 201, response.text
    assert response.json()["order"]["channel"] == "live"
    check(case, response)

    case, response = call(
        "/api/v1/sessions/{session_id}/events/", "POST", body=events, session_id=str(live_session.pk)
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"]
    check(case, response)
