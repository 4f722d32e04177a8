"""Every API endpoint in the OpenAPI schema, fed hostile input by every kind of user, answers below 500.

The demo data is seeded so that path parameters point at real objects (a random id would stop at the
404 before any validation ran). 4xx answers from the API carry the one error shape.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from coaching.models import Booking, Coach, Program, Slot, Trainee
from core.models import User
from invites.models import CalendarEvent
from jobs.models import Application, Employer, EmployerMembership, JobPosting, LineupRequest
from livestreams.models import IngestCredential, LiveEvent, LiveSession, Series

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NUL = "\x00"
BAD_BODIES = [
    b"{not json",
    json.dumps([1, 2, 3]).encode(),
    json.dumps({"unknown_field": "𝕏" * 20_000}).encode(),
    json.dumps(
        {
            "title": NUL,
            "name": "张\x00三",
            "description": None,
            "starts_at": "2026-13-45T25:61:00",
            "ends_at": "yesterday",
            "timezone": "Mars/Olympus",
            "capacity": -1,
            "headcount": 10**30,
            "status": "hacked",
            "session": "not-a-uuid",
            "posting": "'; DROP TABLE jobs_application; --",
            "slot": {"nested": [1]},
            "amount": "NaN",
            "pay_min": "Infinity",
            "phone": "+1 555 0100",
            "credit_code": "0" * 18,
            "email": "no-at-sign",
            "present": "maybe",
            "postings": ["x", None],
            "verified": True,
            "kind": "<script>",
            "username": "",
            "password": "",
            "code": NUL,
            "token": "../../etc/passwd",
        }
    ).encode(),
    json.dumps({"a": {"a": {"a": {"a": {"a": {"a": [[[[[]]]]]}}}}}, "page": -1}).encode(),
]
# NUL in a query string is refused at the door (400, tests/core/test_hostile_query_and_size.py); here the
# query is hostile but NUL-free, so the walk still reaches the views' own validation.
BAD_QUERY = (
    "status=%3Cscript%3E&session=not-a-uuid&posting=%E2%80%AE&page=-1&page_size=99999999&ordering=%27&q=%25"
)


RESOURCES = {
    "sessions",
    "series",
    "bookings",
    "coaches",
    "programs",
    "slots",
    "trainees",
    "events",
    "applications",
    "employers",
    "members",
    "lineup-requests",
    "postings",
    "questions",
    "ingest-credentials",
    "segments",
}


def _ids() -> dict[str, str]:
    """Path parameter values by the resource the path is about (the segment before ``{…}``)."""
    session = LiveSession.objects.filter(kind="job_fair").order_by("created_at").first()
    question = LiveEvent.objects.filter(is_question=True).first()
    credential = IngestCredential.objects.first()
    return {
        "sessions": str(session.pk),
        "series": str(Series.objects.first().pk),
        "bookings": str(Booking.objects.first().pk),
        "coaches": str(Coach.objects.first().pk),
        "programs": str(Program.objects.first().pk),
        "slots": str(Slot.objects.first().pk),
        "trainees": str(Trainee.objects.first().pk),
        "events": str(CalendarEvent.objects.first().pk),
        "applications": str(Application.objects.first().pk),
        "employers": str(Employer.objects.first().pk),
        "members": str(EmployerMembership.objects.first().pk),
        "lineup-requests": str(LineupRequest.objects.first().pk),
        "postings": str(JobPosting.objects.first().pk),
        "questions": str(question.pk) if question else "1",
        "ingest-credentials": credential.key_id if credential else "nokey",
        "segments": str(session.segments.first().pk),
    }


def _fill(path: str, ids: dict[str, str]) -> str:
    parts = path.strip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        if part.startswith("{"):
            owner = parts[i - 1] if i else ""
            out.append(ids.get(owner, "00000000-0000-0000-0000-000000000000"))
        else:
            out.append(part)
    return "/" + "/".join(out) + ("/" if path.endswith("/") else "")


def _endpoints() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method.upper())
        for path, ops in schema["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _clients() -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for username in ("organizer", "employer_dianzi", "trainee", "coach"):
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        clients[username] = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    return clients


def test_every_endpoint_answers_hostile_input_without_a_500():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    ids = _ids()
    clients = _clients()
    failures = []
    shapeless = []
    statuses: dict[int, int] = {}
    for path, method in _endpoints():
        url = _fill(path, ids)
        for who, client in clients.items():
            bodies = BAD_BODIES if who == "organizer" else BAD_BODIES[2:4]
            if method in ("GET", "DELETE"):
                attempts = [(f"{url}?{BAD_QUERY}", None)]
            else:
                attempts = [(url, body) for body in bodies]
            for target, body in attempts:
                kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
                response = getattr(client, method.lower())(target, **kwargs)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    failures.append(f"{who} {method} {target[:80]} -> {response.status_code}")
                elif (
                    400 <= response.status_code < 500
                    and response.get("Content-Type", "").startswith("application/json")
                    and "error" not in response.json()
                ):
                    shapeless.append(
                        f"{who} {method} {path} -> {response.status_code} {response.content[:80]!r}"
                    )
    assert failures == []
    assert shapeless == []
    # The walk reached validation, not just the doors: plenty of 400s, and some requests got through.
    assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 50, statuses


def test_the_walk_covers_the_api():
    """Every resource with an id in the API has a real object in the walk above (none is left on the
    all-zero placeholder, which would stop at the 404)."""
    paths = [path for path, _ in _endpoints()]
    owners = {re.search(r"/([^/{]+)/\{", p).group(1) for p in paths if "{" in p}
    assert owners <= RESOURCES, owners - RESOURCES
    assert len(paths) > 70
