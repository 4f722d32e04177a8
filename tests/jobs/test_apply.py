import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.utils import timezone

from jobs import services
from jobs.models import Application, JobPosting
from livestreams.services import session_end, session_go_live
from tests import factories

pytestmark = pytest.mark.django_db


def _apply(client, **data):
    return client.post("/api/v1/jobs/apply/", data, format="json")


def test_apply_by_code_then_repeat_returns_existing(anon_client, link, posting):
    first = _apply(anon_client, code=link.code, name="张伟", phone="138 0013 8000", note="有叉车证")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["created"] is True
    assert body["phone"] == "138****8000"
    assert body["posting_title"] == "电子厂普工"
    again = _apply(anon_client, code=link.code, name="张伟", phone="+8613800138000")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["created"] is False
    row = Application.objects.get()
    assert (row.phone, row.note, row.channel) == ("13800138000", "有叉车证", "direct")  # before the live


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "phone": "13800138000"}, "name"),
        ({"name": "张" * 51, "phone": "13800138000"}, "name"),
        ({"name": "张伟", "phone": "010-12345678"}, "phone"),
        ({"name": "张伟", "phone": "12345"}, "phone"),
        ({"name": "张伟", "phone": "13800138000", "note": "长" * 201}, "note"),
        ({"name": "张伟", "phone": "13800138000", "status": "hired"}, "status"),
        ({"name": "张伟", "phone": "13800138000", "minute_offset": 3}, "minute_offset"),
    ],
)
def test_apply_bad_input(anon_client, link, data, field):
    response = _apply(anon_client, code=link.code, **data)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert Application.objects.count() == 0


def test_apply_closed_posting_refused(anon_client, link, posting):
    JobPosting.objects.filter(pk=posting.pk).update(status="closed")
    response = _apply(anon_client, code=link.code, name="张伟", phone="13800138000")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "posting_closed"
    assert Application.objects.count() == 0


