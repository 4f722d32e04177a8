from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import (
    email_payload,
    outbox_deliver,
    outbox_deliver_batch,
    outbox_enqueue,
    outbox_enqueue_many,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db


def _enqueue(key="k1", recipient="a@example.com"):
    return outbox_enqueue(
        key=key, recipient=recipient, subject="主题", payload=email_payload(text="正文", html="<p>正文</p>")
    )


def test_enqueue_same_key_twice_keeps_one_row():
    assert _enqueue() is True
    assert _enqueue() is False
    assert OutboxMessage.objects.filter(key="k1").count() == 1


def test_missing_address_is_undeliverable_not_a_crash(smtp_server):
    _enqueue(recipient="")
    message = OutboxMessage.objects.get(key="k1")
    assert outbox_deliver(message_id=message.pk) == "undeliverable"
    message.refresh_from_db()
    assert message.status == "undeliverable"
    assert smtp_server.messages == []


def test_delivery_sends_text_and_html_once(smtp_server):
    _enqueue()
    message = OutboxMessage.objects.get(key="k1")
    assert outbox_deliver(message_id=message.pk) == "sent"
    assert outbox_deliver(message_id=message.pk) == "skipped"
    [received] = smtp_server.to("a@example.com")
    body = received["message"]
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert body["Subject"] == "主题"


def test_gives_up_after_max_attempts(settings, smtp_server):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp_server.stop()
    _enqueue()
    message = OutboxMessage.objects.get(key="k1")
    assert outbox_deliver(message_id=message.pk) == "retry"
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert outbox_deliver(message_id=message.pk) == "dead"
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 2


def test_sweep_releases_rows_stuck_in_sending():
    _enqueue()
    OutboxMessage.objects.update(status="sending", claimed_at=timezone.now() - timedelta(hours=1))
    assert outbox_sweep() == 1
    assert OutboxMessage.objects.get(key="k1").status == "pending"


def test_bulk_enqueue_and_batch_delivery(smtp_server):
    rows = [
        {
            "key": f"bulk:{i}",
            "recipient": f"u{i}@example.com",
            "subject": f"s{i}",
            "payload": email_payload(text="x"),
        }
        for i in range(30)
    ]
    assert outbox_enqueue_many(rows) == 30
    assert outbox_enqueue_many(rows) == 0  # same keys: nothing new
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert outbox_deliver_batch(message_ids=ids) == {"sent": 30}
    assert len(smtp_server.messages) == 30


def test_outbox_handler_kind_runs_after_commit_and_retries_a_failure(monkeypatch):
    from core import outbox

    calls = []

    def flaky(payload):
        calls.append(payload)
        if len(calls) == 1:
            raise RuntimeError("not yet")

    monkeypatch.setitem(outbox.HANDLERS, "test.step", flaky)
    outbox.outbox_enqueue_many(
        [
            {
                "key": "test:step:1",
                "kind": "test.step",
                "recipient": "",
                "subject": "step",
                "payload": {"id": 7},
            }
        ]
    )
    message = OutboxMessage.objects.get(key="test:step:1")

    first = outbox.outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert first == "retry" and message.status == OutboxMessage.Status.PENDING
    assert "not yet" in message.last_error
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        second = outbox.outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert second == "sent" and message.status == OutboxMessage.Status.SENT
    assert calls == [{"id": 7}, {"id": 7}]
