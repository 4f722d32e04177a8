import json
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from livestreams.live import counters, credentials, ingest
from livestreams.models import LiveEvent, LiveSession, Product
from tests import factories
from tests.livestreams.live_helpers import Bridge, ev, live_stats, make_live_session


def _batch(session, n=50, prefix="e"):
    events = []
    for i in range(n):
        viewer = f"m:v{i % 10}"
        kind = "join" if i < 10 else ("comment" if i % 7 == 0 else "heartbeat")
        extra = {"text": "有五险一金吗？", "question": i % 2 == 0} if kind == "comment" else {}
        events.append(ev(f"{prefix}{i}", kind, session, 10 + i, viewer=viewer, **extra))
    return events


def test_batch_accepted_and_replay_three_times_counts_once(bridge, live_session, organizer_client):
    events = _batch(live_session)

    first = bridge.post_events(events)
    replays = [bridge.post_events(events) for _ in range(3)]

    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (50, 0, 0)
    assert body["counters"] == "ok"
    assert body["results"][0] == {"status": "accepted"}
    for replay in replays:
        assert replay.status_code == 200
        assert (replay.json()["accepted"], replay.json()["duplicates"]) == (0, 50)
    assert LiveEvent.objects.filter(session=live_session).count() == 50
    stats = live_stats(organizer_client, live_session)
    assert stats["views"] == 10
    assert stats["unique_viewers"] == 10
    comments = sum(1 for e in events if e["type"] == "comment")
    assert stats["comments"] == comments
    assert stats["current_viewers"] == 10


def test_event_id_reused_with_other_body_is_422_and_batch_not_stored(bridge, live_session):
    bridge.post_events([ev("x1", "join", live_session, 5)])

    response = bridge.post_events(
        [ev("x2", "join", live_session, 6, viewer="m:b"), ev("x1", "like", live_session, 5)]
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "event_id_conflict"
    assert "1" in error["fields"]["events"]
    assert not LiveEvent.objects.filter(session=live_session, event_id="x2").exists()
    assert LiveEvent.objects.get(session=live_session, event_id="x1").kind == "join"


def test_large_batch_partly_redelivered_stores_only_the_new_events(bridge, live_session, organizer_client):
    # ≥ COPY_MIN_ROWS: the COPY meets a stored id, gives way to the INSERT, and nothing is stored twice.
    first = _batch(live_session, n=40)
    assert bridge.post_events(first).json()["accepted"] == 40

    more = [ev(f"n{i}", "like", live_session, 60 + i, viewer=f"m:w{i}") for i in range(ingest.COPY_MIN_ROWS)]
    response = bridge.post_events(first[20:] + more)

    body = response.json()
    assert response.status_code == 200, body
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (len(more), 20, 0)
    assert body["results"][0] == {"status": "duplicate"}
    assert body["results"][20] == {"status": "accepted"}
    assert LiveEvent.objects.filter(session=live_session).count() == 40 + len(more)
    assert live_stats(organizer_client, live_session)["likes"] == len(more)


def test_large_batch_reusing_a_stored_id_with_another_body_stores_nothing(bridge, live_session):
    bridge.post_events([ev("x1", "join", live_session, 5)])
    batch = [ev(f"y{i}", "like", live_session, 6, viewer=f"m:y{i}") for i in range(ingest.COPY_MIN_ROWS)]

    response = bridge.post_events([*batch, ev("x1", "like", live_session, 5)])

    assert response.status_code == 422
    assert str(len(batch)) in response.json()["error"]["fields"]["events"]
    assert LiveEvent.objects.filter(session=live_session).count() == 1


def test_large_new_batch_is_stored_with_every_field(bridge, live_session):
    events = _batch(live_session, n=ingest.COPY_MIN_ROWS + 8)

    assert bridge.post_events(events).json()["accepted"] == len(events)

    stored = LiveEvent.objects.get(session=live_session, event_id="e14")
    assert (stored.kind, stored.viewer, stored.is_question, stored.text) == (
        "comment",
        "m:v4",
        True,
        "有五险一金吗？",
    )
    assert stored.ts == datetime.fromisoformat(events[14]["ts"])
    assert stored.body_hash == ingest.body_hash(events[14])


def test_bad_events_rejected_per_index_rest_accepted(bridge, live_session):
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    other_union_product = Product.objects.create(
        union=factories.make_union("别的工会"), name="茶叶", sku="T-1", price="10.00"
    )
    events = [
        ev("ok1", "join", live_session, 1),
        ev("bad-type", "dance", live_session, 2),
        {**ev("bad-ts", "join", live_session, 3), "ts": future},
        {**ev("naive", "join", live_session, 3), "ts": "2026-01-01T10:00:00"},
        {"id": "no-viewer", "type": "join", "ts": ev("x", "join", live_session, 1)["ts"]},
        ev("bad-product", "product_click", live_session, 4, product=str(other_union_product.pk)),
        ev("unknown-field", "like", live_session, 4, colour="red"),
        "not an object",
        ev("ok2", "comment", live_session, 5, text="在哪里上班？", question=True),
    ]

    body = bridge.post_events(events).json()

    assert (body["accepted"], body["rejected"]) == (2, 7)
    reasons = [r.get("reason") for r in body["results"]]
    assert reasons == [
        None,
        "unknown_type",
        "ts_out_of_range",
        "invalid_ts",
        "invalid_viewer",
        "unknown_product",
        "unknown_field",
        "invalid",
        None,
    ]
    assert set(LiveEvent.objects.filter(session=live_session).values_list("event_id", flat=True)) == {
        "ok1",
        "ok2",
    }


def test_batch_over_limit_and_huge_body_are_413(bridge, live_session):
    too_many = [ev(f"e{i}", "like", live_session, 1) for i in range(1001)]
    assert bridge.post_events(too_many).status_code == 413
    huge = bridge.http.post(
        f"/api/v1/sessions/{live_session.pk}/events/",
        data=json.dumps({"events": [ev("big", "comment", live_session, 1, text="字" * 100)] * 1})
        + " " * (5 * 1024 * 1024),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bridge.token}",
    )
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"
    assert not LiveEvent.objects.exists()


