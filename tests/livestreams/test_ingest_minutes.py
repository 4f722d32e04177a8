"""Ingest compares and buckets an event's time as ``ts.timestamp()`` (a float), not as an aware datetime:
these tests pin that it is exact to the microsecond, at the window's edges and at minute boundaries, in
any time zone, and that the live per-minute counters agree with a rebuild from PostgreSQL's arithmetic."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone

from livestreams.live import counters, credentials
from livestreams.models import LiveSession
from tests.livestreams.live_helpers import Bridge, make_live_session

US = timedelta(microseconds=1)
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]


def test_minute_at_is_minute_of_to_the_microsecond_in_every_zone():
    checked = 0
    for fraction in range(0, 1_000_000, 4_999):  # live times with 201 different fractions of a second
        live = datetime(2026, 12, 7, 2, 0, 0, fraction, tzinfo=UTC)
        live_us = counters.epoch_us(live)
        for zone in ZONES:
            for minute in [0, 1, 59, 600, 10_000]:
                boundary = live + timedelta(minutes=minute)
                for offset in (-500 * US, -US, timedelta(0), US):
                    ts = (boundary + offset).astimezone(zone)
                    assert counters.minute_at(ts.timestamp(), live_us) == counters.minute_of(ts, live), ts
                    checked += 1
    assert checked == 201 * len(ZONES) * 5 * 4
    # a minute's last microsecond is the minute before, its first the minute itself; before live: 0
    live = datetime(2026, 12, 7, 2, 0, 0, 123457, tzinfo=UTC)
    last = (live + timedelta(minutes=3) - US).astimezone(ZONES[1])
    assert counters.minute_at(last.timestamp(), counters.epoch_us(live)) == 2
    assert counters.minute_at((last + US).timestamp(), counters.epoch_us(live)) == 3
    assert counters.minute_at((live - timedelta(minutes=4)).timestamp(), counters.epoch_us(live)) == 0
    assert counters.minute_at(live.timestamp(), counters.epoch_us(None)) == 0


@pytest.mark.django_db(transaction=True)
def test_live_per_minute_counts_match_a_rebuild_at_minute_boundaries(union, host, organizer):
    session = make_live_session(union, minutes_ago=30, hosts=[host])
    live = session.went_live_at + timedelta(microseconds=654321)  # a live time with a fraction of a second
    LiveSession.objects.filter(pk=session.pk).update(went_live_at=live)
    session.refresh_from_db()
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    events = []
    for minute in (1, 2, 7):
        for name, offset in (("before", -US), ("on", timedelta(0)), ("after", US)):
            ts = (live + timedelta(minutes=minute) + offset).astimezone(ZONES[1])
            events.append({"id": f"{name}{minute}", "type": "join", "ts": ts.isoformat(), "member_id": name})
    # 40 events: the batch goes in by COPY, as the bridge's batches do
    events += [
        {"id": f"c{i}", "type": "comment", "ts": (live + timedelta(minutes=9, seconds=i)).isoformat(),
         "member_id": f"c{i}", "text": "包吃住吗？", "question": False}
        for i in range(40)
    ]  # fmt: skip

    body = bridge.post_events(events).json()
    key = counters.prefix(session.pk) + "m"
    live_minutes = {k.decode(): int(v) for k, v in counters.client().hgetall(key).items() if b":x" not in k}
    counters.rebuild(session.pk)
    rebuilt = {k.decode(): int(v) for k, v in counters.client().hgetall(key).items() if b":x" not in k}

    assert body["accepted"] == 49, body
    # each boundary: the microsecond before is the previous minute, the boundary and after are the minute
    assert live_minutes == {
        "0:v": 1, "1:v": 3, "2:v": 2, "6:v": 1, "7:v": 2, "9:comment": 40,
    }  # fmt: skip
    assert rebuilt == live_minutes  # PostgreSQL's floor(extract(epoch …) / 60) says the same


@pytest.mark.django_db(transaction=True)
def test_window_edges_are_exact_to_the_microsecond(union, host, organizer):
    session = make_live_session(union, minutes_ago=60, hosts=[host])
    live = session.went_live_at + timedelta(microseconds=250001)
    ended = dj_timezone.now().replace(microsecond=777777) - timedelta(minutes=7)
    LiveSession.objects.filter(pk=session.pk).update(went_live_at=live, status="ended", ended_at=ended)
    session.refresh_from_db()
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    earliest = live - timedelta(minutes=5)  # GRACE_BEFORE_LIVE
    latest = ended + timedelta(minutes=10)  # GRACE_AFTER_END, before now + the allowed clock skew
    cases = {
        "first": earliest,
        "too-early": earliest - US,
        "last": latest,
        "too-late": latest + US,
    }
    events = [
        {"id": name, "type": "like", "ts": ts.astimezone(ZONES[2]).isoformat(), "member_id": "m"}
        for name, ts in cases.items()
    ]

    results = bridge.post_events(events).json()["results"]

    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "rejected"]
    assert [r.get("reason") for r in results[1::2]] == ["ts_out_of_range", "ts_out_of_range"]
