"""Employers in a fair's lineup (jobs.LineupRequest) get invites for their segment.

jobs calls ``jobs.calendar.on_lineup_changed(request)`` from ``_lineup_changed``; these tests call it
explicitly after approval, which is a no-op once that line is wired (publishing is idempotent).
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.models import OutboxMessage
from jobs import services as jobs
from jobs.calendar import on_lineup_changed
from jobs.models import Employer, EmployerMembership, JobPosting
from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db


def _employer(name: str, credit_code: str, username: str) -> Employer:
    employer = Employer.objects.create(
        name=name, credit_code=credit_code, contact_email=f"{username}-hr@example.com", verified=True
    )
    owner = factories.make_user(username=username, role="employer", display_name=f"{name}HR")
    EmployerMembership.objects.create(user=owner, employer=employer, role="owner")
    return employer


def _sent(email: str) -> list[tuple[str, str, int]]:
    out = []
    for message in OutboxMessage.objects.filter(recipient=email, key__startswith="invite:").order_by("id"):
        cal, _ = parse_both(message.payload["alternatives"][0]["content"])
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])))
    return out


@pytest.fixture
def fair(union, organizer, host):
    session = factories.make_session(union=union, hosts=[host], created_by=organizer)
    ls.session_schedule(session=session, by=organizer)
    return session


def _approve(fair, employer, organizer, offset_minutes=30):
    posting = JobPosting.objects.create(
        employer=employer,
        title="电子厂普工",
        pay_type="monthly",
        pay_min=Decimal("5000"),
        pay_max=Decimal("7000"),
        headcount=5,
        city="杭州",
        status="open",
    )
    request = jobs.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )
    request = jobs.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=offset_minutes),
        ends_at=fair.starts_at + timedelta(minutes=offset_minutes + 30),
    )
    on_lineup_changed(request)
    return request


def test_approved_employer_gets_its_segment_moved_and_removed(fair, organizer, host):
    employer = _employer("恒芯电子", "914403001922038216", "hengxin")
    owner = employer.memberships.get().user
    request = _approve(fair, employer, organizer)

    (invite,) = _sent(owner.email)
    assert invite[0] == "REQUEST" and invite[2] == 0
    assert _sent("hengxin-hr@example.com") == [invite]  # the contact address too
    # One email per change: the invite carries the decision notice.
    (message,) = OutboxMessage.objects.filter(recipient=owner.email)
    assert "直播带岗时段申请已通过" in message.subject
    assert fair.title in message.payload["text"]
    cal, _ = parse_both(message.payload["alternatives"][0]["content"])
    (event,) = events(cal)
    assert event.decoded("DTSTART") == (fair.starts_at + timedelta(minutes=30)).replace(microsecond=0)
    assert "恒芯电子 招聘宣讲" in str(event["SUMMARY"])
    on_lineup_changed(request)
    assert len(_sent(owner.email)) == 1  # idempotent

    # The organizer moves the employer's segment: one update, same UID, higher SEQUENCE.
    segment = request.segment
    ls.segment_update(
        segment=segment,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=90),
        ends_at=fair.starts_at + timedelta(minutes=110),
    )
    assert _sent(owner.email)[-1] == ("REQUEST", invite[1], 1)

    # Dropped from the lineup: CANCEL with the same UID; the host never heard about any of it.
    jobs.lineup_remove(request=request, by=organizer, reason="企业临时退出")
    assert _sent(owner.email)[-1][:2] == ("CANCEL", invite[1])
    assert [m for m, _, _ in _sent(host.email)] == ["REQUEST"]
    # A removal deletes the segment first (its CANCEL goes out then), so the notice that says why is a
    # second email: approval (1, notice inside), move (1), removal (CANCEL + notice).
    mails = list(OutboxMessage.objects.filter(recipient=owner.email).order_by("created_at"))
    assert len(mails) == 4
    assert "直播带岗时段已取消" in mails[-1].subject and "企业临时退出" in mails[-1].payload["text"]


def test_other_employers_are_not_disturbed(fair, organizer):
    first = _employer("恒芯电子", "914403001922038216", "hengxin")
    second = _employer("速达物流", "9144030071526726XG", "suda")
    _approve(fair, first, organizer, offset_minutes=0)
    request = _approve(fair, second, organizer, offset_minutes=30)
    first_owner = first.memberships.get().user
    before = _sent(first_owner.email)
    jobs.lineup_withdraw(request=request, by=second.memberships.get().user)
    assert _sent(first_owner.email) == before
    assert _sent(second.memberships.get().user.email)[-1][0] == "CANCEL"


def test_approval_alone_sends_the_employer_its_segment_invite(fair, organizer):
    """No explicit on_lineup_changed call: the jobs service's single lineup hook sends it."""
    employer = _employer("杭州顺丰速运", "91330100MA2H0XXX0X", "sf_owner_wired")
    posting = JobPosting.objects.create(
        employer=employer,
        title="快递分拣员",
        pay_type="hourly",
        pay_min=Decimal("22"),
        pay_max=Decimal("28"),
        headcount=20,
        city="杭州",
        status="open",
    )
    request = jobs.lineup_request_create(
        employer=employer, by=employer.memberships.get().user, session=fair, postings=[posting]
    )
    jobs.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=20),
    )
    methods = [m for m, _, _ in _sent("sf_owner_wired@example.com")]
    assert methods == ["REQUEST"]
