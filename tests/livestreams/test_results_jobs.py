"""Applications from the jobs app in session results and the series roll-up (applicants de-duplicated)."""

from datetime import timedelta

from django.utils import timezone

from jobs import services as job_services
from livestreams.live import credentials, results
from livestreams.models import LiveSession
from tests import factories
from tests.jobs.conftest import HUAWEI, TENCENT, feature, make_employer, make_posting
from tests.livestreams.live_helpers import Bridge, ev, make_live_session


def _end(session, minutes=10):
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", ended_at=session.went_live_at + timedelta(minutes=minutes)
    )
    session.refresh_from_db()


def test_applications_in_result_and_series(union, organizer):
    series = factories.make_series(union=union)
    p1 = make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="e1"), title="电子厂普工")
    p2 = make_posting(make_employer(name="速达物流", credit_code=TENCENT, username="e2"), title="快递分拣员")
    first = make_live_session(union, series=series, minutes_ago=20)
    factories.make_segment(session=first, title="恒芯电子宣讲", length=timedelta(minutes=60))
    feature(first, p1, p2)
    bridge = Bridge(first, credentials.credential_issue(session=first, by=organizer))
    body = bridge.post_events(
        [ev(f"j{i}", "join", first, i, viewer=f"m:v{i}") for i in range(4)]
        + [
            ev("c1", "job_card_click", first, 30, viewer="m:v0", posting=str(p1.pk)),
            ev("c2", "job_card_click", first, 31, viewer="m:v1", posting=str(p1.pk)),
        ]
    ).json()
    assert body["accepted"] == 6
    # Live: phone A applies to both jobs, phone B to job 1 → 3 applications by 2 applicants.
    job_services.application_submit(posting=p1, name="张三", phone="13800000001", session=first)
    job_services.application_submit(posting=p2, name="张三", phone="13800000001", session=first)
    job_services.application_submit(posting=p1, name="李四", phone="13800000002", session=first)
    _end(first, minutes=21)
    # After the end: phone C applies from the replay.
    job_services.application_submit(posting=p1, name="王五", phone="13800000003", session=first)

    result = results.result_compute(session_id=first.pk)
    card = result.scorecard

    assert (card["applications"], card["applicants"]) == (4, 3)
    assert card["apply_rate"] == 0.75  # 3 applicants / 4 unique viewers
    assert card["apm"] == 1000.0  # 4 applications × 1000 / 4 views
    jobs = {j["title"]: j for j in result.breakdowns["jobs"]}
    assert (jobs["电子厂普工"]["applications"], jobs["电子厂普工"]["clicks"]) == (3, 2)
    assert jobs["快递分拣员"]["applications"] == 1
    assert result.breakdowns["channels"]["live"]["applications"] == 3
    assert result.breakdowns["channels"]["replay"]["applications"] == 1
    assert result.breakdowns["segments"][0]["applications"] == 3  # the replay one has no segment on air
    assert sum(row["applications"] for row in result.timeline) == 3

    second = make_live_session(union, series=series, minutes_ago=5)
    p3 = make_posting(p1.employer, title="质检员")
    feature(second, p3)
    job_services.application_submit(posting=p3, name="张三", phone="13800000001", session=second)
    job_services.application_submit(posting=p3, name="赵六", phone="13800000004", session=second)
    _end(second, minutes=4)
    results.result_compute(session_id=second.pk)

    roll = results.series_rollup(series=series)

    assert roll["applications"] == 6
    assert roll["applicants"] == 4  # A, B, C, D — A applied in both sessions and counts once
    assert timezone.now() > second.ended_at