def test_credentials_wrong_revoked_other_session_and_unknown_session(bridge, live_session, union, organizer):
    other = make_live_session(union)
    other_issued = credentials.credential_issue(session=other, by=organizer)
    events = [ev("a", "join", live_session, 1)]

    assert bridge.post_events(events, token="yzi_nokey_nosecret").status_code == 401
    assert bridge.post_events(events, token=bridge.token + "x").status_code == 401
    assert bridge.post_events(events, token=other_issued.token).status_code == 401
    assert bridge.post_events(events, session_id=uuid.uuid4(), token="yzi_unknown_x").status_code == 404
    no_auth = bridge.http.post(
        f"/api/v1/sessions/{live_session.pk}/events/", data="[]", content_type="application/json"
    )
    assert no_auth.status_code == 401
    assert no_auth.json()["error"]["code"] == "unauthorized"
    credentials.credential_revoke(credential=bridge_credential(bridge), by=organizer)
    revoked = bridge.post_events(events)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "credential_revoked"
    assert not LiveEvent.objects.exists()


def bridge_credential(b):
    from livestreams.models import IngestCredential

    return IngestCredential.objects.get(key_id=b.key_id)


def _webhook(b, body: bytes, *, ts=None, secret=None, signature=None):
    ts = str(int(ts if ts is not None else time.time()))
    sig = signature or credentials.sign(secret=secret or b.signing_secret, timestamp=ts, body=body)
    return b.http.post(
        f"/api/v1/sessions/{b.session.pk}/events/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_YIZHAN_KEY=b.key_id,
        HTTP_X_YIZHAN_TIMESTAMP=ts,
        HTTP_X_YIZHAN_SIGNATURE=sig,
    )


def test_webhook_hmac_good_bad_and_stale(bridge, live_session):
    body = json.dumps(
        {"events": [ev("w1", "join", live_session, 1), ev("w2", "like", live_session, 2)]}
    ).encode()

    good = _webhook(bridge, body)
    bad = _webhook(bridge, body, secret="not-the-secret")
    stale = _webhook(bridge, body, ts=time.time() - 301)
    tampered = _webhook(
        bridge, body.replace(b"like", b"share"), signature=good.request["HTTP_X_YIZHAN_SIGNATURE"]
    )
    replayed = _webhook(bridge, body)

    assert good.status_code == 200 and good.json()["accepted"] == 2
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_signature"
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "stale_timestamp"
    assert tampered.status_code == 401
    assert replayed.json()["duplicates"] == 2
    assert LiveEvent.objects.filter(session=live_session).count() == 2


