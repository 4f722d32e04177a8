"""The queue's preferred segment (approve into it in one step) and reinstating a suspended request."""

from datetime import timedelta

import pytest
from django.test import Client

from jobs import services as jobs
from jobs.models import LineupRequest
from livestreams import services as ls
from livestreams.models import Segment
from tests.jobs.conftest import make_posting
from tests.organizer.conftest import request_slot
from tests.organizer.test_postpone import _deliver_all, _invites

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_client):
    return org_client


def _suspend_and_verify_again(employer, organizer):
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")
    jobs.employer_verify(employer=employer, by=organizer, verified=True)


# --- Preferred segment ------------------------------------------------------------------------------


def _free_segment(fair, organizer, minutes, title):
    start = fair.starts_at + timedelta(minutes=minutes)
    return ls.segment_create(
        session=fair, by=organizer, title=title, starts_at=start, ends_at=start + timedelta(minutes=20)
    )


def _prefer(fair, employer, segment):
    return jobs.lineup_request_submit(
        employer=employer,
        by=employer.memberships.get().user,
        session=fair,
        postings=[make_posting(employer)],
        preferred_segment=segment,
    )


def test_queue_shows_preferred_segment_and_approves_into_it_in_one_step(
    org, fair, organizer, employer, other_employer
):
    wanted = _free_segment(fair, organizer, 0, "企业宣讲一")
    first = _prefer(fair, employer, wanted)
    second = _prefer(fair, other_employer, wanted)
    page = org.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    assert page.count('data-testid="preferred-free"') == 2 and "企业宣讲一" in page

    p = f"a{first.pk.hex[:8]}"
    response = org.post(f"/organizer/requests/{first.pk}/approve/", {f"{p}-segment": wanted.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "approved" and first.segment_id == wanted.pk

    # The second employer wanted the same segment: the page says it is taken, by whom, and offers no
    # one-step button for it.
    page = org.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    assert 'data-testid="preferred-taken"' in page and "已被占用：恒芯电子" in page
    assert 'data-testid="approve-preferred"' not in page
    # A stale page posting the taken segment anyway: the conflict is answered on the field, nothing moves.
    p = f"a{second.pk.hex[:8]}"
    response = org.post(f"/organizer/requests/{second.pk}/approve/", {f"{p}-segment": wanted.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-segment"' in body and "该时段已分配" in body
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == "requested" and second.segment_id is None and first.segment_id == wanted.pk


def test_queue_decisions_answer_htmx_with_the_queue_fragment(org, fair, organizer, employer, other_employer):
    wanted = _free_segment(fair, organizer, 0, "企业宣讲一")
    req = _prefer(fair, employer, wanted)
    p = f"a{req.pk.hex[:8]}"
    response = org.post(
        f"/organizer/requests/{req.pk}/approve/", {f"{p}-segment": wanted.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="queue"')
    assert "已批准 恒芯电子" in body and 'data-testid="approved"' in body
    # Bad input through htmx: 400 with the field message in the fragment.
    other = request_slot(fair, other_employer)
    d = f"d{other.pk.hex[:8]}"
    bad = org.post(f"/organizer/requests/{other.pk}/decline/", {f"{d}-reason": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and 'data-testid="error-reason"' in bad.content.decode()
    other.refresh_from_db()
    assert other.status == "requested"


# --- Reinstating --------------------------------------------------------------------------------------


def test_reinstate_puts_the_segment_back_and_sends_an_update_with_the_same_uid(
    smtp_server, org, client, fair, lineup, organizer, employer
):
    _, (request, _other) = lineup
    owner = employer.memberships.get().user
    old_segment = request.segment
    _deliver_all()
    _suspend_and_verify_again(employer, organizer)
    # The fair moved by a day meanwhile: the segment comes back at the same place in the lineup.
    ls.session_postpone(session=fair, by=organizer, delta=timedelta(days=1))
    _deliver_all()
    request.refresh_from_db()
    assert request.status == "suspended"

    confirm = org.get(f"/organizer/requests/{request.pk}/reinstate/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert 'data-testid="plan-free"' in body and owner.email in body
    assert not Segment.objects.filter(pk=old_segment.pk).exists()  # a GET changes nothing

    response = org.post(f"/organizer/requests/{request.pk}/reinstate/", follow=True)
    assert "已恢复到原环节" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "approved" and request.segment_id == old_segment.pk
    assert request.segment.starts_at == old_segment.starts_at + timedelta(days=1)
    assert request.segment.title == old_segment.title
    data = client.get(f"/api/v1/jobs/public/sessions/{fair.pk}/lineup/").json()
    assert "恒芯电子" in [row["employer"]["name"] for row in data["lineup"]]

    _deliver_all()
    sent = _invites(smtp_server, owner.email)
    assert [m for m, *_ in sent] == ["REQUEST", "CANCEL", "REQUEST"]
    (_, uid, seq0, start0), (_, uid1, seq1, _), (_, uid2, seq2, start2) = sent
    assert uid == uid1 == uid2  # the same calendar entry, never a new one
    assert seq2 == seq1 + 1 > seq0
    assert start2 == start0 + timedelta(days=1)


def test_reinstate_when_the_time_was_given_away_returns_to_the_queue(
    smtp_server, org, fair, lineup, organizer, employer
):
    _, (request, _other) = lineup
    owner = employer.memberships.get().user
    start, end = request.segment.starts_at, request.segment.ends_at
    _suspend_and_verify_again(employer, organizer)
    ls.segment_create(session=fair, by=organizer, title="临时加场", starts_at=start, ends_at=end)
    _deliver_all()
    before = _invites(smtp_server, owner.email)

    body = org.get(f"/organizer/requests/{request.pk}/reinstate/").content.decode()
    assert 'data-testid="plan-taken"' in body and "临时加场" in body
    response = org.post(f"/organizer/requests/{request.pk}/reinstate/", follow=True)
    assert "申请已回到待处理队列" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "requested" and request.segment_id is None
    _deliver_all()
    assert _invites(smtp_server, owner.email) == before  # nothing to put in a calendar yet


def test_reinstate_refused_while_unverified_and_for_other_states(org, fair, lineup, organizer, employer):
    _, (request, other) = lineup
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")
    body = org.get(f"/organizer/requests/{request.pk}/reinstate/").content.decode()
    assert 'data-testid="not-allowed"' in body
    response = org.post(f"/organizer/requests/{request.pk}/reinstate/", follow=True)
    assert "企业还没有重新通过认证" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "suspended"
    # An approved request is not "reinstated".
    response = org.post(f"/organizer/requests/{other.pk}/reinstate/", follow=True)
    assert "只有已暂停的申请可以恢复" in response.content.decode()
    other.refresh_from_db()
    assert other.status == "approved"


def test_reinstate_is_scoped_to_the_union_and_the_role(
    fair, lineup, organizer, employer, employer_user, other_organizer, host, other_organizer_client
):
    _, (request, _other) = lineup
    _suspend_and_verify_again(employer, organizer)
    url = f"/organizer/requests/{request.pk}/reinstate/"
    other = Client()
    other.force_login(other_organizer)
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    for user in (employer_user, host):
        c = Client()
        c.force_login(user)
        assert c.post(url).status_code == 403
    assert Client().post(url).status_code == 403
    api = other_organizer_client.post(f"/api/v1/jobs/lineup-requests/{request.pk}/reinstate/")
    assert api.status_code == 404
    request.refresh_from_db()
    assert request.status == "suspended" and LineupRequest.objects.filter(segment__isnull=False).count() == 1


def test_reinstate_through_the_api(organizer_client, fair, lineup, organizer, employer):
    _, (request, _other) = lineup
    _suspend_and_verify_again(employer, organizer)
    response = organizer_client.post(f"/api/v1/jobs/lineup-requests/{request.pk}/reinstate/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = organizer_client.post(f"/api/v1/jobs/lineup-requests/{request.pk}/reinstate/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"


def test_approve_with_a_segment_of_another_fair_is_a_field_error(org, fair, organizer, employer, union):
    from tests import factories

    elsewhere = factories.make_segment(session=factories.make_session(union=union, title="另一场"))
    req = request_slot(fair, employer)
    p = f"a{req.pk.hex[:8]}"
    response = org.post(f"/organizer/requests/{req.pk}/approve/", {f"{p}-segment": elsewhere.pk})
    assert response.status_code == 400 and 'data-testid="error-segment"' in response.content.decode()
    response = org.post(f"/organizer/requests/{req.pk}/approve/", {f"{p}-segment": "not-a-uuid"})
    assert response.status_code == 400 and 'data-testid="error-segment"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == "requested" and req.segment_id is None
    assert not LineupRequest.objects.filter(segment=elsewhere).exists()
