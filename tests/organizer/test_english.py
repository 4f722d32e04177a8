"""Every organizer page reads in one language: in English, no Chinese is left (data aside)."""

import re

import pytest
from django.conf import settings

from livestreams import services as ls
from tests import factories
from tests.coaching import factories as cf
from tests.organizer.conftest import request_slot

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def english(client, organizer):
    organizer.display_name = "Chair Wang"
    organizer.save()
    client.force_login(organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_organizer_pages_are_all_english(english, union, organizer, host, trainee):
    from tests.jobs.conftest import HUAWEI, make_employer

    host.display_name = "Host Li"
    host.save()
    series = factories.make_series(union=union, title="Spring hiring")
    fair = factories.make_session(
        union=union, title="Spring fair", series=series, hosts=[host], created_by=organizer
    )
    factories.make_segment(session=fair, title="Opening")
    ls.session_schedule(session=fair, by=organizer)
    employer = make_employer(name="Acme Ltd", credit_code=HUAWEI, username="acme", verified=False)
    employer.city, employer.contact_name = "Hangzhou", "Ms Zhou"
    employer.save()
    request_slot(fair, employer, title="Packer", city="Hangzhou")
    program = cf.make_program(union=union, organizer=organizer, title="Selling live")
    program.location = "Hall 1"
    program.save()
    coach = cf.make_coach(union=union, username="coach")
    coach.user.display_name = "Coach Chen"
    coach.user.save()
    coach.specialties = "selling"
    coach.save()
    slot = cf.make_slot(program=program, coach=coach, title="Scripts")
    pages = [
        "/organizer/",
        "/organizer/sessions/",
        "/organizer/sessions/?status=draft",
        "/organizer/sessions/new/",
        f"/organizer/sessions/{fair.pk}/",
        f"/organizer/sessions/{fair.pk}/edit/",
        f"/organizer/sessions/{fair.pk}/postpone/",
        f"/organizer/sessions/{fair.pk}/cancel/",
        f"/organizer/sessions/{fair.pk}/go-live/",
        f"/organizer/segments/{fair.segments.get().pk}/",
        "/organizer/series/",
        "/organizer/series/new/",
        "/organizer/results/",
        "/organizer/requests/",
        f"/organizer/fairs/{fair.pk}/requests/",
        "/organizer/employers/",
        "/organizer/coaching/",
        "/organizer/coaching/new/",
        f"/organizer/coaching/{program.pk}/",
        f"/organizer/coaching/{program.pk}/edit/",
        f"/organizer/coaching/slots/{slot.pk}/cancel/",
        "/organizer/coaching/coaches/",
        f"/organizer/coaching/coaches/{coach.pk}/",
        "/organizer/nothing-here/",
    ]
    for url in pages:
        response = english.get(url)
        html = response.content.decode()
        assert response.status_code in (200, 404), url
        # Form option lists of every IANA zone and the language picker's own names are data.
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", html)
        leftovers = sorted(set(CJK.findall(text)))
        assert not leftovers, (url, leftovers, [line for line in text.splitlines() if CJK.search(line)][:5])


def test_queue_reinstate_and_results_pages_are_english(english, union, organizer, host):
    from datetime import timedelta

    from jobs import services as jobs
    from tests.jobs.conftest import HUAWEI, TENCENT, make_employer, make_posting

    fair = factories.make_session(union=union, title="Spring fair", hosts=[host], created_by=organizer)
    ls.session_schedule(session=fair, by=organizer)
    fair.refresh_from_db()
    first = ls.segment_create(
        session=fair,
        by=organizer,
        title="Talk one",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=20),
    )
    acme = make_employer(name="Acme Ltd", credit_code=HUAWEI, username="acme")
    bolt = make_employer(name="Bolt Ltd", credit_code=TENCENT, username="bolt")
    requests = [
        jobs.lineup_request_submit(
            employer=emp,
            by=emp.memberships.get().user,
            session=fair,
            postings=[make_posting(emp, title="Packer", city="Hangzhou")],
            preferred_segment=first,
        )
        for emp in (acme, bolt)
    ]
    jobs.lineup_approve(request=requests[0], by=organizer, segment=first)
    jobs.employer_verify(employer=acme, by=organizer, verified=False, reason="Licence expired")
    ended = factories.make_session(
        union=union,
        status="ended",
        title="Past fair",
        starts_in=-timedelta(days=1),
        went_live_at=fair.starts_at - timedelta(days=4),
        ended_at=fair.starts_at - timedelta(days=4),
    )
    pages = {
        f"/organizer/fairs/{fair.pk}/requests/": ["Preferred segment", "Can be reinstated once"],
        f"/organizer/requests/{requests[0].pk}/reinstate/": ["Reinstate a suspended request"],
        "/organizer/sessions/?status=ended": ["No results yet", "Compute results"],
        f"/organizer/sessions/{ended.pk}/": ["Compute results"],
    }
    jobs.employer_verify(employer=acme, by=organizer, verified=True)
    # Bolt asked for the segment the suspension deleted: it says so (not "Not set").
    pages[f"/organizer/fairs/{fair.pk}/requests/"] = [
        "Preferred segment",
        "Original slot cancelled",
        "Reinstate…",
    ]
    for url, expected in pages.items():
        html = english.get(url).content.decode()
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", html)
        leftovers = sorted(set(CJK.findall(text)))
        assert not leftovers, (url, leftovers, [line for line in text.splitlines() if CJK.search(line)][:5])
        for phrase in expected:
            assert phrase in html, (url, phrase)
