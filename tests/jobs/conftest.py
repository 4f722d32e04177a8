"""Jobs fixtures: two employers (so scoping is tested everywhere), postings, a scheduled job fair."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from jobs.models import Employer, EmployerMembership, JobPosting
from tests import factories

# Valid GB 32100-2015 codes of real companies (Huawei, Tencent, Alibaba, Xiaomi); the check char verifies.
HUAWEI = "914403001922038216"
TENCENT = "9144030071526726XG"
ALIBABA = "91330100716105852F"
XIAOMI = "91110108551385082Q"


def make_employer(*, name: str, credit_code: str, username: str, verified: bool = True) -> Employer:
    employer = Employer.objects.create(
        name=name,
        credit_code=credit_code,
        city="杭州",
        contact_name="联系人",
        contact_email=f"{username}-hr@example.com",
        verified=verified,
    )
    owner = factories.make_user(username=username, role="employer")
    EmployerMembership.objects.create(user=owner, employer=employer, role="owner")
    return employer


def make_posting(employer: Employer, **extra) -> JobPosting:
    values = {
        "title": "电子厂普工",
        "pay_type": "monthly",
        "pay_min": Decimal("5000"),
        "pay_max": Decimal("7000"),
        "headcount": 10,
        "city": "杭州",
        "shift": "day",
        "housing": "dorm",
        "meals": "free",
        "status": "open",
    }
    values.update(extra)
    return JobPosting.objects.create(employer=employer, **values)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def employer(db):
    return make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp_owner")


@pytest.fixture
def other_employer(db):
    return make_employer(name="速达物流", credit_code=TENCENT, username="other_owner")


@pytest.fixture
def employer_user(employer):
    return employer.memberships.get().user


@pytest.fixture
def other_employer_user(other_employer):
    return other_employer.memberships.get().user


@pytest.fixture
def employer_client(client_for, employer_user):
    return client_for(employer_user)


@pytest.fixture
def other_employer_client(client_for, other_employer_user):
    return client_for(other_employer_user)


@pytest.fixture
def posting(employer):
    return make_posting(employer)


@pytest.fixture
def other_posting(other_employer):
    return make_posting(other_employer, title="快递分拣员")


@pytest.fixture
def fair(union, host):
    return factories.make_session(union=union, status="scheduled", starts_in=timedelta(days=1), hosts=[host])


@pytest.fixture
def approved(fair, employer, posting, organizer):
    """The employer's request approved into the fair, with a segment and a short link."""
    from jobs import services

    request = services.lineup_request_create(
        employer=employer, by=employer_user_of(employer), session=fair, postings=[posting]
    )
    return services.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=30),
        ends_at=fair.starts_at + timedelta(minutes=60),
    )


def employer_user_of(employer):
    return employer.memberships.get().user


@pytest.fixture
def link(approved, posting, fair):
    from jobs.models import ShortLink

    return ShortLink.objects.get(posting=posting, session=fair)


def feature(session, *postings):
    """Put postings into a session's approved lineup (their employer's request), as the organizer would."""
    from jobs.models import LineupRequest

    for posting in postings:
        request, _ = LineupRequest.objects.get_or_create(
            employer=posting.employer, session=session, status=LineupRequest.Status.APPROVED
        )
        request.postings.add(posting)
