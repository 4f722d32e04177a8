"""Seats under concurrency: real PostgreSQL, threads released together by a barrier."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from coaching import services
from coaching.models import Booking, Slot
from coaching.services import booking as booking_module
from core.errors import ApplicationError
from tests.coaching import factories as cf

# PostgreSQL here allows 100 connections; 40 threads (one connection each) share the 100 attempts.
THREADS = 40


def _run_together(jobs: list, threads: int = THREADS) -> list:
    """Run callables in `threads` threads released at once by a barrier; returns results/exceptions."""
    barrier = threading.Barrier(threads)
    results: list = []
    lock = threading.Lock()

    def worker(chunk):
        try:
            barrier.wait()
            for job in chunk:
                try:
                    outcome = job()
                except ApplicationError as exc:
                    outcome = exc
                with lock:
                    results.append(outcome)
        finally:
            connection.close()

    chunks = [jobs[i::threads] for i in range(threads)]
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def _book_100_for_30(union) -> Slot:
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, max_active_bookings=5)
    slot = cf.make_slot(program=program, coach=coach, capacity=30)
    trainees = cf.make_trainees(100)
    _run_together([lambda t=t: services.booking_create(slot=slot, trainee=t) for t in trainees])
    return slot


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_booking_100_concurrent_for_30_seats(union):
    for _ in range(10):
        slot = _book_100_for_30(union)
        assert Booking.objects.filter(slot=slot, status="confirmed").count() == 30
        assert Booking.objects.filter(slot=slot, status="waitlisted").count() == 70
        assert cf.seat_invariant(slot) == (30, 30)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_booking_naive_count_then_insert_overbooks(union, monkeypatch):
    """The variant that proves the race test can fail: the seat taken by counting bookings, without the
    conditional UPDATE. Every booker counts before anyone inserts (a barrier forces that interleaving,
    so the failure is certain, not a matter of thread scheduling) and 40 people get 30 seats."""
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, max_active_bookings=5)
    slot = cf.make_slot(program=program, coach=coach, capacity=30)
    trainees = cf.make_trainees(THREADS)
    counted = threading.Barrier(THREADS)

    def naive_take_seat(slot_id, *, respect_waitlist=True):
        taken = Booking.objects.filter(slot_id=slot_id, status__in=("confirmed", "offered")).count()
        counted.wait(timeout=30)
        if taken >= slot.capacity:
            return None
        return taken + 1, slot.capacity, "scheduled"

    monkeypatch.setattr(booking_module, "take_seat", naive_take_seat)
    # The ORM path (rules broken, no waitlist wanted) claims its seat through take_seat.
    _run_together([lambda t=t: booking_module._booking_create_orm(slot=slot, trainee=t) for t in trainees])

    assert Booking.objects.filter(slot=slot, status="confirmed").count() == THREADS > slot.capacity


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fast_booking_with_a_counting_claim_overbooks(union, monkeypatch):
    """The same proof for the one-statement path: its conditional UPDATE swapped for a count of the
    seats taken. Every booker runs the statement before anyone commits (a barrier between the statement
    and the commit), so every count sees 0 and 40 people get 30 seats."""
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, max_active_bookings=5)
    slot = cf.make_slot(program=program, coach=coach, capacity=30)
    trainees = cf.make_trainees(THREADS)
    statements_ran = threading.Barrier(THREADS)
    real_fetchone = booking_module.fetchone

    def fetchone_then_wait(sql, params):
        row = real_fetchone(sql, params)
        if "INSERT INTO coaching_booking" in sql:
            statements_ran.wait(timeout=30)
        return row

    monkeypatch.setattr(
        booking_module,
        "_CLAIM_CTE",
        """SELECT ok.id FROM ok JOIN coaching_slot c ON c.id = ok.id
           WHERE (SELECT count(*) FROM coaching_booking t
                  WHERE t.slot_id = ok.id AND t.status IN ('confirmed', 'offered')) < c.capacity""",
    )
    monkeypatch.setattr(booking_module, "fetchone", fetchone_then_wait)

    def book(trainee):
        # In a caller's transaction the statements run one by one (outside one they go in one pipeline
        # with the commit), so the barrier can sit between the statement and the commit.
        with transaction.atomic():
            services.booking_create(slot=slot, trainee=trainee)

    _run_together([lambda t=t: book(t) for t in trainees])

    assert Booking.objects.filter(slot=slot, status="confirmed").count() == THREADS > slot.capacity


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_promotion_20_parallel_for_one_freed_seat_has_one_winner(union):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    first, *waiting = cf.make_trainees(21)
    services.booking_create(slot=slot, trainee=first)
    for t in waiting:
        services.booking_create(slot=slot, trainee=t)
    # Free the seat behind the services' back so only the racing promotions can fill it.
    Booking.objects.filter(slot=slot, trainee=first).update(status="cancelled")
    Slot.objects.filter(pk=slot.pk).update(seats_taken=0)

    results = _run_together(
        [lambda: services.slot_offer_free_seats(slot=slot) for _ in range(20)], threads=20
    )

    assert sorted(r for r in results if isinstance(r, int)) == [0] * 19 + [1]
    offered = Booking.objects.filter(slot=slot, status="offered")
    assert offered.count() == 1
    assert offered.get().trainee_id == waiting[0].pk  # first in line
    assert cf.seat_invariant(slot) == (1, 1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cancel_racing_accept_keeps_seats_consistent(union):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    for day in range(6):
        slot = cf.make_slot(program=program, coach=coach, capacity=1, starts_in=timedelta(days=3 + day))
        holder, waiter = cf.make_trainees(2)
        held = services.booking_create(slot=slot, trainee=holder)
        pending = services.booking_create(slot=slot, trainee=waiter)
        services.booking_cancel(booking=held, by=holder.user)
        pending.refresh_from_db()
        assert pending.status == "offered"

        results = _run_together(
            [
                lambda b=pending, u=waiter.user: services.offer_accept(booking=b, by=u),
                lambda b=pending, u=waiter.user: services.booking_cancel(booking=b, by=u),
            ],
            threads=2,
        )

        pending.refresh_from_db()
        ok = [r for r in results if isinstance(r, Booking)]
        assert len(ok) >= 1
        assert pending.status in ("confirmed", "cancelled")
        assert cf.seat_invariant(slot) == ((1, 1) if pending.status == "confirmed" else (0, 0))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_lock_wait_is_bounded_and_reported_as_busy(union, monkeypatch, client_for):
    """A booking that cannot get the slot row within lock_timeout gets 503 + Retry-After, not a hang."""
    from django.db import connections, transaction

    monkeypatch.setattr("coaching.services.common.LOCK_TIMEOUT", "200ms")
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union)
    slot = cf.make_slot(program=program, coach=coach, capacity=5)
    (t,) = cf.make_trainees(1)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Slot.objects.select_for_update().get(pk=slot.pk)
                holding.set()
                release.wait(5)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(5)
    try:
        with pytest.raises(ApplicationError) as err:
            services.booking_create(slot=slot, trainee=t)
        response = client_for(t.user).post(f"/api/v1/coaching/slots/{slot.pk}/book/", {}, format="json")
    finally:
        release.set()
        holder.join()
    assert err.value.status_code == 503 and err.value.code == "busy"
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "busy"
    assert not Booking.objects.filter(slot=slot).exists()