def test_events_for_session_not_live_rejected_with_reason(union, organizer):
    scheduled = factories.make_session(union=union, status=LiveSession.Status.SCHEDULED)
    issued = credentials.credential_issue(session=scheduled, by=organizer)
    b = Bridge(scheduled, issued)
    now = timezone.now().isoformat()

    body = b.post_events([{"id": "a", "type": "join", "ts": now, "member_id": "1"}]).json()

    assert body["rejected"] == 1 and body["results"][0]["reason"] == "session_not_live"


def test_ended_session_grace_window(union, organizer):
    session = make_live_session(union, minutes_ago=30)
    b = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", ended_at=timezone.now() - timedelta(minutes=2)
    )
    late = b.post_events([ev("late", "heartbeat", session, 60 * 27)]).json()
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now() - timedelta(minutes=11))
    too_late = b.post_events([ev("too-late", "heartbeat", session, 60 * 18)]).json()

    assert late["accepted"] == 1
    assert too_late["results"][0]["reason"] == "session_not_live"


def test_out_of_order_and_duplicate_joins_leaves_never_negative(bridge, live_session, organizer_client):
    # Leave arrives before its join; a second leave; a duplicate join with a new id; then an old join.
    bridge.post_events([ev("l1", "leave", live_session, 100, viewer="m:z")])
    bridge.post_events(
        [ev("j1", "join", live_session, 10, viewer="m:z"), ev("l2", "leave", live_session, 110, viewer="m:z")]
    )
    after_leaves = live_stats(organizer_client, live_session)
    bridge.post_events(
        [ev("j2", "join", live_session, 200, viewer="m:y"), ev("j3", "join", live_session, 201, viewer="m:y")]
    )
    bridge.post_events([ev("j0", "join", live_session, 5, viewer="m:z")])  # stale join after the leave
    final = live_stats(organizer_client, live_session)

    assert after_leaves["current_viewers"] == 0
    assert final["current_viewers"] == 1  # only m:y is in the room
    assert final["unique_viewers"] == 2
    assert final["views"] == 4


def test_joins_and_leaves_of_one_viewer_inside_one_batch_apply_in_order(
    bridge, live_session, organizer_client
):
    # Presence events of one viewer inside one batch apply in batch order, each seeing the ones before it
    # (a variant of the script that batched the reads and the ZADDs had to get this right, and was
    # dropped for costing Redis more, not less).
    def ms(seconds):
        return int((live_session.went_live_at + timedelta(seconds=seconds)).timestamp() * 1000)

    # the session's first batch builds the counters from PostgreSQL; the second goes through the script
    bridge.post_events(
        [ev("v1", "join", live_session, 1, viewer="m:v"), ev("v2", "leave", live_session, 2, viewer="m:v")]
    )
    batch = [
        ev("z1", "join", live_session, 10, viewer="m:z"),
        ev("z2", "heartbeat", live_session, 20, viewer="m:z"),
        ev("z3", "leave", live_session, 15, viewer="m:z"),  # older than the heartbeat: still present
        ev("z4", "leave", live_session, 25, viewer="m:z"),  # gone
        ev("z5", "heartbeat", live_session, 24, viewer="m:z"),  # older than the leave: ignored
        ev("y1", "leave", live_session, 50, viewer="m:y"),
        ev("y2", "join", live_session, 40, viewer="m:y"),  # older than y's leave: ignored
        ev("x1", "join", live_session, 30, viewer="m:x"),
        ev("x2", "leave", live_session, 35, viewer="m:x"),
        ev("x3", "join", live_session, 36, viewer="m:x"),  # back after leaving
        ev("w1", "join", live_session, 33, viewer="m:w"),
    ]
    assert bridge.post_events(batch).json()["accepted"] == len(batch)
    prefix = counters.prefix(live_session.pk)
    present = dict(counters.client().zrange(prefix + "pz", 0, -1, withscores=True))
    left = counters.client().hgetall(prefix + "lv")

    assert present == {b"m:x": ms(36), b"m:w": ms(33)}
    assert {k: int(v) for k, v in left.items()} == {
        b"m:v": ms(2), b"m:z": ms(25), b"m:y": ms(50), b"m:x": ms(35)
    }  # fmt: skip
    assert live_stats(organizer_client, live_session)["current_viewers"] == 2
    counters.rebuild(live_session.pk)  # PostgreSQL's reading of the same events agrees
    assert dict(counters.client().zrange(prefix + "pz", 0, -1, withscores=True)) == present


