"""Overlapping bookings, booking on behalf, page throttles, staff invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coaching import services
from coaching.models import Booking
from core.errors import ApplicationError
from core.models import OutboxMessage, User
from tests.coaching import factories as cf

pytestmark = pytest.mark.django_db


def test_two_overlapping_confirmed_bookings_are_refused(program, coach, learner):
    start = timezone.now() + timedelta(days=2)
    early = cf.make_slot(program=program, coach=coach, starts_at=start, duration=timedelta(hours=2))
    inside = cf.make_slot(
        program=program, coach=coach, starts_at=start + timedelta(minutes=30), duration=timedelta(hours=1)
    )
    after = cf.make_slot(program=program, coach=coach, starts_at=start + timedelta(hours=2))
    services.booking_create(slot=early, trainee=learner)

    with pytest.raises(ApplicationError) as refused:
        services.booking_create(slot=inside, trainee=learner)
    services.booking_create(slot=after, trainee=learner)  # back to back is fine

    assert refused.value.code == "overlapping_booking" and refused.value.status_code == 409
    assert not Booking.objects.filter(slot=inside).exists()


def test_booking_on_behalf_records_who_booked_and_reuses_the_number(slot, organizer, learner):
    booking = services.booking_on_behalf(slot=slot, by=organizer, name="x", phone="138 1234 5678")

    assert booking.trainee == learner and booking.booked_by == organizer


def test_booking_on_behalf_needs_the_class_staff(slot, other_organizer):
    with pytest.raises(ApplicationError) as refused:
        services.booking_on_behalf(slot=slot, by=other_organizer, name="赵丽", phone="13805716688")
    assert refused.value.status_code == 403


def test_organizer_on_the_booking_page_stays_logged_in(client, slot, organizer):
    client.force_login(organizer)

    response = client.post(f"/coaching/book/{slot.pk}/", {"name": "孙大姐", "phone": "13905712233"})

    assert response.status_code == 302 and response["Location"] == f"/coaching/book/{slot.pk}/"
    assert client.session["_auth_user_id"] == str(organizer.pk)
    assert Booking.objects.get(slot=slot).booked_by == organizer


def test_booking_page_sign_ups_are_limited_per_address(settings, slot):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "booking_page_ip": "2/3600"}
    codes = [
        Client().post(f"/coaching/book/{slot.pk}/", {"name": "学员", "phone": f"1390571{n:04d}"})
        for n in range(3)
    ]

    assert [r.status_code for r in codes] == [302, 302, 429]
    assert codes[2].has_header("Retry-After")
    assert Booking.objects.filter(slot=slot).count() == 2


def test_invitation_page_is_for_organizers_only(client, coach):
    client.force_login(coach.user)
    assert client.get("/coaching/invitations/").status_code == 403


def test_organizer_invites_a_host_and_a_second_invite_is_refused_after_joining(client, organizer):
    client.force_login(organizer)
    form = {"role": "host", "name": "李主播", "email": "li@example.com", "phone": ""}

    assert client.post("/coaching/invitations/", form).status_code == 302
    host = User.objects.get(email="li@example.com")
    assert host.role == "host" and host.union == organizer.union and not host.has_usable_password()
    assert "/accounts/reset/" in OutboxMessage.objects.get(recipient="li@example.com").payload["text"]
    host.set_password("Host-pass-2026!")
    host.save()

    again = client.post("/coaching/invitations/", form)
    assert again.status_code == 400 and "该邮箱已有账号" in again.content.decode()


def test_coach_created_through_the_api_gets_an_invitation(organizer_client):
    response = organizer_client.post(
        "/api/v1/coaching/coaches/",
        {"username": "api_coach", "display_name": "周教练", "email": "zhou@example.com"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert "/accounts/reset/" in OutboxMessage.objects.get(recipient="zhou@example.com").payload["text"]


def test_booking_api_shows_the_waitlist_position(client_for, program, coach):
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    holder, first, second = cf.make_trainees(3)
    for trainee in (holder, first, second):
        services.booking_create(slot=slot, trainee=trainee)

    mine = client_for(second.user).get("/api/v1/coaching/bookings/").json()

    [row] = mine["results"]
    assert row["status"] == "waitlisted" and row["waitlist_position"] == 2


def test_sheet_refuses_too_early_and_marks_all_present_when_open(
    client, program, coach, learner, other_learner
):
    import time_machine

    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=1))
    for trainee in (learner, other_learner):
        services.booking_create(slot=slot, trainee=trainee)
    client.force_login(coach.user)

    early = client.get(f"/coaching/sheet/{slot.pk}/").content.decode()
    refused = client.post(f"/coaching/sheet/{slot.pk}/all-present/", follow=True).content.decode()
    assert 'data-testid="too-early"' in early and 'name="present"' not in early
    assert "签到在上课前 30 分钟开放" in refused

    with time_machine.travel(slot.starts_at - timedelta(minutes=10)):
        done = client.post(f"/coaching/sheet/{slot.pk}/all-present/", follow=True).content.decode()
        export = client.get(f"/coaching/sheet/{slot.pk}/export.csv")
    assert "已将 2 位学员记为到课" in done
    assert set(Booking.objects.filter(slot=slot).values_list("attendance", flat=True)) == {"present"}
    body = export.content.decode("utf-8-sig")
    assert learner.user.name in body and "138****5678" in body and "+8613812345678" not in body


def test_coach_messages_the_class_through_each_trainees_channel(client, slot, coach, learner):
    services.booking_create(slot=slot, trainee=learner)
    client.force_login(coach.user)

    client.post(f"/coaching/sheet/{slot.pk}/message/", {"text": "明天带上手机支架"})

    [row] = OutboxMessage.objects.filter(key__startswith="coaching:message:")
    assert row.recipient == learner.user.email and "明天带上手机支架" in row.payload["text"]


def test_program_page_shows_the_trainees_own_state_on_each_class(client, program, coach, learner):
    full = cf.make_slot(program=program, coach=coach, capacity=1, title="满的课")
    booked = cf.make_slot(program=program, coach=coach, title="订了的课", starts_in=timedelta(days=3))
    cf.make_slot(program=program, coach=coach, title="空的课", starts_in=timedelta(days=4))
    services.booking_create(slot=full, trainee=cf.make_trainee())
    services.booking_create(slot=full, trainee=learner)
    services.booking_create(slot=booked, trainee=learner)
    client.force_login(learner.user)

    html = client.get(f"/coaching/p/{program.pk}/").content.decode()

    assert "候补第 1 位" in html and "已预约" in html
    assert html.count("一分钟预约") == 1  # only the class not yet booked offers booking


def test_my_bookings_lists_upcoming_first_and_cancelled_last(client, program, coach, learner):
    later = cf.make_slot(program=program, coach=coach, title="后面的课", starts_in=timedelta(days=5))
    sooner = cf.make_slot(program=program, coach=coach, title="先上的课", starts_in=timedelta(days=3))
    gone = cf.make_slot(program=program, coach=coach, title="取消的课", starts_in=timedelta(days=1))
    for slot in (gone, later, sooner):
        services.booking_create(slot=slot, trainee=learner)
    services.booking_cancel(booking=Booking.objects.get(slot=gone), by=learner.user)
    client.force_login(learner.user)

    html = client.get("/coaching/me/").content.decode()

    assert html.index("先上的课") < html.index("后面的课") < html.index("取消的课")


def test_add_to_calendar_and_move_from_my_bookings(client, program, coach, learner):
    import vobject

    first = cf.make_slot(program=program, coach=coach, title="第一次", starts_in=timedelta(days=2))
    other = cf.make_slot(program=program, coach=coach, title="第二次", starts_in=timedelta(days=3))
    booking = services.booking_create(slot=first, trainee=learner)
    client.force_login(learner.user)

    page = client.get("/coaching/me/").content.decode()
    ics = client.get(f"/coaching/me/{booking.pk}/calendar.ics")
    assert "calendar.google.com" in page and "outlook.live.com" in page
    event = vobject.readOne(ics.content.decode()).vevent
    assert event.uid.value == booking.ical_uid and event.dtstart.value == first.starts_at.replace(
        microsecond=0
    )

    move_page = client.get(f"/coaching/me/{booking.pk}/move/").content.decode()
    assert "第二次" in move_page and "改到这节课" in move_page
    moved = client.post(f"/coaching/me/{booking.pk}/move/", {"slot": str(other.pk)})
    assert moved.status_code == 302
    assert Booking.objects.get(trainee=learner, status="confirmed").slot == other
