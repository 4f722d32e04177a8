import pytest

from core.models import User
from tests.core.test_phone_width_browser import demo_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = "/tmp/fmt/look"


def test_shots(live_server, browser, page_for, demo_world):  # noqa: F811
    import os

    os.makedirs(OUT, exist_ok=True)
    s, j, p, fair = demo_world
    org_phone = page_for(User.objects.get(username="organizer"), phone=True)
    org = page_for(User.objects.get(username="organizer"))
    org.set_viewport_size({"width": 1366, "height": 900})
    for name, pg, url in [
        ("results_phone", org_phone, f"{s}results/"),
        ("results_laptop", org, f"{s}results/"),
        ("404_phone", org_phone, "/s/00000000-0000-0000-0000-000000000000/"),
        ("sessions_laptop", org, "/organizer/sessions/"),
    ]:
        pg.goto(live_server.url + url)
        pg.screenshot(path=f"{OUT}/{name}.png", full_page=True)
    emp = page_for(User.objects.get(username="employer_dianzi"))
    emp.set_viewport_size({"width": 1366, "height": 900})
    emp.goto(live_server.url + "/jobs/employer/")
    emp.screenshot(path=f"{OUT}/inbox_laptop.png", full_page=True)
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2, locale="zh-CN"
    )
    anon = ctx.new_page()
    anon.goto(live_server.url + j)
    anon.screenshot(path=f"{OUT}/apply_phone_viewport.png")
    anon.goto(live_server.url + "/nope/")
    anon.screenshot(path=f"{OUT}/404_anon_phone.png")
    ctx.close()
