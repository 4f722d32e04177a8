"""The slot-request queue per fair and the employer queue, as pages."""

from datetime import timedelta

import pytest

from core.models import Activity
from jobs.models import Employer, LineupRequest
from tests.organizer.conftest import request_slot
from tests.organizer.test_session_pages import _local

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(client, organizer):
    client.force_login(organizer)
    return client


def _prefix(obj, letter):
    return f"{letter}{obj.pk.hex[:8]}"


def test_queue_approve_into_existing_and_new_segment_decline_and_remove(
    org, fair, organizer, employer, other_employer, new_employer
):
    from livestreams import services as ls

    free = ls.segment_create(
        session=fair,
        by=organizer,
        title="企业宣讲一",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=30),
    )
    first = request_slot(fair, employer)
    second = request_slot(fair, other_employer)
    third = request_slot(fair, new_employer)
    page = org.get(f"/organizer/fairs/{fair.pk}/requests/").content.decode()
    assert page.count('data-testid="request"') == 3 and "未认证" in page and new_employer.credit_code in page

    p = _prefix(first, "a")
    assert org.post(f"/organizer/requests/{first.pk}/approve/", {f"{p}-segment": free.pk}).status_code == 302
    first.refresh_from_db()
    assert first.status == "approved" and first.segment_id == free.pk

    p = _prefix(second, "a")
    # No segment and no times: inline errors, nothing stored.
    bad = org.post(f"/organizer/requests/{second.pk}/approve/", {f"{p}-segment": ""})
    assert bad.status_code == 400 and "请填写新环节的时间" in bad.content.decode()
    second.refresh_from_db()
    assert second.status == "requested"
    response = org.post(
        f"/organizer/requests/{second.pk}/approve/",
        {
            f"{p}-title": "速达物流 · 分拣员",
            f"{p}-starts_at": _local(fair.starts_at + timedelta(minutes=40)),
            f"{p}-ends_at": _local(fair.starts_at + timedelta(minutes=60)),
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "approved" and second.segment.title == "速达物流 · 分拣员"

    # An unverified employer cannot be approved: the page says why, nothing changes.
    p = _prefix(third, "a")
    response = org.post(
        f"/organizer/requests/{third.pk}/approve/",
        {
            f"{p}-starts_at": _local(fair.starts_at + timedelta(minutes=70)),
            f"{p}-ends_at": _local(fair.starts_at + timedelta(minutes=80)),
        },
        follow=True,
    )
    assert "企业尚未通过认证" in response.content.decode()
    third.refresh_from_db()
    assert third.status == "requested"
    p = _prefix(third, "d")
    assert org.post(f"/organizer/requests/{third.pk}/decline/", {f"{p}-reason": ""}).status_code == 400
    org.post(f"/organizer/requests/{third.pk}/decline/", {f"{p}-reason": "请先完成认证"})
    third.refresh_from_db()
    assert third.status == "declined" and third.reason == "请先完成认证"

    p = _prefix(second, "r")
    org.post(f"/organizer/requests/{second.pk}/remove/", {f"{p}-reason": "企业临时退出"})
    second.refresh_from_db()
    assert second.status == "removed"
    home = org.get("/organizer/").content.decode()
    assert "小米之家" in home  # awaiting verification


def test_employer_queue_verify_and_unverify_with_reason(org, fair, lineup, employer, new_employer, client):
    page = org.get("/organizer/employers/").content.decode()
    assert "小米之家" in page and new_employer.credit_code in page and "恒芯电子" not in page
    org.post(f"/organizer/employers/{new_employer.pk}/verify/", {"verified": "true"})
    new_employer.refresh_from_db()
    assert new_employer.verified

    verified = org.get("/organizer/employers/?tab=verified").content.decode()
    assert "恒芯电子" in verified
    p = _prefix(employer, "u")
    response = org.post(
        f"/organizer/employers/{employer.pk}/verify/", {"verified": "false", f"{p}-reason": ""}, follow=True
    )
    assert "撤销认证需要填写原因" in response.content.decode()
    employer.refresh_from_db()
    assert employer.verified
    org.post(f"/organizer/employers/{employer.pk}/verify/", {"verified": "false", f"{p}-reason": "执照过期"})
    employer.refresh_from_db()
    assert not employer.verified
    assert LineupRequest.objects.get(employer=employer).status == "suspended"


@pytest.mark.parametrize("who", ["other_organizer", "host", "trainee", "employer", "anonymous"])
def test_outsiders_cannot_use_the_queues(
    client, fair, lineup, employer, new_employer, other_organizer, host, trainee, who
):
    _, (approved, _other) = lineup
    pending = request_slot(fair, new_employer)
    users = {
        "other_organizer": other_organizer,
        "host": host,
        "trainee": trainee,
        "employer": employer.memberships.get().user,
    }
    if who != "anonymous":
        client.force_login(users[who])
    before = Activity.objects.count()
    for method, url, data in [
        ("get", f"/organizer/fairs/{fair.pk}/requests/", {}),
        ("post", f"/organizer/requests/{pending.pk}/approve/", {}),
        ("post", f"/organizer/requests/{pending.pk}/decline/", {f"{_prefix(pending, 'd')}-reason": "x"}),
        ("post", f"/organizer/requests/{approved.pk}/remove/", {f"{_prefix(approved, 'r')}-reason": "x"}),
        (
            "post",
            f"/organizer/employers/{employer.pk}/verify/",
            {"verified": "false", f"{_prefix(employer, 'u')}-reason": "x"},
        ),
        ("get", "/organizer/employers/", {}),
        ("get", "/organizer/requests/", {}),
    ]:
        response = getattr(client, method)(url, data)
        if who == "anonymous" and method == "get":
            assert response.status_code == 302
        elif who == "other_organizer" and url in ("/organizer/employers/", "/organizer/requests/"):
            html = response.content.decode()
            assert response.status_code == 200 and "恒芯电子" not in html and fair.title not in html
        else:
            assert response.status_code in (403, 404), (who, url, response.status_code)
    assert Activity.objects.count() == before
    employer.refresh_from_db()
    assert employer.verified
    assert LineupRequest.objects.get(pk=pending.pk).status == "requested"
    assert LineupRequest.objects.get(pk=approved.pk).status == "approved"
    assert Employer.objects.count() == 3


def test_employer_list_query_count_does_not_grow_with_rows(org, fair, django_assert_max_num_queries):
    from tests.jobs.conftest import make_employer

    codes = ["91330100716105852F", "91110108551385082Q"]
    for i, code in enumerate(codes):
        request_slot(fair, make_employer(name=f"企业{i}", credit_code=code, username=f"e{i}"))
    with django_assert_max_num_queries(15) as few:
        org.get("/organizer/employers/?tab=all")
    request_slot(fair, make_employer(name="企业9", credit_code="914403001922038216", username="e9"))
    request_slot(fair, make_employer(name="企业8", credit_code="9144030071526726XG", username="e8"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = org.get("/organizer/employers/?tab=all").content.decode()
    assert html.count('data-testid="employer-row"') == 4
