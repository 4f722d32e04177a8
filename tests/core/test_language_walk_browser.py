"""The language walk's browser part: what a phone shows after its scripts ran (the viewer's own clock,
the live status badge), in Chinese by default and in English after the switcher, one language at a time.

The checker is tests/language.py, the same as the browser-free walk in test_language_walk.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from livestreams.models import LiveSession
from tests import factories
from tests.core.test_language_walk import user_data
from tests.jobs.factories import HUAWEI, make_employer, make_posting
from tests.language import foreign_words

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Leave out what the page marks as the other language, and literal code, then read what is shown.
_SHOWN_TEXT = """(lang) => {
  document.querySelectorAll('[lang]:not(html)').forEach((e) => { if (!e.lang.startsWith(lang)) e.remove(); });
  document.querySelectorAll('code, kbd, samp').forEach((e) => e.remove());
  return document.body.innerText;
}"""


def _shown(page, lang: str) -> str:
    return page.evaluate(_SHOWN_TEXT, "zh" if lang.startswith("zh") else "en")


def test_phone_pages_in_one_language_after_scripts_ran(live_server, phone_page, union):
    now = timezone.now()
    session = factories.make_session(
        union=union,
        status=LiveSession.Status.LIVE,
        title="夏季直播带岗",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        timezone="Asia/Shanghai",
    )
    factories.make_segment(session=session, title="企业宣讲", offset=timedelta(minutes=-10))
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="walk_browser")
    posting = make_posting(employer)
    data = user_data()
    pages = [f"/s/{session.pk}/", f"/jobs/p/{posting.pk}/"]

    for path in pages:
        phone_page.goto(f"{live_server.url}{path}")
        phone_page.wait_for_load_state("networkidle")
        words = foreign_words(_shown(phone_page, "zh-hans"), "zh-hans", user_data=data)
        assert words == [], (path, words)

    phone_page.goto(f"{live_server.url}{pages[0]}")
    with phone_page.expect_navigation():
        phone_page.get_by_test_id("language").select_option("en")
    expect(phone_page.locator("html")).to_have_attribute("lang", "en")
    for path in pages:
        phone_page.goto(f"{live_server.url}{path}")
        phone_page.wait_for_load_state("networkidle")
        words = foreign_words(_shown(phone_page, "en"), "en", user_data=data)
        assert words == [], (path, words)
