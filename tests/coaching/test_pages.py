"""Server-rendered pages through Django's test client (the browser test lives in test_browser.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from coaching import services
from coaching.models import Booking, Trainee
from tests.coaching import factories as cf

pytestmark = pytest.mark.django_db


def test_program_pages_show_seats_left_and_waitlist(client, program, coach, learner):
    open_slot = cf.make_slot(program=program, coach=coach, capacity=5, title="选品课")
    full = cf.make_slot(program=program, coach=coach, capacity=1, title="话术课", starts_in=timedelta(days=3))
    (holder,) = cf.make_trainees(1)
    services.booking_create(slot=full, trainee=holder)
    services.booking_create(slot=full, trainee=learner)

    listing = client.get("/coaching/").content.decode()
    detail = client.get(f"/coaching/p/{program.pk}/").content.decode()

    assert program.title in listing
    assert "剩余 5 个名额" in detail and "候补 1 人" in detail
    assert f"/coaching/book/{open_slot.pk}/" in detail


def test_one_minute_booking_page_signs_up_and_logs_in(client, slot):
    response = client.post(f"/coaching/book/{slot.pk}/", {"name": "王芳", "phone": "13912345678"})

    assert response.status_code == 302 and response["Location"] == "/coaching/me/"
    mine = client.get("/coaching/me/").content.decode()
    assert slot.title in mine and "预约成功" in mine
    assert Trainee.objects.get(phone="13912345678").user.display_name == "王芳"


def test_booking_page_shows_field_errors(client, slot):
    response = client.post(f"/coaching/book/{slot.pk}/", {"name": "", "phone": "12"})
    assert response.status_code == 400
    assert "请填写姓名" in response.content.decode()
    assert not Booking.objects.exists()


def test_my_bookings_cancel_and_accept(client, program, coach, learner, other_learner):
    slot = cf.make_slot(program=program, coach=coach, capacity=1)
    held = services.booking_create(slot=slot, trainee=other_learner)
    waiting = services.booking_create(slot=slot, trainee=learner)
    services.booking_cancel(booking=held, by=other_learner.user)
    client.force_login(learner.user)

    page = client.get("/coaching/me/").content.decode()
    assert "确认名额" in page
    client.post(f"/coaching/me/{waiting.pk}/accept/")
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    client.post(f"/coaching/me/{waiting.pk}/cancel/")
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"


def test_my_bookings_actions_on_others_are_404(client, slot, learner, other_learner):
    booking = services.booking_create(slot=slot, trainee=learner)
    client.force_login(other_learner.user)
    assert client.post(f"/coaching/me/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_attendance_sheet_with_qr_and_check_in(client, coach, program, learner):
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(days=1))
    booking = services.booking_create(slot=slot, trainee=learner)
    client.force_login(coach.user)
    sheet = client.get(f"/coaching/sheet/{slot.pk}/").content.decode()
    assert "<svg" in sheet and f"/coaching/checkin/{slot.checkin_token}/" in sheet
    assert "138****5678" in sheet and "13812345678" not in sheet

    trainee_client = Client()
    trainee_client.force_login(learner.user)
    with time_machine.travel(slot.starts_at):
        page = trainee_client.post(f"/coaching/checkin/{slot.checkin_token}/").content.decode()
        assert "签到成功" in page
        client.post(f"/coaching/sheet/{slot.pk}/", {"booking": str(booking.pk), "present": "0"})
    booking.refresh_from_db()
    assert booking.attendance == "absent"


def test_attendance_sheet_is_404_for_other_coach(client, slot, other_coach):
    client.force_login(other_coach.user)
    assert client.get(f"/coaching/sheet/{slot.pk}/").status_code == 404


def test_pages_in_english(client, program, slot):
    client.cookies["django_language"] = "en"
    page = client.get(f"/coaching/p/{program.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Book in one minute" in page


def test_admin_pages_render(client, slot, learner):
    from tests.factories import make_user

    services.booking_create(slot=slot, trainee=learner)
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    for name in ("coach", "program", "slot", "trainee", "booking"):
        response = client.get(f"/admin/coaching/{name}/")
        assert response.status_code == 200, name
    assert slot.title in client.get(f"/admin/coaching/program/{slot.program.pk}/change/").content.decode()


def test_admin_shows_slot_times_read_only(client, slot):
    from tests.factories import make_user

    client.force_login(make_user(username="root2", is_staff=True, is_superuser=True))
    html = client.get(f"/admin/coaching/slot/{slot.pk}/change/").content.decode()
    assert 'name="starts_at_0"' not in html and 'name="capacity"' not in html
    assert slot.title in html
    assert client.get("/admin/coaching/slot/add/").status_code == 403
