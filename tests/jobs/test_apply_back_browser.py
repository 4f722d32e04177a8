"""The phone apply page: the button is one tap away past the job facts; after a success, "back" shows
a fresh form, not the earlier error (redirect after POST)."""

import pytest
from playwright.sync_api import expect

from jobs import services
from jobs.models import Application
from tests.jobs.factories import HUAWEI, make_employer, make_posting

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_apply_on_a_phone_then_back_shows_no_stale_error(phone_page, live_server):
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="back_owner")
    link = services.shortlink_get_or_create(posting=make_posting(employer), session=None)
    phone_page.goto(f"{live_server.url}/j/{link.code}/")

    # Reachable without scrolling past the facts: either the form's button is on screen, or the bar is.
    jump, submit = phone_page.get_by_test_id("jump-to-apply"), phone_page.get_by_test_id("submit")
    if submit.evaluate("b => b.getBoundingClientRect().top < innerHeight"):
        expect(jump).to_be_hidden()
    else:
        expect(jump).to_be_in_viewport()
        jump.click()
        expect(phone_page.locator("#name")).to_be_focused()
    expect(submit).to_be_in_viewport()
    phone_page.fill("#name", "张伟")
    phone_page.fill("#phone", "123")
    phone_page.get_by_test_id("submit").click()
    expect(phone_page.locator(".errorlist")).to_be_visible()

    phone_page.fill("#phone", "138 0013 8000")
    phone_page.get_by_test_id("submit").click()
    expect(phone_page.get_by_test_id("confirmation")).to_contain_text("报名成功")
    assert "done=" in phone_page.url and Application.objects.count() == 1

    phone_page.go_back()
    expect(phone_page.get_by_test_id("submit")).to_be_visible()
    expect(phone_page.locator(".errorlist")).to_have_count(0)
    expect(phone_page.get_by_test_id("error")).to_have_count(0)
    phone_page.reload()  # a reload is a GET: nothing is sent again
    assert Application.objects.count() == 1
