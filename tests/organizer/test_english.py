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
