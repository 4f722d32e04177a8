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
