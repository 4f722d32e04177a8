"""Run what a worker would: the calendar-invite requests that ``booking_create`` leaves in the outbox."""

from coaching.calendar import INVITE_OUTBOX_KIND
from coaching.services.common import BOOKING_NOTICE_OUTBOX_KIND
from core.models import OutboxMessage
from core.outbox import outbox_deliver


def run_invite_requests() -> int:
    pending = OutboxMessage.objects.filter(
        kind__in=[BOOKING_NOTICE_OUTBOX_KIND, INVITE_OUTBOX_KIND], status=OutboxMessage.Status.PENDING
    )
    ids = list(pending.order_by("id").values_list("pk", flat=True))
    for message_id in ids:
        assert outbox_deliver(message_id=message_id) == "sent"
    return len(ids)
