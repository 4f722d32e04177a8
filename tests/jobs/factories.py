"""Small factories for the jobs app with readable defaults (fixtures live in conftest.py)."""

from __future__ import annotations

from decimal import Decimal

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
