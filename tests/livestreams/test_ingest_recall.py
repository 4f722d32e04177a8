"""A bridge's credential lookup is recalled from the worker's memory after its first request, and the
statement that stores the events confirms it: a recalled context that no longer holds is never acted on.

Each case runs twice: inside the test's transaction (the storing statement under a savepoint) and with
real commits (BEGIN and the statement in one pipelined round trip, core.sql.transaction_opened_by)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from livestreams.live import counters, credentials
from livestreams.models import IngestCredential, LiveCounterState, LiveEvent, LiveSession
from tests.livestreams.live_helpers import Bridge, ev, live_stats, make_live_session

both_ways = pytest.mark.parametrize(
    "commits",
    [
        pytest.param(False, id="in-test-transaction", marks=pytest.mark.django_db),
        pytest.param(True, id="committed", marks=pytest.mark.django_db(transaction=True)),
    ],
)
sizes = pytest.mark.parametrize(
    "size", [pytest.param(1, id="single-event"), pytest.param(40, id="copy-batch")]
)


def _joins(session, n, prefix):
    return [ev(f"{prefix}{i}", "join", session, 10 + i, viewer=f"m:{prefix}{i}") for i in range(n)]


@pytest.fixture
def setup(commits, union, organizer):
    session = make_live_session(union)
    return session, Bridge(session, credentials.credential_issue(session=session, by=organizer))


def test_the_second_request_recalls_the_context_and_checks_the_token_anyway(union, organizer, db):
    session = make_live_session(union)
    issued = credentials.credential_issue(session=session, by=organizer)
    header = f"Bearer {issued.token}"

    first = credentials.authenticate_token(header=header, session_id=str(session.pk), recall=True)
    second = credentials.authenticate_token(header=header, session_id=str(session.pk), recall=True)
    fresh = credentials.authenticate_token(header=header, session_id=str(session.pk))

    assert (first.recalled, second.recalled, fresh.recalled) == (False, True, False)
    assert (second.session_id, second.status, second.went_live_at) == (
        str(session.pk),
        "live",
        session.went_live_at,
    )
    with pytest.raises(credentials.Unauthorized):
        credentials.authenticate_token(header=header + "x", session_id=str(session.pk), recall=True)


@both_ways
@sizes
def test_a_credential_revoked_after_it_was_recalled_is_refused_and_nothing_stored(setup, size):
    session, bridge = setup
    assert bridge.post_events(_joins(session, size, "a")).json()["accepted"] == size

    IngestCredential.objects.filter(key_id=bridge.key_id).update(revoked_at=timezone.now())
    refused = bridge.post_events(_joins(session, size, "b"))

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "credential_revoked"
    assert set(LiveEvent.objects.filter(session=session).values_list("event_id", flat=True)) == {
        f"a{i}" for i in range(size)
    }


@both_ways
@sizes
def test_a_session_ended_after_it_was_recalled_rejects_with_the_fresh_reason(setup, size):
    session, bridge = setup
    bridge.post_events(_joins(session, size, "a"))

    LiveSession.objects.filter(pk=session.pk).update(
        status=LiveSession.Status.ENDED, ended_at=timezone.now() - timedelta(minutes=11)
    )
    late = bridge.post_events(_joins(session, size, "b")).json()

    assert late["accepted"] == 0 and late["rejected"] == size
    assert {r["reason"] for r in late["results"]} == {"session_not_live"}
    assert LiveEvent.objects.filter(session=session, event_id__startswith="b").count() == 0


@both_ways
@sizes
def test_counters_marked_dirty_after_the_context_was_recalled_are_rebuilt(setup, organizer_client, size):
    session, bridge = setup
    bridge.post_events(_joins(session, size, "a"))
    # As an ingest during a Redis outage: its rows stored, the counters not told, marked dirty.
    LiveEvent.objects.bulk_create(
        LiveEvent(
            session=session,
            event_id=f"outage{i}",
            kind="join",
            ts=session.went_live_at + timedelta(seconds=5),
            viewer=f"m:outage{i}",
            body_hash=f"h{i}",
        )
        for i in range(3)
    )
    counters.mark_dirty(session.pk)

    after = bridge.post_events(_joins(session, size, "b")).json()

    # The recalled context said "clean": applied on top, the three outage joins would stay uncounted.
    assert after["accepted"] == size and after["counters"] == "ok"
    assert live_stats(organizer_client, session)["views"] == 2 * size + 3
    assert LiveCounterState.objects.get(session=session).dirty_since is None


@both_ways
@sizes
def test_an_in_batch_id_conflict_is_answered_from_a_fresh_context(setup, size):
    session, bridge = setup
    bridge.post_events(_joins(session, size, "a"))
    IngestCredential.objects.filter(key_id=bridge.key_id).update(revoked_at=timezone.now())
    events = _joins(session, size, "b")
    events.append({**events[0], "type": "like"})  # the same id with another body, in the same batch

    answer = bridge.post_events(events)

    assert answer.status_code == 401  # not 422: the credential is no longer good
    assert not LiveEvent.objects.filter(session=session, event_id__startswith="b").exists()


@pytest.mark.django_db(transaction=True)
def test_transaction_opened_by_commits_rolls_back_and_leaves_the_connection_idle(union):
    import psycopg

    from core import sql

    session = make_live_session(union)
    rename = "UPDATE livestreams_livesession SET title = %s WHERE id = %s RETURNING title"

    with sql.transaction_opened_by(rename, ["第一场", session.pk]) as rows:
        assert rows == [("第一场",)]
    with pytest.raises(RuntimeError), sql.transaction_opened_by(rename, ["不该留下", session.pk]):
        raise RuntimeError("the block failed")

    assert LiveSession.objects.get(pk=session.pk).title == "第一场"
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


@pytest.mark.django_db(transaction=True)
def test_an_event_after_the_database_connection_died_is_stored_not_a_500(union, organizer):
    from tests.core.test_sql import _first_of_a_request_on_a_dead_connection

    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    assert bridge.post_events(_joins(session, 1, "a")).json()["accepted"] == 1  # the context is recalled next

    _first_of_a_request_on_a_dead_connection()
    answer = bridge.post_events(_joins(session, 1, "b"))

    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    assert LiveEvent.objects.filter(session=session).count() == 2
