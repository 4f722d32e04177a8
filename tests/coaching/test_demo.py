import pytest
from django.core.management import call_command

from coaching.models import Booking, Program, Slot
from livestreams.models import Segment


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_has_a_full_class_with_waitlist(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    program = Program.objects.get()
    assert program.slots.count() == 8
    full = program.slots.order_by("starts_at").first()
    assert full.seats_taken == full.capacity == 2
    assert Booking.objects.filter(slot=full, status="waitlisted").count() == 2
    assert Slot.objects.filter(kind="one_on_one").count() == 1
    segment = Segment.objects.get(seller__username="trainee", session__kind="sales")
    assert "茶" in segment.title
    assert "coach / yizhan-demo" in capsys.readouterr().out