@pytest.mark.django_db(transaction=True)
def test_parallel_identical_batches_store_one_set_of_rows(union, organizer):
    from django.db import connection

    session = make_live_session(union)
    issued = credentials.credential_issue(session=session, by=organizer)
    events = _batch(session, n=300)
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            b = Bridge(session, issued)
            barrier.wait()
            outcomes.append(b.post_events(events).json())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert sum(o["accepted"] for o in outcomes) == 300
    assert sum(o["duplicates"] for o in outcomes) == 900
    assert LiveEvent.objects.filter(session=session).count() == 300
    from livestreams.live import counters

    assert counters.read(session.pk)["views"] == 10


def test_question_answer_marks_and_counts(
    bridge, live_session, organizer_client, client_for, host, other_organizer_client
):
    bridge.post_events([ev("q1", "comment", live_session, 5, text="需要什么学历？", question=True)])
    question = LiveEvent.objects.get(event_id="q1")
    url = f"/api/v1/sessions/{live_session.pk}/questions/"

    listed = client_for(host).get(url + "?unanswered=1").json()
    answered = client_for(host).post(f"{url}{question.pk}/answer/")
    again = organizer_client.post(f"{url}{question.pk}/answer/")
    foreign = other_organizer_client.post(f"{url}{question.pk}/answer/")

    assert [q["text"] for q in listed] == ["需要什么学历？"]
    assert answered.status_code == 200 and answered.json()["changed"] is True
    assert again.json()["changed"] is False
    assert foreign.status_code == 404
    assert live_stats(organizer_client, live_session)["questions_unanswered"] == 0
    assert organizer_client.get(url + "?unanswered=1").json() == []


def test_live_stats_scoping(
    bridge,
    live_session,
    client_for,
    trainee,
    other_organizer_client,
    anon_client,
    django_assert_max_num_queries,
):
    bridge.post_events([ev("a", "join", live_session, 1)])
    assert other_organizer_client.get(f"/api/v1/sessions/{live_session.pk}/live/").status_code == 404
    assert client_for(trainee).get(f"/api/v1/sessions/{live_session.pk}/live/").status_code == 404
    assert anon_client.get(f"/api/v1/sessions/{live_session.pk}/live/").status_code in (401, 403)
    host = live_session.hosts.first()
    with django_assert_max_num_queries(7):
        stats = live_stats(client_for(host), live_session)
    assert stats["current_viewers"] == 1
    assert len(stats["per_minute"]) >= 1


def test_credential_api_issue_and_revoke(
    live_session, organizer_client, other_organizer_client, client_for, host
):
    url = f"/api/v1/sessions/{live_session.pk}/ingest-credentials/"

    created = organizer_client.post(url, {"label": "抖音桥"}, format="json")
    foreign = other_organizer_client.post(url, {}, format="json")
    as_host = client_for(host).post(url, {}, format="json")
    unknown = organizer_client.post(url, {"colour": "red"}, format="json")

    assert created.status_code == 201
    data = created.json()
    assert data["token"].startswith("yzi_") and len(data["signing_secret"]) == 64
    assert foreign.status_code == 404 and as_host.status_code == 403
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["fields"]
    listed = organizer_client.get(url).json()
    assert [c["label"] for c in listed] == ["抖音桥"] and "token" not in listed[0]
    revoked = organizer_client.post(f"{url}{data['key_id']}/revoke/")
    assert revoked.json()["revoked_at"] is not None


