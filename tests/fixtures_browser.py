"""Fixtures for browser tests (Playwright driving Debian's headless Chromium).

- ``browser`` (session-scoped): one headless Chromium for the whole run.
- ``page``: a fresh desktop-sized context + page per test; ``phone_page``: 390x844, touch, mobile UA.
- ``page_for(user, phone=False)``: a page already logged in as ``user`` (Django session cookie).

When no Chromium is found the browser tests are skipped with a loud message, except when the ``CI``
environment variable is set: then they fail, so a CI machine without Chromium cannot go green silently.
Install it with ``apt-get install chromium`` (Debian/Ubuntu) or point ``CHROMIUM`` at a binary.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def chromium_path() -> str | None:
    """``CHROMIUM`` (when set, the only candidate), else Debian's /usr/bin/chromium, else PATH."""
    if os.environ.get("CHROMIUM"):
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _no_browser(reason: str):
    message = (
        f"\n{'!' * 78}\n!! BROWSER TESTS SKIPPED: {reason}\n"
        "!! Install Debian's Chromium (`sudo apt-get install chromium`) or set CHROMIUM=/path/to/chromium.\n"
        f"{'!' * 78}\n"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and browser tests cannot run: {reason}", pytrace=False)
    sys.stderr.write(message)
    warnings.warn(message, stacklevel=2)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason} (install chromium)")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _no_browser("no Chromium binary found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a locked dev dependency
        _no_browser("the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls made from
    # the test body ("async-unsafe"). The test body is plain synchronous code, so allow it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - a broken Chromium install is the same as none
        playwright.stop()
        _no_browser(f"Chromium at {executable} failed to start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


def _new_page(browser, *, phone: bool, locale: str = "zh-CN"):
    options = {"locale": locale, "timezone_id": "UTC"}
    if phone:
        options.update(
            viewport=PHONE_VIEWPORT,
            device_scale_factor=3,
            is_mobile=True,
            has_touch=True,
            user_agent=PHONE_USER_AGENT,
        )
    else:
        options.update(viewport=DESKTOP_VIEWPORT)
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A desktop page. The browser itself runs in UTC so pages must render the session's own zone."""
    context, page = _new_page(browser, phone=False)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (390x844, touch, mobile user agent)."""
    context, page = _new_page(browser, phone=True)
    yield page
    context.close()


@pytest.fixture
def page_for(browser, live_server):
    """``page_for(user, phone=False)`` → a page logged in as ``user`` through a real Django session."""
    contexts = []

    def make(user, *, phone: bool = False):
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context, page = _new_page(browser, phone=phone)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
