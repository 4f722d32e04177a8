"""Organizer-console fixtures: a union's fair with a seller and two employers in its lineup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jobs import services as jobs
from livestreams import services as ls
from tests import factories
from tests.jobs import conftest as jobs_fixtures
from tests.jobs.factories import XIAOMI, make_employer, make_posting

# The jobs tests' employer fixtures, reused rather than declared again (pytest finds them by name here).
employer = jobs_fixtures.employer
other_employer = jobs_fixtures.other_employer
employer_user = jobs_fixtures.employer_user


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_employer(db):
    return make_employer(name="小米之家", credit_code=XIAOMI, username="new_owner", verified=False)


@pytest.fixture
def seller(db):
    return factories.make_user(username="seller", role="trainee", display_name="张学员")


def request_slot(fair, employer, **extra):
    posting = make_posting(employer, **extra)
    return jobs.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )


@pytest.fixture
def fair(union, organizer, host):
    session = factories.make_session(
        union=union, hosts=[host], created_by=organizer, starts_in=timedelta(days=3), title="春风行动专场"
    )
    ls.session_schedule(session=session, by=organizer)
    session.refresh_from_db()
    return session


@pytest.fixture
def lineup(fair, organizer, employer, other_employer, seller):
    """Three segments: the seller's, then two employers approved into their own segments."""
    seller_segment = ls.segment_create(
        session=fair,
        by=organizer,
        title="主播开场",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=20),
        seller=seller,
    )
    approved = []
    for i, emp in enumerate([employer, other_employer]):
        request = request_slot(fair, emp)
        start = fair.starts_at + timedelta(minutes=30 + 30 * i)
        approved.append(
            jobs.lineup_approve(
                request=request, by=organizer, starts_at=start, ends_at=start + timedelta(minutes=25)
            )
        )
    return seller_segment, approved


@pytest.fixture
def org_client(organizer):
    """A browser-like client signed in as the union's organizer."""
    client = Client()
    client.force_login(organizer)
    return client


def make_ended(union, title="春季直播带岗"):
    """A session that went live yesterday for 30 minutes, with one segment and no result yet."""
    went_live = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    session = factories.make_session(
        union=union,
        status="ended",
        title=title,
        starts_at=went_live,
        ends_at=went_live + timedelta(minutes=30),
        went_live_at=went_live,
        ended_at=went_live + timedelta(minutes=30),
    )
    factories.make_segment(session=session, title="企业宣讲")
    return session
