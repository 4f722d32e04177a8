"""The coaching API end to end on real PostgreSQL: rules, bad input, scoping, notifications."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from coaching import services
from coaching.models import Booking, Slot, Trainee
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.coaching.outbox import run_invite_requests

pytestmark = pytest.mark.django_db
API = "/api/v1/coaching"


def _err(response):
    return response.json()["error"]


# --- One-minute sign-up ---------------------------------------------------------------------------


def test_signup_creates_account_trainee_and_booking(anon_client, client_for, slot):
    response = anon_client.post(
        f"{API}/signup/", {"slot": str(slot.pk), "name": "李梅", "phone": "138 1234 5678"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["booking"]["status"] == "confirmed"
    assert body["booking"]["slot"]["seats_left"] == 29
    trainee = Trainee.objects.get(phone="13812345678")
    assert trainee.user.display_name == "李梅" and trainee.user.role == "trainee"
    mine = anon_client.get(f"{API}/bookings/", HTTP_AUTHORIZATION=f"Token {body['token']}").json()
    assert [b["id"] for b in mine["results"]] == [body["booking"]["id"]]


@pytest.mark.parametrize("phone", ["12345", "010 8888 6666", "+1 415 555 2671", "abc", ""])
def test_signup_rejects_non_mainland_mobile(anon_client, slot, phone):
    response = anon_client.post(
        f"{API}/signup/", {"slot": str(slot.pk), "name": "李梅", "phone": phone}, format="json"
    )

    assert response.status_code == 400
    assert "phone" in _err(response)["fields"]
    assert not Trainee.objects.exists() and not Booking.objects.exists()


def test_signup_same_number_twice_is_refused_and_nothing_half_written(anon_client, slot, learner):
    response = anon_client.post(
        f"{API}/signup/",
        {"slot": str(slot.pk), "name": "冒名者", "phone": "+86 138-1234-5678"},
        format="json",
    )

    assert response.status_code == 409
    assert _err(response)["code"] == "phone_registered"
    assert Trainee.objects.count() == 1 and not Booking.objects.exists()


def test_signup_unknown_fields_and_unknown_slot(anon_client, slot):
    response = anon_client.post(
        f"{API}/signup/",
        {"slot": str(slot.pk), "name": "a", "phone": "13812345678", "role": "organizer"},
        format="json",
    )
    assert response.status_code == 400 and "role" in _err(response)["fields"]
    response = anon_client.post(
        f"{API}/signup/",
        {"slot": "00000000-0000-0000-0000-000000000000", "name": "a", "phone": "13812345678"},
        format="json",
    )
    assert response.status_code == 400 and "slot" in _err(response)["fields"]


# --- Booking rules ------------------------------------------------------------------------------


def test_book_full_slot_without_waitlist_is_refused(client_for, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    services.booking_create(slot=slot, trainee=other_learner)

    response = client_for(learner.user).post(
        f"{API}/slots/{slot.pk}/book/", {"join_waitlist": False}, format="json"
    )

    assert response.status_code == 409 and _err(response)["code"] == "slot_full"
    assert not Booking.objects.filter(trainee=learner).exists()


def test_book_twice_is_refused(client_for, slot, learner):
    client = client_for(learner.user)
    assert client.post(f"{API}/slots/{slot.pk}/book/", {}, format="json").status_code == 201
    response = client.post(f"{API}/slots/{slot.pk}/book/", {}, format="json")
    assert response.status_code == 409 and _err(response)["code"] == "already_booked"


@pytest.mark.parametrize(
    ("starts_in", "code"),
    [(timedelta(minutes=30), "too_late"), (timedelta(days=60), "beyond_horizon")],
)
def test_book_inside_notice_or_beyond_horizon(client_for, program, union, learner, starts_in, code):
    coach = cf.make_coach(union=union, min_notice_hours=2, horizon_days=30)
    slot = cf.make_slot(program=program, coach=coach, starts_in=starts_in)
    response = client_for(learner.user).post(f"{API}/slots/{slot.pk}/book/", {}, format="json")
    assert response.status_code == 409 and _err(response)["code"] == code


def test_book_cancelled_or_past_slot(client_for, program, coach, learner, organizer):
    cancelled = cf.make_slot(program=program, coach=coach)
    services.slot_cancel(slot=cancelled, by=organizer)
    past = cf.make_slot(program=program, coach=coach, starts_in=timedelta(hours=-3))
    client = client_for(learner.user)
    assert (
        _err(client.post(f"{API}/slots/{cancelled.pk}/book/", {}, format="json"))["code"] == "slot_cancelled"
    )
    assert _err(client.post(f"{API}/slots/{past.pk}/book/", {}, format="json"))["code"] == "slot_past"


def test_per_trainee_limit_of_future_bookings(client_for, union, coach, learner):
    program = cf.make_program(union=union, max_active_bookings=2)
    slots = [cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=d)) for d in (1, 2, 3)]
    client = client_for(learner.user)
    for s in slots[:2]:
        assert client.post(f"{API}/slots/{s.pk}/book/", {}, format="json").status_code == 201
    response = client.post(f"{API}/slots/{slots[2].pk}/book/", {}, format="json")
    assert response.status_code == 409 and _err(response)["code"] == "booking_limit"


def test_non_trainee_cannot_book(client_for, slot, host):
    response = client_for(host).post(f"{API}/slots/{slot.pk}/book/", {}, format="json")
    assert response.status_code == 403 and _err(response)["code"] == "not_trainee"


# --- Waitlist and offers ------------------------------------------------------------------------


def test_waitlist_offer_accept_flow_with_notifications(client_for, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    held = services.booking_create(slot=slot, trainee=other_learner)
    client = client_for(learner.user)
    waiting = client.post(f"{API}/slots/{slot.pk}/book/", {}, format="json").json()
    assert waiting["status"] == "waitlisted"
    run_invite_requests()  # the worker builds the booking's notice after the commit

    services.booking_cancel(booking=held, by=other_learner.user)
    mine = client.get(f"{API}/bookings/{waiting['id']}/").json()
    assert mine["status"] == "offered" and mine["offer_expires_at"]
    accepted = client.post(f"{API}/bookings/{waiting['id']}/accept/", {}, format="json")

    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    assert cf.seat_invariant(slot) == (1, 1)
    mails = OutboxMessage.objects.filter(recipient=learner.user.email)
    kinds = {m.key.split(":")[1] for m in mails}
    assert {"waitlisted", "offered"} <= kinds
    # The seat is theirs: one email, the calendar invite carrying the "you got a seat" notice.
    assert mails.filter(key__startswith="invite:", subject__contains="候补转正").count() == 1
    # Their cancellation reaches them too: the calendar CANCEL (the invite was built) carries the notice.
    assert OutboxMessage.objects.filter(
        recipient=other_learner.user.email, subject__contains="预约已取消"
    ).exists()


def test_no_show_history_lowers_waitlist_priority(program, coach, learner, other_learner):
    past = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=-2))
    Booking.objects.create(slot=past, trainee=learner, status="confirmed", attendance="no_show")
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    (holder,) = cf.make_trainees(1)
    held = services.booking_create(slot=slot, trainee=holder)
    early = services.booking_create(slot=slot, trainee=learner)  # joined first, but has a no-show
    late = services.booking_create(slot=slot, trainee=other_learner)
    assert (early.priority, late.priority) == (1, 0)

    services.booking_cancel(booking=held, by=holder.user)

    early.refresh_from_db(), late.refresh_from_db()
    assert late.status == "offered" and early.status == "waitlisted"


def test_offer_expires_with_time_and_goes_to_next(client_for, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, capacity=1, starts_in=timedelta(days=3))
    (holder,) = cf.make_trainees(1)
    held = services.booking_create(slot=slot, trainee=holder)
    first = services.booking_create(slot=slot, trainee=learner)
    second = services.booking_create(slot=slot, trainee=other_learner)
    services.booking_cancel(booking=held, by=holder.user)
    first.refresh_from_db()
    assert first.status == "offered"
    assert first.offer_expires_at == first.offered_at + timedelta(hours=program.offer_hours)

    with time_machine.travel(first.offer_expires_at + timedelta(seconds=1)):
        response = client_for(learner.user).post(f"{API}/bookings/{first.pk}/accept/", {}, format="json")
        assert response.status_code == 409 and _err(response)["code"] == "offer_expired"
        result = services.coaching_tick()
        services.coaching_tick()  # idempotent: a second tick changes nothing

    assert result["expired"] == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == "expired" and second.status == "offered"
    assert cf.seat_invariant(slot) == (1, 1)


def test_offer_near_class_is_shorter(program, coach):
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(hours=3))
    now = timezone.now()
    assert services.offer_expiry(slot=slot, now=now) == slot.starts_at - timedelta(minutes=30)
    soon = cf.make_slot(program=program, coach=coach, starts_in=timedelta(minutes=10), title="x")
    assert services.offer_expiry(slot=soon, now=now) is None


def test_decline_offers_the_next(client_for, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    (holder,) = cf.make_trainees(1)
    held = services.booking_create(slot=slot, trainee=holder)
    first = services.booking_create(slot=slot, trainee=learner)
    second = services.booking_create(slot=slot, trainee=other_learner)
    services.booking_cancel(booking=held, by=holder.user)

    response = client_for(learner.user).post(f"{API}/bookings/{first.pk}/decline/", {}, format="json")

    assert response.json()["status"] == "declined"
    second.refresh_from_db()
    assert second.status == "offered"


# --- Cancel, move, slot changes -----------------------------------------------------------------


def test_late_cancellation_is_counted(client_for, union, coach, learner):
    program = cf.make_program(union=union, cancel_cutoff_hours=24)
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(hours=5))
    booking = services.booking_create(slot=slot, trainee=learner)
    response = client_for(learner.user).post(f"{API}/bookings/{booking.pk}/cancel/", {}, format="json")
    assert response.json()["late_cancel"] is True
    assert client_for(learner.user).get(f"{API}/progress/me/").json()["late_cancellations"] == 1


def test_cancel_someone_elses_booking_is_404(client_for, slot, learner, other_learner):
    booking = services.booking_create(slot=slot, trainee=learner)
    response = client_for(other_learner.user).post(f"{API}/bookings/{booking.pk}/cancel/", {}, format="json")
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_move_booking_is_atomic(client_for, program, coach, learner, other_learner):
    here = cf.make_slot(program=program, coach=coach, capacity=5)
    full = cf.make_slot(program=program, coach=coach, capacity=1, starts_in=timedelta(days=3))
    free = cf.make_slot(program=program, coach=coach, capacity=5, starts_in=timedelta(days=4))
    services.booking_create(slot=full, trainee=other_learner)
    booking = services.booking_create(slot=here, trainee=learner)
    client = client_for(learner.user)

    refused = client.post(f"{API}/bookings/{booking.pk}/move/", {"slot": str(full.pk)}, format="json")
    assert refused.status_code == 409 and _err(refused)["code"] == "slot_full"
    booking.refresh_from_db()
    assert booking.status == "confirmed" and cf.seat_invariant(here) == (1, 1)

    moved = client.post(f"{API}/bookings/{booking.pk}/move/", {"slot": str(free.pk)}, format="json")
    assert moved.status_code == 200 and moved.json()["slot"]["id"] == str(free.pk)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.moved_to_id is not None
    assert cf.seat_invariant(here) == (0, 0) and cf.seat_invariant(free) == (1, 1)


def test_capacity_below_taken_refused_and_raise_offers_waitlist(organizer_client, program, coach):
    slot = cf.make_slot(program=program, coach=coach, capacity=2)
    trainees = cf.make_trainees(4)
    for t in trainees:
        services.booking_create(slot=slot, trainee=t)

    low = organizer_client.patch(f"{API}/slots/{slot.pk}/", {"capacity": 1}, format="json")
    assert low.status_code == 409 and _err(low)["code"] == "capacity_below_taken"
    assert "capacity" in _err(low)["fields"]

    high = organizer_client.patch(f"{API}/slots/{slot.pk}/", {"capacity": 3}, format="json")
    assert high.status_code == 200 and high.json()["seats_taken"] == 3
    assert Booking.objects.get(slot=slot, trainee=trainees[2]).status == "offered"
    assert Booking.objects.get(slot=slot, trainee=trainees[3]).status == "waitlisted"


def test_reschedule_and_cancel_slot_notify_everyone(organizer_client, slot, learner, other_learner):
    for t in (learner, other_learner):
        services.booking_create(slot=slot, trainee=t)
    new_start = slot.starts_at + timedelta(days=1)

    moved = organizer_client.patch(
        f"{API}/slots/{slot.pk}/",
        {"starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["ical_sequence"] == 1
    # One email each: the calendar update carries the notice.
    assert OutboxMessage.objects.filter(kind="email", subject__contains="课程时间变更").count() == 2

    cancelled = organizer_client.post(f"{API}/slots/{slot.pk}/cancel/", {"reason": "教练生病"}, format="json")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["seats_taken"] == 0
    assert OutboxMessage.objects.filter(kind="email", subject__contains="课程已取消").count() == 2
    assert set(Booking.objects.filter(slot=slot).values_list("status", flat=True)) == {"cancelled"}
    assert Booking.objects.filter(slot=slot, ical_sequence=2).count() == 2


def test_one_on_one_slots_keep_buffer(client_for, program, coach):
    start = timezone.now() + timedelta(days=2)
    client = client_for(coach.user)
    payload = {"program": str(program.pk), "coach": coach.pk, "kind": "one_on_one", "title": "1:1 复盘"}
    first = client.post(
        f"{API}/slots/",
        {**payload, "starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert first.status_code == 201 and first.json()["capacity"] == 1
    clash_start = start + timedelta(minutes=35)  # inside the 15-minute buffer
    clash = client.post(
        f"{API}/slots/",
        {
            **payload,
            "starts_at": clash_start.isoformat(),
            "ends_at": (clash_start + timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert clash.status_code == 409 and _err(clash)["code"] == "coach_busy"
    bad = client.post(
        f"{API}/slots/",
        {**payload, "capacity": 3, "starts_at": "yesterday", "ends_at": start.isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "starts_at" in _err(bad)["fields"]


# --- Attendance, check-in, no-shows ---------------------------------------------------------------


def test_coach_marks_attendance_and_tick_marks_no_shows(client_for, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=1))
    present = services.booking_create(slot=slot, trainee=learner)
    unmarked = services.booking_create(slot=slot, trainee=other_learner)

    with time_machine.travel(slot.starts_at + timedelta(minutes=5)):
        response = client_for(coach.user).post(
            f"{API}/bookings/{present.pk}/attendance/", {"present": True}, format="json"
        )
        assert response.status_code == 200 and response.json()["attendance"] == "present"
    with time_machine.travel(slot.ends_at + timedelta(minutes=1)):
        assert services.coaching_tick()["no_shows"] == 1
        assert services.coaching_tick()["no_shows"] == 0

    unmarked.refresh_from_db()
    assert unmarked.attendance == "no_show"
    progress = client_for(other_learner.user).get(f"{API}/progress/me/").json()
    assert progress["no_show"] == 1 and progress["attended"] == 0


def test_qr_check_in(client_for, program, coach, learner):
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=1))
    booking = services.booking_create(slot=slot, trainee=learner)
    client = client_for(learner.user)
    early = client.post(f"{API}/checkin/", {"token": slot.checkin_token}, format="json")
    assert early.status_code == 409 and _err(early)["code"] == "checkin_closed"
    with time_machine.travel(slot.starts_at - timedelta(minutes=10)):
        response = client.post(f"{API}/checkin/", {"token": slot.checkin_token}, format="json")
    assert response.status_code == 200 and response.json()["attendance"] == "present"
    booking.refresh_from_db()
    assert booking.checked_in_at is not None
    assert client.post(f"{API}/checkin/", {"token": "nope"}, format="json").status_code == 404


# --- Scoping -----------------------------------------------------------------------------------


def test_attendees_only_for_own_coach_and_union_organizer(
    client_for, slot, learner, other_coach, other_organizer_client, organizer_client, coach
):
    services.booking_create(slot=slot, trainee=learner)
    url = f"{API}/slots/{slot.pk}/attendees/"
    sheet = client_for(coach.user).get(url).json()
    assert [row["phone"] for row in sheet] == ["138****5678"]
    assert organizer_client.get(url).status_code == 200
    assert client_for(other_coach.user).get(url).status_code == 404
    assert other_organizer_client.get(url).status_code == 404
    assert client_for(learner.user).get(url).status_code == 404


def test_bookings_scoped_to_owner(client_for, slot, learner, other_learner, other_organizer_client):
    booking = services.booking_create(slot=slot, trainee=learner)
    assert client_for(other_learner.user).get(f"{API}/bookings/{booking.pk}/").status_code == 404
    assert other_organizer_client.get(f"{API}/bookings/{booking.pk}/").status_code == 404
    assert client_for(other_learner.user).get(f"{API}/bookings/").json()["results"] == []


def test_wrong_role_writes_are_403(client_for, learner, program, coach, other_organizer_client):
    assert client_for(learner.user).post(f"{API}/programs/", {"title": "x"}, format="json").status_code == 403
    response = other_organizer_client.patch(f"{API}/programs/{program.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 404


def test_slot_list_query_count(anon_client, program, coach, django_assert_max_num_queries):
    for day in range(1, 8):
        cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=day), title=f"第 {day} 课")
    with django_assert_max_num_queries(4):
        body = anon_client.get(f"{API}/slots/?program={program.pk}&upcoming=1").json()
    assert [s["title"] for s in body["results"]] == [f"第 {d} 课" for d in range(1, 8)]
    assert body["results"][0]["seats_left"] == 30


def test_my_bookings_query_count(client_for, union, coach, learner, django_assert_max_num_queries):
    program = cf.make_program(union=union, max_active_bookings=20)
    for day in range(1, 6):
        services.booking_create(
            slot=cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=day)), trainee=learner
        )
    client = client_for(learner.user)
    with django_assert_max_num_queries(5):
        body = client.get(f"{API}/bookings/").json()
    assert body["count"] == 5


def test_programs_crud_and_validation(organizer_client, other_organizer_client):
    created = organizer_client.post(
        f"{API}/programs/",
        {"title": "手机摄影课", "offer_hours": 6, "timezone": "Asia/Shanghai"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["offer_hours"] == 6
    bad = organizer_client.post(f"{API}/programs/", {"title": "x", "timezone": "Mars/Base"}, format="json")
    assert bad.status_code == 400 and "timezone" in _err(bad)["fields"]
    pk = created.json()["id"]
    assert (
        organizer_client.patch(f"{API}/programs/{pk}/", {"offer_hours": 0}, format="json").status_code == 400
    )
    assert (
        other_organizer_client.patch(f"{API}/programs/{pk}/", {"title": "y"}, format="json").status_code
        == 404
    )


def test_openapi_schema_lists_coaching(anon_client):
    response = anon_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/coaching/signup/" in paths and "/api/v1/coaching/bookings/{id}/move/" in paths


def test_slot_is_unaffected_by_unknown_capacity_input(organizer_client, slot):
    response = organizer_client.patch(
        f"{API}/slots/{slot.pk}/", {"capacity": "many", "seats_taken": 0}, format="json"
    )
    assert response.status_code == 400
    assert set(_err(response)["fields"]) == {"seats_taken"} or "capacity" in _err(response)["fields"]
    slot.refresh_from_db()
    assert slot.capacity == 30 and Slot.objects.count() == 1


# --- The fast booking answer --------------------------------------------------------------------


def _drf_answer(booking):
    from coaching.api import booking_created_fields
    from coaching.serializers import BookingCreatedSerializer

    return BookingCreatedSerializer(booking_created_fields(booking)).data


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_fast_token_booking_answers_what_the_serializer_answers(
    anon_client, program, coach, learner, other_learner, zone
):
    """The token fast path builds its JSON itself: same fields and values as BookingCreatedSerializer,
    for the winner (confirmed) and the loser (waitlisted), in the zone the request runs in."""
    import orjson
    from rest_framework.authtoken.models import Token

    from coaching.api import booking_created_json

    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    answers = []
    with timezone.override(zone):
        for trainee in (learner, other_learner):
            token, _ = Token.objects.get_or_create(user=trainee.user)
            response = anon_client.post(
                f"{API}/slots/{slot.pk}/book/", {}, format="json", HTTP_AUTHORIZATION=f"Token {token.key}"
            )
            assert response.status_code == 201, response.content
            assert response["Content-Type"] == "application/json"
            answers.append(orjson.loads(response.content))
        confirmed, waitlisted = answers
        assert (confirmed["status"], waitlisted["status"]) == ("confirmed", "waitlisted")
        assert waitlisted["waitlist_position"] == 1 and waitlisted["confirmed_at"] is None
        for answer in answers:
            booking = Booking.objects.get(pk=answer["id"])
            assert answer == _drf_answer(booking)
            assert list(answer) == list(_drf_answer(booking))  # same field order
            assert (
                orjson.loads(
                    booking_created_json(
                        {
                            **answer,
                            "id": booking.pk,
                            "slot": slot.pk,
                            "confirmed_at": booking.confirmed_at,
                            "created_at": booking.created_at,
                        }
                    )
                )
                == answer
            )