def test_batch_results_problems_only_lists_just_the_events_not_accepted(bridge, live_session):
    bridge.post_events([ev("seen", "join", live_session, 1)])
    events = [
        ev("new1", "join", live_session, 2, viewer="m:a"),
        ev("seen", "join", live_session, 1),
        ev("bad", "dance", live_session, 3),
        ev("new2", "like", live_session, 4, viewer="m:b"),
    ]

    response = bridge.http.post(
        f"/api/v1/sessions/{live_session.pk}/events/?results=problems",
        data=json.dumps({"events": events}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bridge.token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    assert body["results"] == [
        {"index": 1, "status": "duplicate"},
        {
            "index": 2,
            "status": "rejected",
            "reason": "unknown_type",
            "message": "Unknown event type 'dance'.",
        },
    ]
    assert set(LiveEvent.objects.filter(session=live_session).values_list("event_id", flat=True)) == {
        "seen",
        "new1",
        "new2",
    }


def test_event_hash_matches_the_canonical_json_stored_before_orjson():
    from livestreams.live.ingest import body_hash

    event = {
        "type": "comment",
        "id": "c1",
        "text": "请问\n包住吗？",
        "question": True,
        "ts": "2026-01-01T10:00:00+08:00",
    }
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    import hashlib

    assert body_hash(event) == hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


@pytest.mark.parametrize(
    "event",
    [
        {
            "type": "comment",
            "id": "c1",
            "text": '请问\n包住吗？\u0001 \\ " / é 😀',
            "question": True,
            "ts": "2026-01-01T10:00:00+08:00",
            "member_id": "u",
        },
        {"ts": "2026-01-01T10:00:00Z", "id": "j1", "type": "join", "device_id": None, "member_id": "u2"},
        {
            "id": "p1",
            "type": "product_click",
            "ts": "2026-01-01T10:00:00Z",
            "device_id": "d",
            "product": str(uuid.UUID(int=7)),
            "posting": None,
        },
        {"id": "l1", "type": "like", "ts": "2026-01-01T10:00:00Z", "member_id": "u", "text": ""},
    ],
)
def test_event_decoded_from_the_body_hashes_as_the_plain_json_object(event):
    # The fast path decodes events straight into EventIn; a redelivery read the plain way (a batch with one
    # malformed event) must still find the same hash.
    body = json.dumps({"events": [event]}, ensure_ascii=False).encode()

    typed = ingest.events_decode(body)

    assert typed is not None and type(typed[0]) is ingest.EventIn
    assert ingest.body_hash(typed[0]) == ingest.body_hash(json.loads(body)["events"][0])


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": [{"id": "a", "type": "join", "ts": "2026-01-01T10:00:00Z", "member_id": 5}]}',
        b'{"events": [{"id": "a", "type": "join", "ts": "2026-01-01T10:00:00Z", "colour": "red"}]}',
        b'{"events": [], "extra": 1}',
        b'[{"id": "a", "type": "join", "ts": "2026-01-01T10:00:00Z", "member_id": "m"}]',
        b'{"events": [{"id": "a", "type": "join", "ts": "2026-01-01T10:00:00Z", "member_id": "\\ud800"}]}',
        b"not json",
    ],
)
def test_bodies_that_are_not_plainly_well_formed_take_the_plain_path(body):
    assert ingest.events_decode(body) is None


def test_one_bad_event_in_a_batch_is_named_and_the_rest_kept(bridge, live_session):
    # A wrongly typed member_id makes the whole body fall back to the plain path, which names that event.
    events = [ev(f"k{i}", "like", live_session, 5, viewer=f"m:k{i}") for i in range(40)]
    events[7]["member_id"] = 12345

    body = bridge.post_events(events).json()

    assert (body["accepted"], body["rejected"]) == (39, 1)
    assert body["results"][7]["reason"] == "invalid_viewer"
    assert LiveEvent.objects.filter(session=live_session).count() == 39


def test_job_card_click_must_name_a_posting_that_exists(bridge, live_session):
    from tests.jobs.factories import HUAWEI, make_employer, make_posting

    posting = make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp"))
    body = bridge.post_events(
        [
            ev("k1", "job_card_click", live_session, 10, posting=str(posting.pk)),
            ev("k2", "job_card_click", live_session, 11, posting=str(uuid.uuid4())),
        ]
    ).json()

    assert body["accepted"] == 1
    assert body["results"][1]["reason"] == "unknown_posting"
    assert list(LiveEvent.objects.filter(session=live_session).values_list("ref", flat=True)) == [posting.pk]
