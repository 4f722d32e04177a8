"""Coaching setup as the organizer does it: programs, weekly classes, availability, cancelling."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from coaching.models import Booking, Program, Slot
from core.models import Activity, OutboxMessage
from tests.coaching import factories as cf

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def org(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def coach(union):
    return cf.make_coach(union=union, username="coach")


def _next_monday_19h():
    now = timezone.now().astimezone(SH)
    day = now + timedelta(days=(7 - now.weekday()) % 7 or 7)
    return day.replace(hour=19, minute=0, second=0, microsecond=0)


def test_program_create_edit_and_bad_input(org, organizer):
    bad = org.post("/organizer/coaching/new/", {"title": "", "timezone": "Asia/Shanghai", "capacity": "0"})
    html = bad.content.decode()
    assert 'data-testid="error-title"' in html and 'data-testid="error-capacity"' in html
    assert not Program.objects.exists()
    data = {
        "title": "7 天直播带货训练营",
        "timezone": "Asia/Shanghai",
        "capacity": "30",
        "cancel_cutoff_hours": "12",
        "max_active_bookings": "10",
        "offer_hours": "12",
        "completion_classes": "0",
        "is_published": "on",
    }
    response = org.post("/organizer/coaching/new/", data)
    program = Program.objects.get()
    assert response["Location"] == f"/organizer/coaching/{program.pk}/"
    assert program.union == organizer.union and program.is_published
    org.post(
        f"/organizer/coaching/{program.pk}/edit/", {**data, "title": "直播带货进阶班", "offer_hours": "99"}
    )
    program.refresh_from_db()
    assert program.title == "7 天直播带货训练营"  # 99 hours refused, nothing stored
    org.post(f"/organizer/coaching/{program.pk}/edit/", {**data, "title": "直播带货进阶班"})
    program.refresh_from_db()
    assert program.title == "直播带货进阶班"
    page = org.get("/organizer/coaching/").content.decode()
    assert "直播带货进阶班" in page and f"/coaching/p/{program.pk}/stats/" in page


def test_weekly_slots_until_a_date_in_local_time(org, union, organizer, coach):
    program = cf.make_program(union=union, organizer=organizer)
    first = _next_monday_19h()
    response = org.post(
        f"/organizer/coaching/{program.pk}/slots/",
        {
            "kind": "group",
            "coach": coach.pk,
            "title": "直播话术小班课",
            "starts_at": first.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (first + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "20",
            "repeat_weekly": "on",
            "until": (first + timedelta(weeks=3)).date().isoformat(),
        },
    )
    assert response.status_code == 302
    slots = list(Slot.objects.filter(program=program).order_by("starts_at"))
    assert len(slots) == 4
    assert all(s.starts_at.astimezone(SH).strftime("%a %H:%M") == "Mon 19:00" for s in slots)
    assert slots[-1].starts_at - slots[0].starts_at == timedelta(weeks=3)
    # The same again clashes with the coach's own classes: nothing added, the page says which week.
    again = org.post(
        f"/organizer/coaching/{program.pk}/slots/",
        {
            "kind": "one_on_one",
            "coach": coach.pk,
            "title": "1:1 复盘",
            "starts_at": (first - timedelta(weeks=1) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (first - timedelta(weeks=1) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "repeat_weekly": "on",
            "until": (first + timedelta(weeks=1)).date().isoformat(),
        },
    )
    html = again.content.decode()
    assert again.status_code == 400 and first.date().isoformat() in html and "没有添加" in html
    assert Slot.objects.filter(program=program).count() == 4


def test_slot_form_errors_store_nothing(org, union, organizer, coach):
    program = cf.make_program(union=union, organizer=organizer)
    response = org.post(
        f"/organizer/coaching/{program.pk}/slots/",
        {
            "kind": "group",
            "coach": coach.pk,
            "title": "x",
            "starts_at": "2020-01-01T10:00",
            "ends_at": "2020-01-01T09:00",
            "repeat_weekly": "on",
        },
    )
    html = response.content.decode()
    for field in ("ends_at", "capacity", "until"):
        assert f'data-testid="error-{field}"' in html, field
    assert not Slot.objects.exists()


def test_cancel_a_class_with_reason_tells_the_booked(org, union, organizer, coach):
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach)
    learner = cf.make_trainee(username="learner", phone="+8613812345678")
    from coaching import services

    services.booking_create(slot=slot, trainee=learner)
    page = org.get(f"/organizer/coaching/slots/{slot.pk}/cancel/").content.decode()
    assert learner.user.name in page
    assert org.post(f"/organizer/coaching/slots/{slot.pk}/cancel/", {"reason": ""}).status_code == 200
    slot.refresh_from_db()
    assert slot.status == "scheduled"
    org.post(f"/organizer/coaching/slots/{slot.pk}/cancel/", {"reason": "教练生病"})
    slot.refresh_from_db()
    assert slot.status == "cancelled" and slot.cancel_reason == "教练生病"
    assert Booking.objects.get(slot=slot).status == "cancelled"
    assert OutboxMessage.objects.filter(recipient=learner.user.email).exists()


def test_coach_availability(org, coach):
    assert "张教练" in org.get("/organizer/coaching/coaches/").content.decode()
    bad = org.post(
        f"/organizer/coaching/coaches/{coach.pk}/",
        {"buffer_minutes": "-1", "min_notice_hours": "2", "horizon_days": "30"},
    )
    assert 'data-testid="error-buffer_minutes"' in bad.content.decode()
    org.post(
        f"/organizer/coaching/coaches/{coach.pk}/",
        {"buffer_minutes": "20", "min_notice_hours": "4", "horizon_days": "60"},
    )
    coach.refresh_from_db()
    assert (coach.buffer_minutes, coach.min_notice_hours, coach.horizon_days) == (20, 4, 60)


@pytest.mark.parametrize("who", ["other_organizer", "host", "trainee", "coach", "anonymous"])
def test_outsiders_cannot_set_up_coaching(
    client, union, organizer, coach, other_organizer, host, trainee, who
):
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach)
    users = {"other_organizer": other_organizer, "host": host, "trainee": trainee, "coach": coach.user}
    if who != "anonymous":
        client.force_login(users[who])
    before = Activity.objects.count()
    for method, url, data in [
        ("get", f"/organizer/coaching/{program.pk}/", {}),
        ("post", f"/organizer/coaching/{program.pk}/edit/", {"title": "x"}),
        ("post", f"/organizer/coaching/{program.pk}/slots/", {"title": "x"}),
        ("post", f"/organizer/coaching/slots/{slot.pk}/cancel/", {"reason": "x"}),
        (
            "post",
            f"/organizer/coaching/coaches/{coach.pk}/",
            {"buffer_minutes": "1", "min_notice_hours": "1", "horizon_days": "1"},
        ),
    ]:
        response = getattr(client, method)(url, data)
        if who == "anonymous" and method == "get":
            assert response.status_code == 302
        else:
            assert response.status_code in (403, 404), (who, url, response.status_code)
    assert Activity.objects.count() == before
    slot.refresh_from_db()
    coach.refresh_from_db()
    assert slot.status == "scheduled" and coach.buffer_minutes == 15
