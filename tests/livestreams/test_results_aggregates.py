"""The result read from folded aggregates equals the result read from every raw event.

Events arrive through the real HTTP ingest in several batches with folds in between (the beat task
while the session is live, then after the end), including late and out-of-order events, a redelivered
batch, a member on two devices, viewers joining and leaving across minutes, a question answered after
it arrived, events from a bridge clock ahead of the server, events in the grace windows before going
live and after the end, clicks, orders and a refund.
"""

from datetime import timedelta

from django.utils import timezone

from livestreams.live import aggregates, credentials, questions, results
from livestreams.live.tasks import live_aggregates_fold
from livestreams.models import LiveEvent, LiveFold, LiveFoldViewer, LiveSession, Product
from tests import factories
from tests.livestreams.live_helpers import Bridge, ev, make_live_session


def _both(session_id) -> tuple:
    raw = results.result_compute(session_id=session_id, source="raw")
    raw_view = (raw.scorecard, raw.breakdowns, raw.timeline)
    timings: dict = {}
    folded = results.result_compute(session_id=session_id, timings=timings)
    return raw_view, (folded.scorecard, folded.breakdowns, folded.timeline), timings["source"]


def _traffic(session, product):
    s = session
    minute = [
        # a: join, heartbeats each minute across minutes 0–3, leave inside minute 3
        ev("a-j", "join", s, 5, viewer="m:a"),
        *[ev(f"a-h{i}", "heartbeat", s, 5 + 60 * i, viewer="m:a") for i in range(1, 4)],
        ev("a-l", "leave", s, 200, viewer="m:a"),
        # b: anonymous device, joins, silent for 7 minutes (the 5-minute timeout closes the piece), back
        ev("b-j", "join", s, 30, viewer="d:b"),
        ev("b-h", "heartbeat", s, 450, viewer="d:b"),
        # c: a member on a phone and a laptop at once
        ev("c-j1", "join", s, 40, viewer="m:c", device_id="phone"),
        ev("c-j2", "join", s, 100, viewer="m:c", device_id="laptop"),
        ev("c-l1", "leave", s, 130, viewer="m:c", device_id="phone"),
        ev("c-h2", "heartbeat", s, 160, viewer="m:c", device_id="laptop"),
        # d: joined in the grace window before going live
        ev("d-j", "join", s, -90, viewer="m:d"),
        ev("d-h", "heartbeat", s, 20, viewer="m:d"),
        # engagement across minutes and segments
        ev("a-like", "like", s, 61, viewer="m:a"),
        ev("b-share", "share", s, 62, viewer="d:b"),
        ev("d-follow", "follow", s, 119, viewer="m:d"),
        ev("a-c", "comment", s, 70, viewer="m:a", text="主播好"),
        ev("d-q", "comment", s, 130, viewer="m:d", text="包住宿吗？", question=True),
        ev("a-p", "product_click", s, 181, viewer="m:a", product=str(product.pk)),
        ev("b-p", "product_click", s, 299, viewer="d:b", product=str(product.pk)),
    ]
    later = [
        # e arrives in a later batch; a's heartbeat at 150 s comes late, after its leave was folded
        ev("e-j", "join", s, 300, viewer="m:e"),
        ev("e-h", "heartbeat", s, 360, viewer="m:e"),
        ev("a-late", "heartbeat", s, 150, viewer="m:a"),
        ev("e-c", "comment", s, 365, viewer="m:e", text="几点结束"),
        # b, folded before without a comment, comments for the first time: a new commenter, not viewer
        ev("b-c", "comment", s, 370, viewer="d:b", text="有链接吗"),
    ]
    return minute, later


