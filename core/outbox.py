"""The outbox: every side effect (email, SMS) is a row with a unique key, delivered by a Celery task.

Enqueueing twice with the same key is a no-op, so callers may retry freely. Delivery claims the row with
a conditional UPDATE (pending → sending), so two workers never send the same message; failures go back
to pending with exponential backoff, and the periodic sweep re-dispatches anything due (including rows
whose enqueue message was lost and rows stuck in "sending" after a worker crash).
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.db.models import F
from django.utils import timezone

from core import sms
from core.dispatch import enqueue_ids_on_commit, enqueue_on_commit
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, TimeoutError)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def email_payload(
    *,
    text: str,
    html: str = "",
    alternatives: list[dict] | None = None,
    attachments: list[dict] | None = None,
    headers: dict | None = None,
) -> dict:
    """alternatives/attachments: [{"content": str, "mimetype": str, "filename": str?}]"""
    return {
        "text": text,
        "html": html,
        "alternatives": alternatives or [],
        "attachments": attachments or [],
        "headers": headers or {},
    }


def sms_payload(*, kind: str, text: str, params: dict | None = None) -> dict:
    """An SMS outbox row: ``kind`` picks the provider's approved template, ``params`` fill it."""
    return {"sms_kind": kind, "text": text, "params": params or {}}


