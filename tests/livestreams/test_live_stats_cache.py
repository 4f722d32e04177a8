"""The live stats poll's per-process memory (livestreams/live/stats.py): a repeat within the window is
answered without PostgreSQL, scoping stays exact, figures are fresh after the window, Redis down still
answers "degraded"."""

from __future__ import annotations

import time_machine
from django.test import Client
from django.utils import timezone

from livestreams.live import counters
from tests.livestreams.live_helpers import ev, live_stats

WINDOW = 1.0


def _joins(bridge, first, n):
    return bridge.post_events(
        [ev(f"j{i}", "join", bridge.session, 10 + i, viewer=f"m:v{i}") for i in range(first, first + n)]
    )


def test_repeat_within_window_reads_nothing_and_later_reads_fresh(
    bridge, organizer_client, settings, django_assert_num_queries
):
    settings.LIVE_STATS_CACHE_SECONDS = WINDOW
    session = bridge.session
    _joins(bridge, 0, 2)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = live_stats(organizer_client, session)
        _joins(bridge, 2, 3)
        with django_assert_num_queries(0):
            again = organizer_client.get(f"/api/v1/sessions/{session.pk}/live/")
        clock.shift(WINDOW + 0.1)
        later = live_stats(organizer_client, session)

    assert first["views"] == 2 and first["counters"] == "ok"
    assert again.status_code == 200 and again["X-Live-Stats-Cache"] == "hit"
    assert again.json() == first  # the same answer, as_of included: it says how old the figures are
    assert later["views"] == 5 and later["unique_viewers"] == 5
    assert later["as_of"] > first["as_of"]


def test_another_union_still_gets_404_after_an_allowed_poll(
    bridge, organizer_client, other_organizer_client, client_for, trainee, settings
):
    settings.LIVE_STATS_CACHE_SECONDS = WINDOW
    session = bridge.session
    _joins(bridge, 0, 2)
    url = f"/api/v1/sessions/{session.pk}/live/"
    with time_machine.travel(timezone.now(), tick=False):
        assert live_stats(organizer_client, session)["views"] == 2
        outsider = [other_organizer_client.get(url), other_organizer_client.get(url)]
        stranger = client_for(trainee).get(url)
        anonymous = Client().get(url)
        bad_token = Client().get(url, HTTP_AUTHORIZATION="Token not-a-token")

    assert [r.status_code for r in outsider] == [404, 404]
    assert stranger.status_code == 404
    assert anonymous.status_code in (401, 403) and bad_token.status_code in (401, 403)
    assert not any(r.has_header("X-Live-Stats-Cache") for r in [*outsider, stranger, anonymous, bad_token])


def test_signed_in_host_is_served_from_memory_and_a_signed_in_outsider_is_not(
    bridge, host, other_organizer, settings
):
    settings.LIVE_STATS_CACHE_SECONDS = WINDOW
    session = bridge.session
    _joins(bridge, 0, 1)
    url = f"/api/v1/sessions/{session.pk}/live/"
    host_browser, outsider_browser = Client(), Client()
    host_browser.force_login(host)
    outsider_browser.force_login(other_organizer)
    with time_machine.travel(timezone.now(), tick=False):
        first, second = host_browser.get(url), host_browser.get(url)
        outsider = [outsider_browser.get(url), outsider_browser.get(url)]

    assert first.status_code == 200 and first.json()["views"] == 1
    assert second["X-Live-Stats-Cache"] == "hit" and second.json() == first.json()
    assert [r.status_code for r in outsider] == [404, 404]


def test_redis_down_answers_degraded_with_the_cache_on(bridge, organizer_client, settings, monkeypatch):
    settings.LIVE_STATS_CACHE_SECONDS = WINDOW
    session = bridge.session
    _joins(bridge, 0, 2)
    broken = counters.redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(counters, "client", lambda: broken)

    stats = live_stats(organizer_client, session)

    assert stats["counters"] == "degraded" and stats["status"] == "live"
    assert "views" not in stats  # no zeros pretending to be figures


def test_a_deleted_token_stops_working_when_the_window_ends(bridge, organizer, organizer_client, settings):
    from rest_framework.authtoken.models import Token

    settings.LIVE_STATS_CACHE_SECONDS = WINDOW
    session = bridge.session
    url = f"/api/v1/sessions/{session.pk}/live/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert organizer_client.get(url).status_code == 200
        Token.objects.filter(user=organizer).delete()
        within = organizer_client.get(url)
        clock.shift(WINDOW + 0.1)
        after = organizer_client.get(url)

    assert within.status_code == 200 and within["X-Live-Stats-Cache"] == "hit"  # the documented ≤ 1 s
    assert after.status_code == 401 and not after.has_header("X-Live-Stats-Cache")
