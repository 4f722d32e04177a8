"""Notification preferences and "message the class", tried in a browser: a coach (laptop) adds a
mobile and picks SMS on the preferences page, then messages the class; each trainee gets it on their
own channel; a trainee (phone) switches to email + SMS in another zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from coaching import services
from core import sms
from core.models import OutboxMessage
from tests.coaching import factories as cf
from tests.core.test_signin import deliver_pending

SHOTS = Path("/tmp/shots/notify")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sms_outbox"),
]
SHOTS.mkdir(parents=True, exist_ok=True)


def test_coach_sets_sms_preference_and_messages_the_class(live_server, page_for, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach, title="第 6 课：话术复盘")
    by_email = cf.make_trainee(username="mail_reader")
    by_sms = cf.make_trainee(username="sms_reader", phone="13805716003")
    by_sms.user.email = ""
    by_sms.user.save()
    for trainee in (by_email, by_sms):
        services.booking_create(slot=slot, trainee=trainee)
    OutboxMessage.objects.all().delete()
    page = page_for(coach.user)

    page.goto(f"{live_server.url}/accounts/preferences/")
    page.get_by_label("通知方式").select_option("sms")
    page.get_by_test_id("save-preferences").click()
    expect(page.locator(".errorlist").first).to_contain_text("需要填写手机号")
    page.get_by_label("通知方式").select_option("sms")
    page.get_by_label("手机号（接收短信通知）").fill("139 0571 6004")
    page.get_by_test_id("save-preferences").click()
    expect(page.locator(".notice").first).to_contain_text("通知设置已保存")
    page.screenshot(path=str(SHOTS / "coach-preferences.png"))
    coach.user.refresh_from_db()
    assert (coach.user.notify_channel, coach.user.phone) == ("sms", "13905716004")

    page.goto(f"{live_server.url}/coaching/sheet/{slot.pk}/")
    expect(page.locator("body")).not_to_contain_text("13805716003")  # numbers stay masked
    page.get_by_label("消息（按每位学员的通知方式发送，不显示手机号）").fill("明天请带上手机支架。")
    page.get_by_test_id("send-message").click()
    expect(page.locator(".notice").first).to_contain_text("消息已发送给 2 位学员")
    page.screenshot(path=str(SHOTS / "coach-message.png"))

    deliver_pending()
    [mail] = OutboxMessage.objects.filter(kind="email", key__startswith="coaching:message:")
    assert mail.recipient == by_email.user.email and "明天请带上手机支架。" in mail.payload["text"]
    [text] = [m for m in sms.outbox if m.kind == "coaching_message"]
    assert text.phone == "13805716003" and "明天请带上手机支架" in text.text


def test_trainee_picks_email_and_sms_in_their_own_zone_on_a_phone(live_server, page_for):
    trainee = cf.make_trainee(username="zone_reader", phone="13805716005")
    page = page_for(trainee.user, phone=True)

    page.goto(f"{live_server.url}/accounts/preferences/")
    expect(page.get_by_label("手机号（接收短信通知）")).to_have_count(0)  # the booking number is theirs
    page.get_by_label("通知方式").select_option("both")
    page.get_by_label("时区").select_option("Asia/Urumqi")
    page.get_by_test_id("save-preferences").click()
    expect(page.locator(".notice").first).to_contain_text("通知设置已保存")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    page.screenshot(path=str(SHOTS / "trainee-preferences.png"))
    trainee.user.refresh_from_db()
    assert (trainee.user.notify_channel, trainee.user.time_zone) == ("both", "Asia/Urumqi")


def test_trainee_switches_to_english_on_a_phone_and_it_stays(live_server, page_for):
    trainee = cf.make_trainee(username="lang_reader", phone="13805716007")
    page = page_for(trainee.user, phone=True)
    assert page.viewport_size["width"] == 390

    page.goto(f"{live_server.url}/accounts/preferences/")
    language = page.get_by_label("语言（通知和页面）")
    expect(language).to_have_value("zh-hans")  # nothing chosen yet: the site's language
    language.select_option("en")
    page.get_by_test_id("save-preferences").click()

    # Saved, and their own pages now speak English (the language cookie follows the preference).
    expect(page.locator(".notice").first).to_contain_text("Notification settings saved.")
    expect(page.get_by_label("Language (notices and pages)")).to_have_value("en")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    page.screenshot(path=str(SHOTS / "trainee-language.png"))
    trainee.user.refresh_from_db()
    assert trainee.user.language == "en"
    page.goto(f"{live_server.url}/coaching/me/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