def outbox_enqueue(*, key: str, recipient: str, subject: str, payload: dict, kind: str = "email") -> bool:
    """Insert the message unless its key exists; deliver after commit. Returns True if it was new."""
    message, created = OutboxMessage.objects.get_or_create(
        key=key[:255],
        defaults={
            "kind": kind,
            "recipient": recipient or "",
            "subject": subject[:255],
            "payload": payload,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        enqueue_on_commit(outbox_deliver_task, message.pk)
    return created


def outbox_enqueue_many(messages: list[dict]) -> int:
    """Bulk variant for fan-outs (10,000 invites): INSERT … ON CONFLICT (key) DO NOTHING RETURNING id,
    so only rows that are really new get dispatched. Returns how many were new."""
    now = timezone.now()
    table = OutboxMessage._meta.db_table
    new_ids: list[int] = []
    for start in range(0, len(messages), 1000):
        chunk = messages[start : start + 1000]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (key, kind, recipient, subject, payload, status, attempts, last_error,
                                     next_attempt_at, created_at)
                SELECT k, kd, r, s, p::jsonb, 'pending', 0, '', %s, %s
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) AS t(k, kd, r, s, p)
                ON CONFLICT (key) DO NOTHING
                RETURNING id
                """,
                [
                    now,
                    now,
                    [m["key"][:255] for m in chunk],
                    [m.get("kind", "email") for m in chunk],
                    [m.get("recipient") or "" for m in chunk],
                    [m["subject"][:255] for m in chunk],
                    [json.dumps(m["payload"], ensure_ascii=False) for m in chunk],
                ],
            )
            new_ids.extend(row[0] for row in cursor.fetchall())
    if new_ids:
        enqueue_ids_on_commit(outbox_deliver_batch_task, new_ids)
    return len(new_ids)


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    payload = message.payload
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=payload.get("text", ""),
        from_email=payload.get("from") or settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=payload.get("headers") or {},
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    for alt in payload.get("alternatives", []):
        email.attach_alternative(alt["content"], alt["mimetype"])
    for att in payload.get("attachments", []):
        email.attach(att["filename"], att["content"], att["mimetype"])
    return email


def _claim(message_id: int) -> bool:
    now = timezone.now()
    return bool(
        OutboxMessage.objects.filter(
            pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).update(status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


# Kinds other than "email" are follow-up steps that must run after the transaction that wrote their row
# committed (e.g. building a booking's calendar invite outside the seat transaction). An app registers
# one handler per kind (from its AppConfig.ready); the handler takes the payload and must be idempotent.
HANDLERS: dict[str, Callable[[dict], object]] = {}


def outbox_register(kind: str, handler: Callable[[dict], object]) -> None:
    HANDLERS[kind] = handler


def _run_handler(message: OutboxMessage) -> str:
    try:
        HANDLERS[message.kind](message.payload)
    except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff, then dead-lettered
        failed_for_good = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        message.status = OutboxMessage.Status.DEAD if failed_for_good else OutboxMessage.Status.PENDING
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.save(update_fields=["status", "last_error", "next_attempt_at"])
        logger.warning("outbox %s failed (attempt %s): %s", message.key, message.attempts, exc)
        return "dead" if failed_for_good else "retry"
    message.status = OutboxMessage.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return "sent"


def outbox_deliver(*, message_id: int, connection=None) -> str:
    """Deliver one message if it is due. Safe to call any number of times."""
    if not _claim(message_id):
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    if message.kind in HANDLERS:
        return _run_handler(message)
    if message.kind == "sms":
        return _deliver_sms(message)
    if message.kind == "email" and "@" not in (message.recipient or ""):
        message.status = OutboxMessage.Status.UNDELIVERABLE
        message.last_error = "no email address for this recipient"
        message.save(update_fields=["status", "last_error"])
        return "undeliverable"
    try:
        email = _build_email(message)
        if connection is not None:
            email.connection = connection
        email.send(fail_silently=False)
    except TRANSIENT_ERRORS as exc:
        return _failed(message, exc)
    return _sent(message)


def _deliver_sms(message: OutboxMessage) -> str:
    payload = message.payload
    try:
        sms.sms_send(
            sms.SmsMessage(
                phone=message.recipient,
                kind=payload.get("sms_kind", ""),
                params=payload.get("params") or {},
                text=payload.get("text", ""),
            )
        )
    except sms.SmsRejected as exc:
        message.status = OutboxMessage.Status.UNDELIVERABLE
        message.last_error = f"rejected: {exc}"[:2000]
        message.save(update_fields=["status", "last_error"])
        logger.warning("outbox %s rejected by the SMS provider: %s", message.key, exc)
        return "undeliverable"
    except (sms.SmsTransient, *TRANSIENT_ERRORS) as exc:
        return _failed(message, exc)
    if payload.get("scrub_after_send"):  # one-time codes: keep no readable copy once delivered
        message.payload = {"sms_kind": payload.get("sms_kind", ""), "scrubbed": True}
        message.save(update_fields=["payload"])
    return _sent(message)


def _failed(message: OutboxMessage, exc: Exception) -> str:
    failed_for_good = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    message.status = OutboxMessage.Status.DEAD if failed_for_good else OutboxMessage.Status.PENDING
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.next_attempt_at = timezone.now() + backoff(message.attempts)
    message.save(update_fields=["status", "last_error", "next_attempt_at"])
    logger.warning("outbox %s failed (attempt %s): %s", message.key, message.attempts, exc)
    return "dead" if failed_for_good else "retry"


def _sent(message: OutboxMessage) -> str:
    message.status = OutboxMessage.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "last_error"])
    return "sent"


def outbox_deliver_batch(*, message_ids: list[int]) -> dict:
    """Deliver several messages over one SMTP connection (fan-outs)."""
    results: dict[str, int] = {}
    connection = get_connection()
    try:
        connection.open()
    except TRANSIENT_ERRORS:
        connection = None
    try:
        for message_id in message_ids:
            outcome = outbox_deliver(message_id=message_id, connection=connection)
            results[outcome] = results.get(outcome, 0) + 1
    finally:
        if connection is not None:
            try:
                connection.close()
            except TRANSIENT_ERRORS:
                pass
    return results


def outbox_sweep(*, limit: int = 1000) -> int:
    """Re-dispatch due messages and release ones stuck in 'sending' after a crash."""
    now = timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - STUCK_AFTER
    ).update(status=OutboxMessage.Status.PENDING)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(ids), 100):
        outbox_deliver_batch_task.delay(ids[start : start + 100])
    return len(ids)


# The Celery tasks sit beside the logic they run (pretix's waitinglist.py does the same), so the service
# calls them without an import cycle; core/tasks.py re-exports them for autodiscovery.


@shared_task(name="core.outbox_deliver", ignore_result=True)
def outbox_deliver_task(message_id: int) -> str:
    return outbox_deliver(message_id=message_id)


@shared_task(name="core.outbox_deliver_batch", ignore_result=True)
def outbox_deliver_batch_task(message_ids: list[int]) -> dict:
    return outbox_deliver_batch(message_ids=message_ids)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep_task() -> int:
    return outbox_sweep()
