"""Coaching bookings and classes reach calendars: REQUEST when a seat is the trainee's, CANCEL with the same
UID when it stops being theirs, SEQUENCE rising on every update. Read back with real iCalendar parsers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching import services
from coaching.models import Booking
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.coaching.outbox import run_invite_requests
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db


def _sent(email: str) -> list[tuple[str, str, int, str]]:
    """(METHOD, UID, SEQUENCE, STATUS) of every invite email to ``email``, oldest first (after the
    worker has run the invite requests that bookings leave in the outbox)."""
    run_invite_requests()
    out = []
    for message in OutboxMessage.objects.filter(recipient=email, key__startswith="invite:").order_by("id"):
        cal, _ = parse_both(message.payload["alternatives"][0]["content"])
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])))
    return out


def test_confirmed_booking_sends_the_trainee_a_request_with_the_booking_uid(slot, learner, coach):
    booking = services.booking_create(slot=slot, trainee=learner)
    run_invite_requests()  # the worker builds the invite after the seat commit

    (sent,) = _sent(learner.user.email)
    assert sent == ("REQUEST", booking.ical_uid, 0, "CONFIRMED")
    message = OutboxMessage.objects.get(recipient=learner.user.email, key__startswith="invite:")
    cal, _ = parse_both(message.payload["alternatives"][0]["content"])
    (event,) = events(cal)
    assert "mailto:coach@example.com" in str(event["ORGANIZER"]).lower()
    assert event.decoded("DTSTART") == slot.starts_at.replace(microsecond=0)
    assert str(event["LOCATION"]) == "滨江区职工驿站"


def test_waitlisted_trainee_gets_no_invite_until_promoted(program, coach, learner, other_learner):
    full = cf.make_slot(program=program, coach=coach, capacity=1)
    first = services.booking_create(slot=full, trainee=learner)
    waiting = services.booking_create(slot=full, trainee=other_learner)
    run_invite_requests()  # the worker builds the invite after the seat commit
    assert waiting.status == Booking.Status.WAITLISTED
    assert _sent(other_learner.user.email) == []

    services.booking_cancel(booking=first, by=learner.user)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED
    assert _sent(other_learner.user.email) == []  # an offer is not a seat yet

    services.offer_accept(booking=waiting, by=other_learner.user)
    assert _sent(other_learner.user.email) == [("REQUEST", waiting.ical_uid, 0, "CONFIRMED")]
    assert [m for m, *_ in _sent(learner.user.email)] == ["REQUEST", "CANCEL"]


def test_cancelled_booking_sends_cancel_with_the_same_uid_and_a_higher_sequence(slot, learner):
    booking = services.booking_create(slot=slot, trainee=learner)
    run_invite_requests()  # the worker builds the invite after the seat commit
    services.booking_cancel(booking=booking, by=learner.user)

    assert _sent(learner.user.email) == [
        ("REQUEST", booking.ical_uid, 0, "CONFIRMED"),
        ("CANCEL", booking.ical_uid, 1, "CANCELLED"),
    ]


def test_moving_a_booking_cancels_the_old_entry_and_invites_to_the_new_one(program, coach, slot, learner):
    later = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=4), title="第 2 课")
    booking = services.booking_create(slot=slot, trainee=learner)
    run_invite_requests()  # the worker builds the invite after the seat commit
    new = services.booking_move(booking=booking, to_slot=later, by=learner.user)

    # One email for the move: the new entry's REQUEST, carrying the old entry's CANCEL as a second .ics.
    assert _sent(learner.user.email) == [
        ("REQUEST", booking.ical_uid, 0, "CONFIRMED"),
        ("REQUEST", new.ical_uid, 0, "CONFIRMED"),
    ]
    move = OutboxMessage.objects.filter(recipient=learner.user.email, key__startswith="invite:").last()
    assert "预约已改期" in move.subject
    carried = [a for a in move.payload["attachments"] if a["filename"] == "cancel.ics"]
    cal, _ = parse_both(carried[0]["content"])
    (event,) = events(cal)
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == ("CANCEL", booking.ical_uid, 1)


def test_rescheduled_class_updates_trainee_and_coach_and_cancel_reaches_everyone(
    slot, coach, organizer, learner, other_learner
):
    mine = services.booking_create(slot=slot, trainee=learner)
    theirs = services.booking_create(slot=slot, trainee=other_learner)
    run_invite_requests()  # the worker builds the invite after the seat commit
    new_start = slot.starts_at + timedelta(days=1)

    services.slot_update(slot=slot, by=organizer, starts_at=new_start, ends_at=new_start + timedelta(hours=2))
    services.slot_cancel(slot=slot, by=organizer, reason="场地维修")

    assert _sent(learner.user.email) == [
        ("REQUEST", mine.ical_uid, 0, "CONFIRMED"),
        ("REQUEST", mine.ical_uid, 1, "CONFIRMED"),
        ("CANCEL", mine.ical_uid, 2, "CANCELLED"),
    ]
    assert [s[:3] for s in _sent(other_learner.user.email)] == [
        ("REQUEST", theirs.ical_uid, 0),
        ("REQUEST", theirs.ical_uid, 1),
        ("CANCEL", theirs.ical_uid, 2),
    ]
    # The coach's own entry for the class (UID of the slot): first sent on the reschedule.
    assert _sent(coach.user.email) == [
        ("REQUEST", slot.ical_uid, 0, "CONFIRMED"),
        ("CANCEL", slot.ical_uid, 1, "CANCELLED"),
    ]
    message = OutboxMessage.objects.filter(recipient=learner.user.email, key__startswith="invite:").last()
    cal, _ = parse_both(message.payload["alternatives"][0]["content"])
    (event,) = events(cal)
    assert event.decoded("DTSTART") == new_start.replace(microsecond=0)


def test_a_trainees_invite_never_lists_other_trainees(slot, learner, other_learner):
    services.booking_create(slot=slot, trainee=learner)
    services.booking_create(slot=slot, trainee=other_learner)
    run_invite_requests()  # the worker builds the invite after the seat commit

    messages = OutboxMessage.objects.filter(key__startswith="invite:")
    assert sorted(m.recipient for m in messages) == [learner.user.email, other_learner.user.email]
    for message in messages:
        cal, _ = parse_both(message.payload["alternatives"][0]["content"])
        (event,) = events(cal)
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a).lower() for a in attendees] == [f"mailto:{message.recipient}"]


def test_new_class_puts_it_in_the_coachs_calendar(program, coach, organizer):
    starts_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    slot = services.slot_create(
        by=organizer,
        program=program,
        coach=coach,
        title="第 3 课：话术与互动",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=20,
    )

    assert _sent(coach.user.email) == [("REQUEST", slot.ical_uid, 0, "CONFIRMED")]


def test_one_on_one_booking_invites_the_coach_and_the_trainee_with_one_uid(
    program, coach, organizer, learner
):
    starts_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    slot = services.slot_create(
        by=organizer,
        program=program,
        coach=coach,
        title="1对1：直播间诊断",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=45),
        kind="one_on_one",
    )
    assert _sent(coach.user.email) == []  # open availability is not an appointment yet

    booking = services.booking_create(slot=slot, trainee=learner)
    run_invite_requests()  # the worker builds the invite after the seat commit
    services.booking_cancel(booking=booking, by=learner.user)

    expected = [("REQUEST", booking.ical_uid, 0, "CONFIRMED"), ("CANCEL", booking.ical_uid, 1, "CANCELLED")]
    assert _sent(coach.user.email) == expected
    assert _sent(learner.user.email) == expected
    message = OutboxMessage.objects.filter(recipient=coach.user.email, key__startswith="invite:").first()
    cal, _ = parse_both(message.payload["alternatives"][0]["content"])
    (event,) = events(cal)
    attendee = event["ATTENDEE"]  # each email names its own recipient only
    assert str(attendee).lower() == f"mailto:{coach.user.email}" and attendee.params["ROLE"] == "CHAIR"
