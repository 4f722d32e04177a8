"""Phone-size journeys: sign up, sign out, back in by SMS code, book, cancel; invited coach; front desk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coaching.models import Booking, Trainee
from core import sms
from core.models import OutboxMessage, User
from tests.coaching import factories as cf
from tests.core.test_signin import deliver_pending

SHOTS = Path("/tmp/shots/auth")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sms_outbox"),
]
SHOTS.mkdir(parents=True, exist_ok=True)


def _code_for(phone: str) -> str:
    deliver_pending("sms")
    text = [m.text for m in sms.outbox if m.phone == phone][-1]
    return re.search(r"\b(\d{6})\b", text).group(1)


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


def test_trainee_signs_up_signs_out_and_back_in_with_an_sms_code(live_server, phone_page, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    first = cf.make_slot(program=program, coach=coach, title="第 1 课")
    second = cf.make_slot(program=program, coach=coach, title="第 2 课", starts_in=cf.timedelta(days=3))
    page = phone_page

    page.goto(f"{live_server.url}/coaching/book/{first.pk}/")
    page.get_by_label("姓名").fill("赵丽")
    page.get_by_label("手机号").fill("138 0571 6688")
    page.locator("#book-submit").click()
    page.wait_for_url("**/coaching/me/")
    page.get_by_test_id("logout").click()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill("13805716688")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent-to")).to_contain_text("138****6688")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "code-step.png"))
    page.get_by_label("验证码").fill(_code_for("+8613805716688"))
    page.get_by_test_id("code-submit").click()
    page.wait_for_url("**/coaching/me/")
    expect(page.get_by_test_id("account-home")).to_have_text("赵丽")

    page.goto(f"{live_server.url}/coaching/book/{second.pk}/")
    page.locator("#book-submit").click()
    page.wait_for_url("**/coaching/me/")
    trainee = Trainee.objects.get(phone="13805716688")
    assert Booking.objects.filter(trainee=trainee, status="confirmed").count() == 2

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(".booking:has-text('第 2 课')").get_by_test_id("cancel").click()
    expect(page.locator(".notice").first).to_contain_text("已取消")
    assert Booking.objects.get(trainee=trainee, slot=second).status == "cancelled"


def test_booking_again_with_a_registered_number_asks_for_the_code_there(
    live_server, phone_page, union, organizer
):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach)
    cf.make_trainee(phone="13805716688")
    page = phone_page

    page.goto(f"{live_server.url}/coaching/book/{slot.pk}/")
    page.get_by_label("姓名").fill("赵丽")
    page.get_by_label("手机号").fill("13805716688")
    page.locator("#book-submit").click()
    expect(page.get_by_test_id("code-step")).to_be_visible()
    code = _code_for("+8613805716688")
    page.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    page.locator("#book-submit").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("验证码不正确")
    page.get_by_label("验证码").fill(code)
    page.locator("#book-submit").click()
    page.wait_for_url("**/coaching/me/")
    assert Booking.objects.get(slot=slot).trainee.phone == "13805716688"


def test_expired_and_sixth_wrong_codes_are_refused_on_the_page(live_server, phone_page, db):
    import time_machine
    from django.utils import timezone

    cf.make_trainee(phone="13805716688")
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill("13805716688")
    page.get_by_test_id("send-code").click()
    code = _code_for("+8613805716688")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        page.get_by_label("验证码").fill(wrong)
        page.get_by_test_id("code-submit").click()
    page.get_by_label("验证码").fill(code)
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("错误次数过多")

    with time_machine.travel(timezone.now() + cf.timedelta(minutes=2)):
        page.get_by_test_id("resend").click()
        fresh = _code_for("+8613805716688")
    with time_machine.travel(timezone.now() + cf.timedelta(minutes=8)):
        page.get_by_label("验证码").fill(fresh)
        page.get_by_test_id("code-submit").click()
        expect(page.get_by_test_id("code-error")).to_contain_text("验证码已过期")
    expect(page.get_by_test_id("login")).to_be_visible()


def test_invited_coach_sets_a_password_and_logs_in(live_server, page_for, browser, union, organizer):
    staff = page_for(organizer)
    staff.goto(f"{live_server.url}/coaching/invitations/")
    staff.get_by_label("身份").select_option("coach")
    staff.get_by_label("姓名").fill("刘教练")
    staff.get_by_label("邮箱").fill("liu@example.com")
    staff.get_by_test_id("invite-submit").click()
    expect(staff.get_by_test_id("invited").first).to_contain_text("等待设置密码")
    coach = User.objects.get(email="liu@example.com")
    assert coach.role == "coach" and hasattr(coach, "coach")
    text = OutboxMessage.objects.get(recipient="liu@example.com").payload["text"]
    link = re.search(r"http\S+/accounts/reset/\S+", text).group(0)
    link = link.replace("http://127.0.0.1:8000", live_server.url)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(link)
    page.get_by_label("新密码").fill("Liu-coach-2026!")
    page.get_by_label("再输入一次").fill("Liu-coach-2026!")
    page.get_by_test_id("set-password").click()
    expect(page.get_by_test_id("reset-complete")).to_be_visible()
    page.goto(link)  # single use
    expect(page.get_by_test_id("link-invalid")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", coach.username)
    page.fill("#id_password", "Liu-coach-2026!")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/coaching/coach/")
    expect(page.get_by_test_id("account-home")).to_have_text("刘教练")
    context.close()


def test_host_invited_by_sms_only_sets_a_password_and_signs_in_by_code(
    live_server, page_for, browser, union, organizer
):
    staff = page_for(organizer)
    staff.goto(f"{live_server.url}/coaching/invitations/")
    staff.get_by_label("身份").select_option("host")
    staff.get_by_label("姓名").fill("周主播")
    staff.get_by_test_id("invite-submit").click()
    expect(staff.locator(".errorlist").first).to_contain_text("请填写邮箱或手机号")
    staff.get_by_label("姓名").fill("周主播")
    staff.get_by_label("手机号（选填，同时短信通知）").fill("139 0571 8899")
    staff.get_by_test_id("invite-submit").click()
    expect(staff.locator(".notice").first).to_contain_text("139****8899")
    expect(staff.get_by_test_id("invited").first).to_contain_text("等待设置密码")
    host = User.objects.get(phone="13905718899")
    assert host.role == "host" and host.email == "" and not host.has_usable_password()
    assert not OutboxMessage.objects.filter(kind="email").exists()  # nobody to email: SMS only

    deliver_pending("sms")
    [text] = [m.text for m in sms.outbox if m.phone == "13905718899" and m.kind == "invitation"]
    link = re.search(r"http\S+/accounts/reset/\S+?/(?=\s|（|$)", text).group(0)
    link = link.replace("http://127.0.0.1:8000", live_server.url)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(link)
    page.get_by_label("新密码").fill("Zhou-host-2026!")
    page.get_by_label("再输入一次").fill("Zhou-host-2026!")
    page.get_by_test_id("set-password").click()
    expect(page.get_by_test_id("reset-complete")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "sms-invite-set-password.png"))
    page.goto(link)  # single use
    expect(page.get_by_test_id("link-invalid")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill("13905718899")
    page.get_by_test_id("send-code").click()
    page.get_by_label("验证码").fill(_code_for("+8613905718899"))
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("account-home")).to_have_text("周主播")
    context.close()


def test_check_in_asks_for_the_code_right_there(live_server, phone_page, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(
        program=program, coach=coach, starts_in=cf.timedelta(minutes=10), title="第 5 课：实战"
    )
    trainee = cf.make_trainee(phone="13805716688")
    from coaching import services

    booking = services.booking_create(slot=slot, trainee=trainee)
    page = phone_page

    page.goto(f"{live_server.url}/coaching/checkin/{slot.checkin_token}/")
    expect(page.get_by_test_id("checkin-phone-form")).to_be_visible()
    page.get_by_label("手机号").fill("138 0571 6688")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent-to")).to_contain_text("138****6688")
    code = _code_for("+8613805716688")
    page.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("checkin-submit").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("验证码不正确")
    page.get_by_label("验证码").fill(code)
    page.get_by_test_id("checkin-submit").click()
    expect(page.locator(".notice.success")).to_contain_text("签到成功")
    assert "/accounts/login/" not in page.url
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "checkin-code.png"))
    booking.refresh_from_db()
    assert booking.attendance == "present" and booking.checked_in_at is not None


def test_login_page_links_employer_sign_up(live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("employer-signup").click()
    page.wait_for_url("**/jobs/employer/signup/")
    expect(page.locator("h1")).to_be_visible()


def test_organizer_books_on_behalf_and_stays_the_organizer(live_server, page_for, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach)
    page = page_for(organizer, phone=True)

    page.goto(f"{live_server.url}/coaching/book/{slot.pk}/")
    expect(page.get_by_test_id("on-behalf")).to_contain_text("代报名")
    page.get_by_label("姓名").fill("孙大姐")
    page.get_by_label("手机号").fill("139 0571 2233")
    page.locator("#book-submit").click()
    expect(page.locator(".notice").first).to_contain_text("已为 孙大姐 预约")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "on-behalf.png"))

    expect(page.get_by_test_id("account-home")).to_have_text(organizer.name)
    booking = Booking.objects.get(slot=slot)
    assert booking.trainee.phone == "13905712233" and booking.booked_by == organizer


def test_recruiter_invited_by_sms_joins_from_the_link_on_a_phone(live_server, page_for, browser, db):
    from jobs.models import EmployerMembership
    from tests.jobs.factories import HUAWEI, make_employer

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="hr_boss")
    owner = employer.memberships.get().user
    staff = page_for(owner)
    staff.goto(f"{live_server.url}/jobs/employer/team/")
    staff.get_by_label("或手机号（短信邀请）").fill("139 0571 7788")
    staff.get_by_test_id("invite").click()
    expect(staff.get_by_test_id("invitation").first).to_contain_text("139****7788")
    assert not OutboxMessage.objects.filter(kind="email", key__startswith="jobs:invite").exists()

    deliver_pending("sms")
    [text] = [m.text for m in sms.outbox if m.phone == "13905717788" and m.kind == "recruiter_invitation"]
    link = (
        re.search(r"http\S+/jobs/invite/[\w-]+/", text)
        .group(0)
        .replace("http://127.0.0.1:8000", live_server.url)
    )

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(link)
    page.get_by_label("用户名").fill("zhaopin_wang")
    page.get_by_label("姓名").fill("王招聘")
    page.get_by_label("密码").fill("Wang-hr-2026!")
    page.get_by_test_id("accept").click()
    page.wait_for_url("**/jobs/employer/**")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "sms-recruiter-joined.png"))
    member = EmployerMembership.objects.get(user__username="zhaopin_wang")
    assert member.role == "recruiter" and member.user.phone == "13905717788"
    page.goto(link)  # single use
    expect(page.get_by_test_id("invalid")).to_be_visible()
    context.close()
