"""Un-verifying an employer suspends it from fairs not yet ended; verification is scoped by union."""

from datetime import timedelta

import pytest

from core.errors import ApplicationError
from core.models import OutboxMessage
from jobs import services as jobs
from jobs.models import LineupRequest
from tests import factories
from tests.invites.helpers import events, parse_both
from tests.organizer.conftest import request_slot

pytestmark = pytest.mark.django_db


def _methods(address):
    out = []
    for message in OutboxMessage.objects.filter(recipient=address, key__startswith="invite:").order_by("id"):
        cal, _ = parse_both(message.payload["alternatives"][0]["content"])
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"])))
    return out


def test_unverify_suspends_from_lineup_cancels_invites_and_tells_why(
    client, fair, lineup, organizer, employer, other_employer
):
    _, (request, other_request) = lineup
    owner = employer.memberships.get().user
    segment_id = request.segment_id
    (first,) = _methods(owner.email)

    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")

    request.refresh_from_db()
    assert request.status == "suspended" and request.reason == "营业执照已过期"
    assert not fair.segments.filter(pk=segment_id).exists()
    # One email per change: no separate CANCEL invite; the notice that says why carries it.
    assert _methods(owner.email) == [first]
    told = OutboxMessage.objects.filter(key__startswith=f"jobs:unverified:{employer.pk}:")
    assert {m.recipient for m in told} == {owner.email, employer.contact_email}
    assert all("营业执照已过期" in m.payload["text"] and fair.title in m.payload["text"] for m in told)
    for message in told:
        (attachment,) = message.payload["attachments"]
        cal, _ = parse_both(attachment["content"])
        (event,) = events(cal)
        assert (str(cal["METHOD"]), str(event["UID"])) == ("CANCEL", first[1])
    # Gone from the public lineup API and page; the other employer stays.
    data = client.get(f"/api/v1/jobs/public/sessions/{fair.pk}/lineup/").json()
    assert [row["employer"]["name"] for row in data["lineup"]] == ["速达物流"]
    page = client.get(f"/s/{fair.pk}/").content.decode()
    assert "恒芯电子" not in page and "速达物流" in page

    # Verifying again does not silently put it back.
    jobs.employer_verify(employer=employer, by=organizer, verified=True)
    request.refresh_from_db()
    assert request.status == "suspended"
    data = client.get(f"/api/v1/jobs/public/sessions/{fair.pk}/lineup/").json()
    assert [row["employer"]["name"] for row in data["lineup"]] == ["速达物流"]


def test_unverify_needs_a_reason_and_changes_nothing_without(fair, lineup, organizer, employer):
    with pytest.raises(ApplicationError) as exc:
        jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="  ")
    assert "reason" in exc.value.fields
    employer.refresh_from_db()
    assert employer.verified
    assert LineupRequest.objects.filter(employer=employer, status="approved").count() == 1


def test_other_union_cannot_verify_or_unverify_an_employer_of_our_fairs(
    fair, lineup, employer, other_organizer, other_organizer_client
):
    with pytest.raises(ApplicationError) as exc:
        jobs.employer_verify(employer=employer, by=other_organizer, verified=False, reason="x")
    assert exc.value.status_code == 403
    response = other_organizer_client.post(
        f"/api/v1/jobs/employers/{employer.pk}/verify/", {"verified": False, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    employer.refresh_from_db()
    assert employer.verified
    assert LineupRequest.objects.get(employer=employer).status == "approved"


def test_employer_in_two_unions_fairs_is_decided_by_platform_staff(
    fair, lineup, employer, organizer, other_union, other_organizer
):
    other_fair = factories.make_session(union=other_union, status="scheduled", starts_in=timedelta(days=4))
    request_slot(other_fair, employer, title="仓库管理员")
    assert not jobs.can_verify_employer(organizer, employer)
    assert not jobs.can_verify_employer(other_organizer, employer)
    staff = factories.make_user(username="staff", is_superuser=True, is_staff=True)
    assert jobs.can_verify_employer(staff, employer)


def test_new_signup_can_be_verified_by_an_organizer(new_employer, organizer):
    assert jobs.can_verify_employer(organizer, new_employer)
    jobs.employer_verify(employer=new_employer, by=organizer, verified=True)
    new_employer.refresh_from_db()
    assert new_employer.verified and new_employer.verified_by == organizer


def test_public_series_are_listed_anonymously_as_the_docs_say(anon_client, union, other_union):
    public = factories.make_series(union=union, title="公开系列")
    hidden = factories.make_series(union=other_union, title="内部系列")
    hidden.is_public = False
    hidden.save()
    response = anon_client.get("/api/v1/series/")
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["results"]]
    assert titles == ["公开系列"]
    assert anon_client.get(f"/api/v1/series/{hidden.pk}/").status_code == 404
    assert anon_client.get(f"/api/v1/series/{public.pk}/").status_code == 200
    assert anon_client.post("/api/v1/series/", {"title": "x"}, format="json").status_code in (401, 403)


def test_preferred_segment_deleted_by_a_suspension_reads_as_cancelled(
    client, fair, organizer, employer, other_employer
):
    from livestreams import services as ls
    from tests.jobs.factories import make_posting

    wanted = ls.segment_create(
        session=fair,
        by=organizer,
        title="企业宣讲一",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=30),
    )
    waiting = jobs.lineup_request_submit(
        employer=other_employer,
        by=other_employer.memberships.get().user,
        session=fair,
        postings=[make_posting(other_employer)],
        preferred_segment=wanted,
    )
    jobs.lineup_approve(request=request_slot(fair, employer), by=organizer, segment=wanted)
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")

    waiting.refresh_from_db()
    assert waiting.preferred_segment_id is None and waiting.preferred_segment_title == "企业宣讲一"
    client.force_login(organizer)
    page = client.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    card = page.split(f'id="request-{waiting.pk}"')[1].split("</article>")[0]
    assert 'data-testid="preferred-gone">原时段已取消<' in card and "企业宣讲一" in card
    assert "未指定" not in card
