"""The feed settings page and the add-to-calendar button in a real headless Chromium."""

from pathlib import Path

import httpx
import pytest

from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_turn_on_rotate_and_revoke_the_feed_in_the_browser(live_server, page_for, union, organizer, host):
    session = factories.make_session(union=union, hosts=[host], created_by=organizer, title="浏览器里的直播")
    ls.session_schedule(session=session, by=organizer)
    page = page_for(host, phone=True)
    page.goto(f"{live_server.url}/calendar/settings/")
    assert page.get_by_test_id("feed-off").is_visible()

    page.get_by_role("button", name="开启订阅链接").click()
    first_url = page.get_by_test_id("feed-url").input_value()
    assert first_url.startswith(live_server.url + "/calendar/") and first_url.endswith(".ics")
    feed = httpx.get(first_url, timeout=10)
    assert feed.status_code == 200
    assert {str(e["SUMMARY"]) for e in events(parse_both(feed.content)[0])} == {"浏览器里的直播"}

    page.get_by_role("button", name="重新生成链接（旧链接失效）").click()
    second_url = page.get_by_test_id("feed-url").input_value()
    assert second_url != first_url
    assert httpx.get(first_url, timeout=10).status_code == 404
    assert httpx.get(second_url, timeout=10).status_code == 200

    page.get_by_role("button", name="关闭订阅链接").click()
    assert page.get_by_test_id("feed-off").is_visible()
    assert httpx.get(second_url, timeout=10).status_code == 404


def test_add_to_calendar_button_downloads_the_session(live_server, page, union, organizer):
    session = factories.make_session(union=union, created_by=organizer, title="下载日历测试")
    ls.session_schedule(session=session, by=organizer)
    page.goto(f"{live_server.url}/s/{session.pk}/")
    with page.expect_download() as info:
        page.get_by_test_id("session-ics").click()
    data = Path(info.value.path()).read_bytes()
    cal, _ = parse_both(data)
    (event,) = events(cal)
    session.refresh_from_db()
    assert cal["METHOD"] == "PUBLISH" and event["UID"] == session.ical_uid
