"""The public pages in a real headless Chromium (which itself runs in UTC)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from livestreams.models import LiveSession
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
S = LiveSession.Status


def _future_day() -> datetime:
    day = (timezone.now() + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_session_page_reads_local_time_in_shanghai(live_server, phone_page, union):
    day = _future_day()
    session = factories.make_session(
        union=union,
        status=S.SCHEDULED,
        title="春风行动直播带岗",
        starts_at=day + timedelta(hours=2),  # 02:00 UTC
        timezone="Asia/Shanghai",
        stream_url="https://live.douyin.com/123456",
    )
    factories.make_segment(session=session, title="开场：工会主席介绍岗位")

    phone_page.goto(f"{live_server.url}/s/{session.pk}/")

    local_time = phone_page.get_by_test_id("local-time").inner_text()
    assert f"{day:%Y-%m-%d} 10:00–12:00" in local_time
    assert "北京时间" in local_time
    assert phone_page.get_by_test_id("status").inner_text() == "即将开播"
    assert phone_page.get_by_test_id("segment").inner_text().startswith("10:00–10:30")
    # The browser runs in UTC, so the page adds the viewer's own clock.
    assert "02:00–04:00" in phone_page.get_by_test_id("viewer-time").inner_text()
    link = phone_page.get_by_test_id("platform-link")
    assert link.get_attribute("href") == "https://live.douyin.com/123456"
    # Mobile-first: the watch button spans the phone's width and nothing scrolls sideways.
    assert link.bounding_box()["width"] > 300
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_session_page_reads_local_time_in_new_york(live_server, page, union):
    day = _future_day()
    session = factories.make_session(
        union=union,
        status=S.SCHEDULED,
        starts_at=day + timedelta(hours=15),
        timezone="America/New_York",
    )
    expected = session.starts_at.astimezone(ZoneInfo("America/New_York"))

    page.goto(f"{live_server.url}/s/{session.pk}/")

    text = page.get_by_test_id("local-time").inner_text()
    assert f"{expected:%Y-%m-%d %H:%M}" in text
    assert expected.hour in (10, 11)  # 15:00 UTC is 10:00 EST / 11:00 EDT
    assert "纽约时间" in text and "America/New_York" not in text


def test_language_switch_in_the_browser(live_server, phone_page, union):
    session = factories.make_session(union=union, status=S.SCHEDULED, title="学员首播")

    phone_page.goto(f"{live_server.url}/s/{session.pk}/")
    assert phone_page.get_by_test_id("lineup-empty").inner_text() == "节目单待定"
    # The switch posts to /i18n/setlang/ and redirects back to the same URL, so wait for the new text
    # (waiting for the URL would return before the reload).
    with phone_page.expect_navigation():
        phone_page.get_by_test_id("language").select_option("en")
    expect(phone_page.get_by_test_id("lineup-empty")).to_have_text("Lineup to be announced")

    assert phone_page.get_by_test_id("status").inner_text() == "scheduled"


def test_upcoming_list_links_to_the_session(live_server, phone_page, union):
    session = factories.make_session(union=union, status=S.SCHEDULED, title="杭州云招聘第 3 场")

    phone_page.goto(f"{live_server.url}/")
    phone_page.get_by_role("link", name="杭州云招聘第 3 场").click()

    phone_page.wait_for_url(f"**/s/{session.pk}/")
    assert phone_page.locator("h1").inner_text() == "杭州云招聘第 3 场"


def test_draft_session_is_a_404_page_in_the_browser(live_server, page, union):
    draft = factories.make_session(union=union, status=S.DRAFT)

    response = page.goto(f"{live_server.url}/s/{draft.pk}/")

    assert response.status == 404
    assert page.get_by_test_id("not-found").is_visible()
