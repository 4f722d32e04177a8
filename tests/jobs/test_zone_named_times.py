"""Record timestamps read with the zone named: the inbox 时间 column, the postings list, the team
page's invitation expiry and the organizer's past classes say "2026-12-02 10:00 北京时间"."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core import formatting
from jobs import services
from jobs.models import EmployerInvitation
from tests.coaching import factories as cf
from tests.jobs.factories import make_employer, make_posting

pytestmark = pytest.mark.django_db
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_employer_pages_name_the_zone_of_their_timestamps():
    employer = make_employer(name="恒芯电子", credit_code="914403001922038216", username="zone_owner")
    owner = employer.memberships.get().user
    posting = make_posting(employer)
    application, _ = services.application_submit(posting=posting, name="张伟", phone="13800138000")
    invitation = EmployerInvitation.objects.create(
        employer=employer,
        email="new@example.com",
        invited_by=owner,
        expires_at=timezone.now() + timedelta(days=7),
    )
    web = _client(owner)

    inbox = web.get("/jobs/employer/").content.decode()
    assert formatting.when(application.created_at, "Asia/Shanghai") in inbox
    postings = web.get("/jobs/employer/postings/").content.decode()
    posting.refresh_from_db()
    assert formatting.when(posting.updated_at, "Asia/Shanghai") in postings
    team = web.get("/jobs/employer/team/").content.decode()
    assert formatting.when(invitation.expires_at, "Asia/Shanghai") in team
    for page in (inbox, postings, team):
        assert STAMP.search(page) and "Asia/Shanghai" not in page

    english = web.get("/jobs/employer/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} Beijing time", english)


def test_organizer_past_classes_name_the_zone(union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    past = cf.make_slot(program=program, coach=coach, title="第 1 课：开场", starts_in=timedelta(days=-2))
    page = _client(organizer).get(f"/organizer/coaching/{program.pk}/").content.decode()
    assert "第 1 课：开场" in page
    assert f"{formatting.when(past.starts_at, past.timezone)} 第 1 课：开场" in page


def test_organizer_queue_and_lineup_name_the_zone(union, organizer, host):
    """The lineup-request queue shows when a request came in, its preferred segment and the approved
    segments with the zone named; the lineup editor's time column names it once; the host kit too."""
    from jobs import services as jobs_services
    from livestreams import services as ls
    from tests import factories
    from tests.jobs.factories import XIAOMI

    fair = factories.make_session(
        union=union, hosts=[host], created_by=organizer, starts_in=timedelta(days=3), title="春风行动专场"
    )
    ls.session_schedule(session=fair, by=organizer)
    fair.refresh_from_db()
    segment = ls.segment_create(
        session=fair,
        by=organizer,
        title="企业宣讲一",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=30),
    )
    employer = make_employer(name="小米之家", credit_code=XIAOMI, username="zone_queue_owner")
    waiting = jobs_services.lineup_request_submit(
        employer=employer,
        by=employer.memberships.get().user,
        session=fair,
        postings=[make_posting(employer)],
        preferred_segment=segment,
    )
    web = _client(organizer)

    page = web.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    assert f'data-testid="requested-at">{formatting.when(waiting.created_at, fair.timezone)}<' in page
    assert f"{formatting.when_range(segment.starts_at, segment.ends_at, fair.timezone)} 企业宣讲一" in page

    jobs_services.lineup_approve(request=waiting, by=organizer, segment=segment)
    page = web.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    assert f"{formatting.when_range(segment.starts_at, segment.ends_at, fair.timezone)} 企业宣讲一" in page

    session_page = web.get(f"/organizer/sessions/{fair.pk}/").content.decode()
    assert 'data-testid="lineup-zone">北京时间<' in session_page
    kit = web.get(f"/s/{fair.pk}/live/kit/").content.decode()
    assert formatting.clock_range(segment.starts_at, segment.ends_at, fair.timezone) in kit
