"""Outbox rows written in one transaction are published together after commit, and nothing written by
a transaction that rolled back is sent or holds up the next one (real worker, broker and SMTP sink)."""

import pytest
from django.db import transaction

from core.models import OutboxMessage
from core.outbox import email_payload, outbox_enqueue_many
from tests.fixtures_services import wait_for

pytestmark = [pytest.mark.slow]


def _row(key: str, to: str) -> dict:
    return {"key": key, "recipient": to, "subject": f"通知 {key}", "payload": email_payload(text="你好")}


class _Rollback(Exception):
    pass


def test_rows_of_one_transaction_are_delivered_and_a_rolled_back_one_sends_nothing(
    celery_worker, smtp_server
):
    with transaction.atomic():  # two calls, as a booking makes (notice, then invite request)
        outbox_enqueue_many([_row("a1", "a1@example.com")])
        outbox_enqueue_many([_row("a2", "a2@example.com"), _row("a3", "a3@example.com")])
    with pytest.raises(_Rollback), transaction.atomic():
        outbox_enqueue_many([_row("gone", "gone@example.com")])
        raise _Rollback
    with transaction.atomic():  # the next transaction on this connection still goes out
        outbox_enqueue_many([_row("b1", "b1@example.com")])

    sent = ("a1", "a2", "a3", "b1")
    wait_for(
        lambda: all(smtp_server.to(f"{k}@example.com") for k in sent), message="every committed message sent"
    )
    assert sorted(OutboxMessage.objects.values_list("key", flat=True)) == sorted(sent)
    wait_for(
        lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"},
        message="every row marked sent",
    )
    assert smtp_server.to("gone@example.com") == []