def test_apply_after_closes_at_refused_even_before_tick(anon_client, posting):
    JobPosting.objects.filter(pk=posting.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = _apply(anon_client, posting=str(posting.pk), name="张伟", phone="13800138000")
    assert response.status_code == 409


def test_apply_direct_and_unknown(anon_client, posting):
    response = _apply(anon_client, posting=str(posting.pk), name="李娜", phone="13912345678")
    assert response.status_code == 201
    assert Application.objects.get().channel == "direct"
    assert _apply(anon_client, code="nope", name="李娜", phone="13912345678").status_code == 404


def test_apply_to_session_without_posting_in_lineup_refused(anon_client, fair, other_posting):
    response = _apply(
        anon_client, posting=str(other_posting.pk), session=str(fair.pk), name="李娜", phone="13912345678"
    )
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


def test_attribution_live_segment_and_minute(anon_client, link, fair, approved, organizer):
    start = fair.starts_at
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        session_go_live(session=fair, by=organizer)
    # Approved segment runs 30–60 minutes into the session; apply at minute 42.
    with time_machine.travel(start + timedelta(minutes=42, seconds=30), tick=False):
        response = _apply(anon_client, code=link.code, name="王芳", phone="15088886666")
    assert response.json()["channel"] == "live"
    row = Application.objects.get()
    assert row.session_id == fair.pk
    assert row.segment_id == approved.segment_id
    assert row.minute_offset == 42
    # Outside any segment: still live, minute recorded, no segment.
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        _apply(anon_client, code=link.code, name="刘洋", phone="18657100001")
    early = Application.objects.get(phone="18657100001")
    assert (early.channel, early.segment_id, early.minute_offset) == ("live", None, 4)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        session_end(session=fair, by=organizer)
        _apply(anon_client, code=link.code, name="赵六", phone="13700001111")
    replay = Application.objects.get(phone="13700001111")
    assert (replay.channel, replay.segment_id, replay.minute_offset) == ("replay", None, None)


def test_rate_limit_per_phone_429_with_retry_after(anon_client, settings, employer, link):
    settings.JOBS_APPLY_LIMIT_PHONE = "2/600"
    from tests.jobs.conftest import make_posting

    postings = [make_posting(employer, title=f"岗位{i}") for i in range(3)]
    codes = []
    for p in postings:
        codes.append(services.shortlink_get_or_create(posting=p, session=None).code)
    assert _apply(anon_client, code=codes[0], name="张伟", phone="13800138000").status_code == 201
    assert _apply(anon_client, code=codes[1], name="张伟", phone="13800138000").status_code == 201
    third = _apply(anon_client, code=codes[2], name="张伟", phone="13800138000")
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(third["Retry-After"]) <= 600
    assert Application.objects.count() == 2
    # A different number from the same IP still gets through.
    assert _apply(anon_client, code=codes[2], name="李娜", phone="13912345678").status_code == 201


def test_rate_limit_per_ip_counts_junk(anon_client, settings, link):
    settings.JOBS_APPLY_LIMIT_IP = "3/60"
    for _ in range(3):
        assert _apply(anon_client, code=link.code, name="", phone="x").status_code == 400
    response = _apply(anon_client, code=link.code, name="张伟", phone="13800138000")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_rate_limit_disabled_by_setting(anon_client, settings, link):
    settings.JOBS_APPLY_LIMIT_IP = "0"
    settings.JOBS_APPLY_LIMIT_PHONE = "0"
    for i in range(15):
        assert _apply(anon_client, code=link.code, name="张伟", phone=f"1380013{8000 + i}").status_code == 201


# --- 20 parallel identical submits ---------------------------------------------------------------


def _naive_submit(*, posting, name, phone):
    """What a check-then-insert implementation does: both threads see no row, then both insert."""
    if not Application.objects.filter(posting=posting, phone=phone).exists():
        time.sleep(0.2)  # widen the race window so the failure shows every time
        return Application.objects.create(posting=posting, name=name, phone=phone, channel="direct"), True
    return Application.objects.get(posting=posting, phone=phone), False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("implementation", ["service", "naive"])
def test_parallel_identical_applies_one_row(implementation):
    from tests.jobs.conftest import HUAWEI, make_employer, make_posting

    employer = make_employer(name="恒芯", credit_code=HUAWEI, username="par_owner")
    posting = make_posting(employer)
    barrier = threading.Barrier(20)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            if implementation == "service":
                results.append(services.application_submit(posting=posting, name="张伟", phone="13800138000"))
            else:
                results.append(_naive_submit(posting=posting, name="张伟", phone="13800138000"))
        except IntegrityError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Application.objects.count() == 1
    if implementation == "service":
        assert errors == []
        assert len({app.pk for app, _ in results}) == 1
        assert sum(created for _, created in results) == 1
    else:
        # Without ON CONFLICT the losers hit the unique constraint: the user would see a 500.
        assert len(errors) >= 1


def test_other_union_session_apply_still_attributed(anon_client, other_union, employer, organizer):
    # A posting featured in two unions' fairs: each link carries its own session.
    session = factories.make_session(union=other_union, status="scheduled")
    from tests.jobs.conftest import feature, make_posting

    posting = make_posting(employer, title="跨区岗位")
    feature(session, posting)
    link = services.shortlink_get_or_create(posting=posting, session=session)
    assert _apply(anon_client, code=link.code, name="张伟", phone="13800138000").status_code == 201
    assert Application.objects.get().session_id == session.pk


def test_link_to_a_session_whose_lineup_lacks_the_posting_is_direct(
    anon_client, fair, approved, link, posting
):
    # The employer was removed from the fair after the link was printed: the fair is not credited.
    from jobs.models import LineupRequest

    LineupRequest.objects.filter(pk=approved.pk).update(status=LineupRequest.Status.REMOVED)

    response = _apply(anon_client, code=link.code, name="张伟", phone="13800138000")

    assert response.status_code == 201 and response.json()["channel"] == "direct"
    row = Application.objects.get()
    assert (row.session_id, row.segment_id, row.channel) == (None, None, "direct")


def test_service_attributes_a_session_only_for_postings_in_its_lineup(fair, approved, posting, other_posting):
    featured, _ = services.application_submit(posting=posting, session=fair, name="张伟", phone="13800138000")
    elsewhere, _ = services.application_submit(
        posting=other_posting, session=fair, name="张伟", phone="13800138000"
    )

    assert (featured.session_id, featured.channel) == (fair.pk, "direct")  # fair not live yet: direct, kept
    assert (elsewhere.session_id, elsewhere.channel) == (None, "direct")
