"""One-minute booking on a phone, in real headless Chromium against the live server."""

import pytest

from coaching.models import Booking, Trainee
from tests.coaching import factories as cf


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_minute_booking_on_a_phone(live_server, phone_page, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer, title="7 天直播带货训练营")
    slot = cf.make_slot(program=program, coach=coach, capacity=12, title="第 1 课：手机直播间搭建")
    page = phone_page

    page.goto(f"{live_server.url}/coaching/p/{program.pk}/")
    assert "剩余 12 个名额" in page.locator(f"[data-slot='{slot.pk}']").inner_text()
    page.get_by_role("link", name="一分钟预约").click()
    page.get_by_label("姓名").fill("赵丽")
    page.get_by_label("手机号").fill("12345")
    page.locator("#book-submit").click()
    assert "中国大陆手机号" in page.content()  # bad number: field message, nothing stored
    assert not Booking.objects.exists()

    page.get_by_label("手机号").fill("138 0571 6688")
    page.locator("#book-submit").click()
    page.wait_for_url(f"{live_server.url}/coaching/me/")

    assert "预约成功" in page.content()
    card = page.locator(".booking").first
    assert "第 1 课：手机直播间搭建" in card.inner_text() and card.get_attribute("data-status") == "confirmed"
    # Mobile-first: the booking card fits the phone's width without horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    trainee = Trainee.objects.get(phone="13805716688")
    assert trainee.user.display_name == "赵丽"
    assert Booking.objects.get(trainee=trainee).status == "confirmed"
    # Back after the success: the booking page again, fresh, not the earlier error.
    page.go_back()
    page.wait_for_url(f"{live_server.url}/coaching/book/{slot.pk}/")
    assert "中国大陆手机号" not in page.content()
    assert Booking.objects.count() == 1
