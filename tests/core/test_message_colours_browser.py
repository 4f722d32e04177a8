"""Message boxes take their colour from their kind, one rule set for every page: a success is green
(the check-in success box was pink), an error red. Phone at 390 px and laptop at 1366×900, with
screenshots in /tmp/shots/messages/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coaching import services as coaching
from jobs import services as jobs
from livestreams import services as ls
from tests import factories
from tests.coaching import factories as cf
from tests.jobs.factories import XIAOMI, make_employer, make_posting

SHOTS = Path("/tmp/shots/messages")
SHOTS.mkdir(parents=True, exist_ok=True)
LAPTOP = {"width": 1366, "height": 900}
GREEN = ("rgb(237, 247, 238)", "rgb(46, 125, 50)")  # background, left border
RED = ("rgb(255, 244, 244)", "rgb(200, 22, 29)")
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _colours(locator) -> tuple[str, str]:
    return tuple(
        locator.evaluate(
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderLeftColor]; }"
        )
    )


def test_check_in_success_box_is_green_on_phone_and_laptop(live_server, page_for, union, organizer):
    coach = cf.make_coach(union=union)
    program = cf.make_program(union=union, organizer=organizer)
    slot = cf.make_slot(program=program, coach=coach, starts_in=timedelta(minutes=10), title="第 5 课：实战")
    trainee = cf.make_trainee(phone="13805716689")
    coaching.booking_create(slot=slot, trainee=trainee)

    for name, phone in (("phone", True), ("laptop", False)):
        page = page_for(trainee.user, phone=phone)
        if not phone:
            page.set_viewport_size(LAPTOP)
        page.goto(f"{live_server.url}/coaching/checkin/{slot.checkin_token}/")
        if page.get_by_test_id("checkin-submit").count():
            page.get_by_test_id("checkin-submit").click()
        box = page.locator(".notice.success")
        expect(box).to_contain_text("签到成功")
        assert _colours(box) == GREEN
        page.screenshot(path=str(SHOTS / f"checkin-success-{name}.png"), full_page=True)


def test_organizer_success_and_error_messages_differ(live_server, page_for, union, organizer, host):
    fair = factories.make_session(
        union=union, hosts=[host], created_by=organizer, starts_in=timedelta(days=3), title="春风行动专场"
    )
    ls.session_schedule(session=fair, by=organizer)
    unverified = make_employer(name="小米之家", credit_code=XIAOMI, username="colour_new", verified=False)
    verified = make_employer(name="恒芯电子", credit_code="914403001922038216", username="colour_ok")
    for employer in (unverified, verified):
        jobs.lineup_request_submit(
            employer=employer,
            by=employer.memberships.get().user,
            session=fair,
            postings=[make_posting(employer)],
        )
    fair.refresh_from_db()
    free = ls.segment_create(
        session=fair,
        by=organizer,
        title="企业宣讲一",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=30),
    )
    page = page_for(organizer)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/organizer/fairs/{fair.pk}/requests/")

    card = page.locator('[data-testid=request][data-employer="小米之家"]')
    card.get_by_label("放入已有环节").select_option(str(free.pk))
    card.get_by_test_id("approve").click()
    error = page.locator("[data-testid=messages] li.error")
    expect(error).to_contain_text("企业尚未通过认证")
    assert _colours(error) == RED
    page.screenshot(path=str(SHOTS / "organizer-error-laptop.png"), full_page=True)

    card = page.locator('[data-testid=request][data-employer="恒芯电子"]')
    card.get_by_label("放入已有环节").select_option(str(free.pk))
    card.get_by_test_id("approve").click()
    success = page.locator("[data-testid=messages] li.success")
    expect(success).to_contain_text("已批准 恒芯电子")
    assert _colours(success) == GREEN
    page.screenshot(path=str(SHOTS / "organizer-success-laptop.png"), full_page=True)
