"""Every page at 390×844 without sideways scrolling, as each role (issue #14.4).

Each role (anonymous viewer, trainee, coach, employer, organizer, host) logs in on a phone and walks
every page it can reach by links from its start pages, on the demo data (plus one ended session with
results, so the results pages are reached too). A page passes when
``document.documentElement.scrollWidth <= innerWidth``: wide tables scroll inside their own container,
not the page. Pages of one route are visited once (the first link found), so the walk grows with the
app without listing URLs by hand. A failing page is saved as a screenshot under ``$PHONE_WALK_SHOTS``.

Pages nobody links to (a QR code or an SMS leads there) are start pages too: the apply page
``/j/<code>/``, the one-minute booking page, the class check-in page; the phone sign-in's code step
(reached by a POST) is measured after sending a code from the login page. Every role walks
once in Chinese and once in English (longer words wrap differently).
"""

from __future__ import annotations

import io
import os
from collections import deque
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import timezone

from coaching.models import Slot
from core import sms
from core.models import User
from jobs.models import ShortLink
from livestreams.live import results
from livestreams.models import LiveSession

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_PAGES = 70  # per role; the walk visits one page per route, far fewer than this today
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/accounts/logout", "/healthz", "/i18n/")
SKIP_SUFFIXES = (".csv", ".xlsx", ".ics", ".png", ".svg", ".pdf", ".json", ".txt")
# A mobile browser widens its layout viewport (and innerWidth) to fit a too-wide page, so the page is
# measured against the device width (390), not against innerWidth alone.
OVERFLOW_JS = """(width) => {
  const limit = Math.min(innerWidth, width);
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect(); return r.right > limit + 1 && r.width > 0;
  }).slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {scroll: document.documentElement.scrollWidth, inner: limit, wide};
}"""


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def _measure(page, path: str, failures: list[str]) -> None:
    measured = page.evaluate(OVERFLOW_JS, page.viewport_size["width"])
    if measured["scroll"] > measured["inner"]:
        failures.append(f"{path}: scrollWidth {measured['scroll']} > {measured['inner']} {measured['wide']}")
        shots = os.environ.get("PHONE_WALK_SHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=f"{shots}/{name[:80]}.png", full_page=True)


def _code_step(page, base: str) -> tuple[list[str], list[str]]:
    """The phone sign-in's second step (code sent), reached by a POST from the login page."""
    failures: list[str] = []
    page.goto(base + "/accounts/login/")
    page.locator("#id_phone").first.fill("13800138000")
    page.get_by_test_id("send-code").first.click()
    page.get_by_test_id("code-form").wait_for()
    _measure(page, "/accounts/login/ (code sent)", failures)
    return ["/accounts/login/ (code sent)"], failures


def _walk(page, base: str, starts: list[str]) -> tuple[list[str], list[str]]:
    """Breadth-first over same-site links. Returns (visited paths, failures)."""
    queue = deque(starts)
    seen_routes: set[str] = set()
    visited, failures = [], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        route = _route(urlsplit(path).path)
        if route is None or route in seen_routes:
            continue
        seen_routes.add(route)
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            continue  # a link this role may not follow (the scoping tests cover those answers)
        visited.append(path)
        _measure(page, path, failures)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
                continue
            if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited, failures


@pytest.fixture
def demo_world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    # One ended session with computed results, so the results pages are part of the walk.
    session = LiveSession.objects.filter(kind=LiveSession.Kind.SALES).first() or LiveSession.objects.first()
    went_live = timezone.now() - timedelta(hours=3)
    LiveSession.objects.filter(pk=session.pk).update(
        status=LiveSession.Status.ENDED,
        starts_at=went_live,
        ends_at=went_live + timedelta(hours=1),
        went_live_at=went_live,
        ended_at=went_live + timedelta(hours=1),
    )
    results.result_compute(session_id=session.pk)
    link = ShortLink.objects.filter(session__isnull=False).select_related("posting").first()
    fair = LiveSession.objects.filter(kind=LiveSession.Kind.JOB_FAIR).first()
    slot = Slot.objects.filter(status=Slot.Status.SCHEDULED, starts_at__gt=timezone.now()).first()
    return [
        f"/s/{session.pk}/",
        f"/j/{link.code}/",  # the apply page: reached from a QR code, not a link
        f"/jobs/p/{link.posting_id}/",
        f"/jobs/fair/{fair.pk}/",
        f"/coaching/book/{slot.pk}/",  # the one-minute booking page
        f"/coaching/checkin/{slot.checkin_token}/",  # the check-in page (a QR code in the room)
    ]


ROLES = {
    "anonymous": (None, ["/", "/coaching/", "/accounts/login/", "/jobs/employer/signup/"]),
    "trainee": ("trainee", ["/accounts/home/", "/", "/coaching/", "/coaching/me/"]),
    "coach": ("coach", ["/accounts/home/", "/coaching/coach/"]),
    "employer": ("employer_dianzi", ["/accounts/home/", "/jobs/employer/"]),
    "organizer": ("organizer", ["/accounts/home/", "/organizer/"]),
    "host": ("host", ["/accounts/home/", "/"]),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_without_sideways_scrolling(
    role, language, live_server, browser, page_for, demo_world, settings
):
    from django.conf import settings as django_settings

    settings.SMS_BACKEND = "core.sms.LocmemBackend"  # the code step sends a code
    sms.outbox.clear()
    username, starts = ROLES[role]
    if username is None:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        page = context.new_page()
    else:
        page = page_for(User.objects.get(username=username), phone=True)
        context = page.context
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    starts = [*starts, *demo_world]
    try:
        visited, failures = _walk(page, live_server.url, starts)
        if username is None:
            more, more_failures = _code_step(page, live_server.url)
            visited, failures = visited + more, failures + more_failures
        assert page.locator("html").get_attribute("lang") == language
    finally:
        if username is None:
            context.close()
    assert len(visited) >= 3, visited  # the walk really reached this role's pages
    assert not failures, "\n".join(failures)


def test_the_width_check_catches_a_page_that_scrolls_sideways(phone_page):
    phone_page.set_content(
        '<meta name="viewport" content="width=device-width"><table><tr><td>'
        + "<td>列</td>" * 60
        + "</tr></table>"
    )
    measured = phone_page.evaluate(OVERFLOW_JS, 390)
    assert measured["scroll"] > measured["inner"] and measured["wide"]