def test_result_from_aggregates_equals_the_raw_computation(union, organizer, trainee):
    session = make_live_session(union, minutes_ago=12)
    factories.make_segment(session=session, title="企业宣讲", length=timedelta(minutes=2, seconds=30))
    factories.make_segment(
        session=session,
        title="学员带货",
        offset=timedelta(minutes=2, seconds=30),
        length=timedelta(minutes=4),
        seller=trainee,
    )
    product = Product.objects.create(union=union, seller=trainee, name="高山云雾茶", sku="T-1", price="29.90")
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    first, later = _traffic(session, product)

    assert bridge.post_events(first).json()["accepted"] == len(first)
    assert live_aggregates_fold() == len(first)  # the beat task, while live
    # The same batch again (a bridge retry): all duplicates, nothing folds twice.
    again = bridge.post_events(first).json()
    assert (again["accepted"], again["duplicates"]) == (0, len(first))
    assert live_aggregates_fold() == 0
    assert bridge.post_events(later).json()["accepted"] == len(later)
    # A bridge clock ahead of the server: its event waits (pending) until the session's end is known.
    ahead = (timezone.now() + timedelta(minutes=2)).isoformat()
    assert (
        bridge.post_events([{"id": "f-j", "type": "join", "ts": ahead, "member_id": "f"}]).json()["accepted"]
        == 1
    )
    assert live_aggregates_fold() == len(later)
    assert len(LiveFold.objects.get(session=session).pending) == 1
    question = LiveEvent.objects.get(session=session, event_id="d-q")
    questions.question_answer(session=session, question_id=question.pk, by=organizer)
    for i, (kind, amount) in enumerate([("paid", "19.90"), ("paid", "88.00"), ("refunded", "19.90")]):
        order_id = "O1" if kind == "refunded" else f"O{i + 1}"
        posted = bridge.post_order(
            order_id=order_id,
            amount=amount,
            buyer=f"u{i}",
            status=kind,
            ts=(session.went_live_at + timedelta(minutes=3)).isoformat(),
        )
        assert posted.status_code in (200, 201), posted.content

    LiveSession.objects.filter(pk=session.pk).update(status="ended", ended_at=timezone.now())
    # Late events in the grace window after the end: one before the end (a's late heartbeat at 6 min),
    # one after it (counted in totals, in no timeline minute).
    tail = [
        ev("e-late", "heartbeat", session, 420, viewer="m:e"),
        {
            "id": "g-c",
            "type": "comment",
            "ts": timezone.now().isoformat(),
            "member_id": "g",
            "text": "回放见",
        },
    ]
    assert bridge.post_events(tail).json()["accepted"] == 2

    raw, folded, source = _both(session.pk)

    assert source == "aggregates"
    assert folded == raw
    card = raw[0]
    assert (card["views"], card["unique_viewers"], card["comments"], card["questions_answered"]) == (
        7,
        7,
        5,
        1,
    )
    assert card["commenters"] == 5
    assert card["orders"] == 2 and card["orders_refunded"] == 1
    assert card["total_watch_seconds"] > 0 and card["peak_concurrent"] >= 3
    # The fold kept the few viewers it could not follow (late event, two devices) for the raw path.
    dirty = set(LiveFoldViewer.objects.filter(session=session, dirty=True).values_list("viewer", flat=True))
    assert dirty == {"m:a", "m:c"}


def test_edited_segments_refold_and_still_equal_the_raw_computation(union, organizer):
    session = make_live_session(union, minutes_ago=12)
    factories.make_segment(session=session, title="A", length=timedelta(minutes=3))
    product = Product.objects.create(union=union, name="茶", sku="T-2", price="9.90")
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    first, later = _traffic(session, product)
    assert bridge.post_events(first + later).json()["accepted"] == len(first) + len(later)
    assert aggregates.aggregates_fold(session_id=session.pk) == len(first) + len(later)
    LiveSession.objects.filter(pk=session.pk).update(status="ended", ended_at=timezone.now())
    # The organizer moves the segment after the fold: the per-segment counts must follow.
    factories.make_segment(
        session=session, title="B", offset=timedelta(minutes=3), length=timedelta(minutes=3)
    )
    # Until beat folds again from scratch, the result reads the raw events.
    first_try: dict = {}
    results.result_compute(session_id=session.pk, timings=first_try)
    assert first_try["source"] == "raw"
    assert live_aggregates_fold() == len(first) + len(later)

    raw, folded, source = _both(session.pk)

    assert source == "aggregates"
    assert folded == raw
    assert [row["title"] for row in raw[1]["segments"]] == ["A", "B"]
    assert raw[1]["segments"][1]["views"] == 1  # e joined at 5:00, inside B


def test_fold_that_no_longer_holds_is_read_raw_until_beat_folds_again(union, organizer):
    session = make_live_session(union, minutes_ago=12)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    assert bridge.post_events([ev("x", "join", session, 10, viewer="m:x")]).json()["accepted"] == 1
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", ended_at=session.went_live_at + timedelta(minutes=1)
    )
    # The end was moved before an event the live folds had already taken: start again from scratch.
    LiveFold.objects.create(
        session=session, went_live_at=session.went_live_at, horizon_at=timezone.now(), through_id=1
    )
    first_try: dict = {}
    results.result_compute(session_id=session.pk, timings=first_try)
    assert first_try["source"] == "raw"
    assert live_aggregates_fold() == 1  # beat starts the fold over

    raw, folded, source = _both(session.pk)

    assert source == "aggregates"
    assert folded == raw
    assert raw[0]["total_watch_seconds"] == 50
