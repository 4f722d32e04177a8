"""Recomputing an ended session's results from the organizer's pages, and the lists' htmx filters/paging."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from coaching.models import Program
from livestreams.models import LiveEvent, ResultRefresh, SessionResult
from tests import factories
from tests.organizer.conftest import make_ended

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_client):
    return org_client


_ended = make_ended


def _view(session, viewer, minute):
    LiveEvent.objects.create(
        session=session,
        event_id=f"e-{viewer}-{minute}",
        kind="join",
        ts=session.went_live_at + timedelta(minutes=minute),
        viewer=viewer,
    )


def test_recompute_from_the_list_computes_and_shows_when(org, union):
    session = _ended(union)
    page = org.get("/organizer/sessions/?status=ended").content.decode()
    assert 'data-testid="no-result"' in page and "计算成绩" in page

    response = org.post(
        f"/organizer/sessions/{session.pk}/recompute/", {"next": "/organizer/sessions/?status=ended"}
    )
    assert response.status_code == 302 and response["Location"] == "/organizer/sessions/?status=ended"
    result = SessionResult.objects.get(session=session)
    assert ResultRefresh.objects.get(session=session).computed_at is not None
    page = org.get(response["Location"]).content.decode()
    when = timezone.localtime(result.computed_at, ZoneInfo(session.timezone))
    assert "成绩已重新计算" in page
    assert f"成绩计算于 {when:%Y-%m-%d %H:%M}" in page  # shown in the session's zone (Shanghai here)


def test_recompute_picks_up_late_events_and_answers_htmx_with_the_state(org, union):
    session = _ended(union)
    org.post(f"/organizer/sessions/{session.pk}/recompute/")
    first = SessionResult.objects.get(session=session)
    _view(session, "v1", 1)
    _view(session, "v2", 2)
    response = org.post(
        f"/organizer/sessions/{session.pk}/recompute/",
        {"next": f"/organizer/sessions/{session.pk}/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<span class="result-state"') and 'data-testid="computed-at"' in body
    again = SessionResult.objects.get(session=session)
    assert again.computed_at > first.computed_at
    assert again.scorecard["unique_viewers"] == 2
    # From the list the whole row comes back, so the export links appear with the result.
    row = org.post(
        f"/organizer/sessions/{session.pk}/recompute/",
        {"next": "/organizer/sessions/?status=ended", "fragment": "row"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert row.startswith("<tr") and 'data-testid="link-xlsx"' in row and 'data-testid="computed-at"' in row
    # The session page offers the same button for an ended session.
    page = org.get(f"/organizer/sessions/{session.pk}/").content.decode()
    assert 'data-testid="session-results"' in page and "重新计算" in page


def test_recompute_refuses_a_session_that_has_not_ended(org, union):
    session = factories.make_session(union=union, status="scheduled")
    response = org.post(f"/organizer/sessions/{session.pk}/recompute/", follow=True)
    assert "只有已结束的场次可以计算成绩" in response.content.decode()
    assert org.post(f"/organizer/sessions/{session.pk}/recompute/", HTTP_HX_REQUEST="true").status_code == 409
    assert not SessionResult.objects.filter(session=session).exists()
    page = org.get("/organizer/sessions/").content.decode()
    assert 'data-testid="recompute"' not in page


def test_recompute_is_scoped_to_the_union_and_the_role(union, other_organizer, host, trainee):
    session = _ended(union)
    url = f"/organizer/sessions/{session.pk}/recompute/"
    other = Client()
    other.force_login(other_organizer)
    assert other.post(url).status_code == 404
    for user in (host, trainee):
        c = Client()
        c.force_login(user)
        assert c.post(url).status_code == 403
    assert Client().post(url).status_code == 403
    assert Client().get(url).status_code in (302, 403, 405)
    assert not SessionResult.objects.filter(session=session).exists()


def test_recompute_keeps_next_on_this_site(org, union):
    session = _ended(union)
    response = org.post(f"/organizer/sessions/{session.pk}/recompute/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/organizer/sessions/{session.pk}/"


def test_session_list_filters_and_paging_answer_htmx_with_the_list(org, union):
    for i in range(23):
        factories.make_session(union=union, status="scheduled", title=f"专场{i:02d}")
    whole = org.get("/organizer/sessions/").content.decode()
    assert "<html" in whole and 'id="list"' in whole
    part = org.get("/organizer/sessions/", {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and part.startswith('<div id="list"')
    assert part.count('data-testid="session-row"') == 3 and "第 2 / 2 页" in part
    found = org.get("/organizer/sessions/", {"q": "专场07"}, HTTP_HX_REQUEST="true").content.decode()
    assert found.count('data-testid="session-row"') == 1
    # Tabs and paging links keep the filters.
    assert 'href="?q=%E4%B8%93%E5%9C%BA07&amp;status=scheduled"' in found


def test_program_list_search_tabs_and_paging(org, organizer, union, other_union):
    for i in range(22):
        Program.objects.create(union=union, organizer=organizer, title=f"带货入门{i:02d}")
    Program.objects.create(union=union, organizer=organizer, title="草稿课程", is_published=False)
    Program.objects.create(union=other_union, title="别的工会课程")
    html = org.get("/organizer/coaching/").content.decode()
    assert html.count('data-testid="program-card"') == 20 and 'data-testid="pager"' in html
    assert "别的工会课程" not in html
    drafts = org.get("/organizer/coaching/", {"state": "draft"}).content.decode()
    assert drafts.count('data-testid="program-card"') == 1 and "草稿课程" in drafts
    found = org.get("/organizer/coaching/", {"q": "入门07"}, HTTP_HX_REQUEST="true").content.decode()
    assert found.startswith('<div id="list"') and found.count('data-testid="program-card"') == 1
    junk = org.get("/organizer/coaching/", {"state": "x", "page": "999"})
    assert junk.status_code == 200 and "第 2 / 2 页" in junk.content.decode()


def test_employer_list_search_answers_htmx_with_the_list(org):
    from tests.jobs.conftest import HUAWEI, TENCENT, make_employer

    make_employer(name="恒芯电子", credit_code=HUAWEI, username="hx", verified=False)
    make_employer(name="速达物流", credit_code=TENCENT, username="sd", verified=False)
    whole = org.get("/organizer/employers/").content.decode()
    assert "<html" in whole and whole.count('data-testid="employer-row"') == 2
    part = org.get("/organizer/employers/", {"q": "恒芯"}, HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<div id="list"') and part.count('data-testid="employer-row"') == 1
    assert "tab=verified" in part and "q=%E6%81%92%E8%8A%AF" in part  # tabs keep the search
