"""Two publishers of the same source at the same moment: each invite goes out exactly once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import OutboxMessage
from invites import services
from invites.models import CalendarEvent, InviteDelivery
from invites.services import invite_publish
from invites.sources import Attendee, InviteEvent, InviteSource


class _Fair(InviteSource):
    kind = "tests.fair"
    object_id = "race"

    def __init__(self, start):
        self.start = start

    def event(self):
        return InviteEvent(
            summary="并发发布测试", starts_at=self.start, ends_at=self.start + timedelta(hours=1)
        )

    def attendees(self):
        return [Attendee(email=f"p{i}@example.com", name=f"参会者{i}") for i in range(50)]


def _race() -> list[BaseException]:
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish():
        try:
            barrier.wait(timeout=10)
            invite_publish(source=_Fair(start))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lock", [True, False], ids=["with-lock", "without-lock"])
def test_concurrent_first_publication(lock, monkeypatch):
    if not lock:
        # The variant that proves the test can fail: the advisory lock replaced by nothing, here only.
        monkeypatch.setattr(services, "_lock", lambda key: None)
    errors = _race()
    if lock:
        assert errors == []
        assert CalendarEvent.objects.count() == 1
        assert OutboxMessage.objects.filter(key__startswith="invite:").count() == 50
        assert InviteDelivery.objects.count() == 50
    else:
        # Without the advisory lock both transactions create the same event: one of them fails.
        assert len(errors) == 1 and "duplicate key" in str(errors[0])
