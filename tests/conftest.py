"""Shared fixtures: three actors per role so scoping is tested everywhere, real services only."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

pytest_plugins = ["tests.fixtures_services", "tests.fixtures_browser"]


@pytest.fixture
def union(db):
    return factories.make_union("杭州市总工会")


@pytest.fixture
def other_union(db):
    return factories.make_union("宁波市总工会")


@pytest.fixture
def organizer(union):
    return factories.make_user(username="organizer", role="organizer", union=union, display_name="王主席")


@pytest.fixture
def other_organizer(other_union):
    return factories.make_user(username="other_organizer", role="organizer", union=other_union)


@pytest.fixture
def host(union):
    return factories.make_user(username="host", role="host", union=union, display_name="李主播")


@pytest.fixture
def trainee(db):
    return factories.make_user(username="trainee", role="trainee")


def _client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def organizer_client(organizer):
    return _client_for(organizer)


@pytest.fixture
def other_organizer_client(other_organizer):
    return _client_for(other_organizer)


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Tests share one Redis logical DB; start each from empty (counters, throttles, locks)."""
    from django.core.cache import cache

    from livestreams.live import stats

    cache.clear()
    stats.clear()  # the live stats poll's per-process memory
    yield
