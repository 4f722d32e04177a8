"""The demo simulator applies only to jobs in the session's own lineup, credited to it minute by minute."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from jobs.models import Application
from livestreams.models import LiveSession
from tests import factories
from tests.jobs.conftest import feature, make_posting

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_simulator_applies_to_the_sessions_own_lineup(live_server, union, employer, other_employer):
    session = factories.make_session(
        union=union, status=LiveSession.Status.SCHEDULED, starts_in=timedelta(minutes=-10)
    )
    featured = make_posting(employer, title="电子厂普工")
    elsewhere = make_posting(other_employer, title="快递分拣员")  # in the database, not in this fair
    feature(session, featured)

    call_command(
        "simulate_live",
        str(session.pk),
        "--base-url",
        live_server.url,
        "--viewers",
        "200",
        "--minutes",
        "3",
        "--backfill",
        "--no-progress",
        stdout=io.StringIO(),
    )

    rows = list(Application.objects.values_list("posting_id", "session_id", "channel"))
    assert len(rows) == 8  # 4 % of 200 viewers
    assert {posting for posting, _, _ in rows} == {featured.pk}
    assert all(s == session.pk and channel == "live" for _, s, channel in rows)
    assert not Application.objects.filter(posting=elsewhere).exists()
    # Applicants come in over the broadcast (after their job-card clicks), not all at its last minute.
    minutes = list(Application.objects.values_list("minute_offset", flat=True))
    assert len(set(minutes)) >= 2 and min(minutes) < 2, minutes
