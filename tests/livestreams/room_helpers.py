"""A live job fair with a two-segment lineup and one open job per segment (for the live-room tests)."""

from __future__ import annotations

from datetime import timedelta

from jobs.models import LineupRequest
from livestreams.live import credentials
from tests import factories
from tests.jobs.conftest import HUAWEI, TENCENT, make_employer, make_posting
from tests.livestreams.live_helpers import Bridge, make_live_session


def make_fair(union, organizer, host, *, minutes_ago=20):
    session = make_live_session(union, minutes_ago=minutes_ago, hosts=[host], title="春风行动直播带岗")
    first = factories.make_segment(
        session=session, offset=timedelta(0), length=timedelta(minutes=40), title="恒芯电子宣讲"
    )
    second = factories.make_segment(
        session=session, offset=timedelta(minutes=40), length=timedelta(minutes=40), title="速达物流宣讲"
    )
    e1 = make_employer(name="恒芯电子", credit_code=HUAWEI, username="e1")
    e2 = make_employer(name="速达物流", credit_code=TENCENT, username="e2")
    p1 = make_posting(e1, title="电子厂普工")
    p2 = make_posting(e2, title="快递分拣员")
    for employer, segment, posting in ((e1, first, p1), (e2, second, p2)):
        request = LineupRequest.objects.create(
            employer=employer, session=session, status="approved", segment=segment
        )
        request.postings.set([posting])
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    return session, bridge, (first, second), (p1, p2)
