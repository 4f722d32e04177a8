"""Helpers and fixtures for the live-tracking tests (imported explicitly by those modules)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from livestreams.live import credentials
from livestreams.models import LiveSession
from tests import factories


def at(session, seconds: float) -> str:
    return (session.went_live_at + timedelta(seconds=seconds)).isoformat()


def ev(event_id, kind, session, seconds, viewer="m:a", **extra) -> dict:
    body = {"id": event_id, "type": kind, "ts": at(session, seconds)}
    prefix, _, key = viewer.partition(":")
    body["member_id" if prefix == "m" else "device_id"] = key
    body.update(extra)
    return body


class Bridge:
    """A streaming bridge talking to the real HTTP endpoints with its ingest credential."""

    def __init__(self, session, issued):
        self.session = session
        self.token = issued.token
        self.key_id = issued.credential.key_id
        self.signing_secret = issued.signing_secret
        self.http = Client()

    def post_events(self, events, *, session_id=None, token=None):
        return self.http.post(
            f"/api/v1/sessions/{session_id or self.session.pk}/events/",
            data=json.dumps({"events": events}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token or self.token}",
        )

    def post_order(self, **order):
        return self.http.post(
            f"/api/v1/sessions/{self.session.pk}/orders/",
            data=json.dumps(order),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )


def make_live_session(union, *, minutes_ago: int = 20, **extra) -> LiveSession:
    went_live = (timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    return factories.make_session(
        union=union,
        status=LiveSession.Status.LIVE,
        starts_at=went_live,
        ends_at=went_live + timedelta(hours=2),
        went_live_at=went_live,
        **extra,
    )


@pytest.fixture
def live_session(union, host):
    return make_live_session(union, hosts=[host])


@pytest.fixture
def bridge(live_session, organizer):
    return Bridge(live_session, credentials.credential_issue(session=live_session, by=organizer))


def live_stats(client, session):
    response = client.get(f"/api/v1/sessions/{session.pk}/live/")
    assert response.status_code == 200, response.content
    return response.json()
