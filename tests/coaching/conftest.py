import pytest

from tests.coaching import factories as cf


@pytest.fixture
def coach(union):
    return cf.make_coach(union=union, username="coach")


@pytest.fixture
def other_coach(other_union):
    return cf.make_coach(union=other_union, username="other_coach")


@pytest.fixture
def program(union, organizer):
    return cf.make_program(union=union, organizer=organizer)


@pytest.fixture
def slot(program, coach):
    return cf.make_slot(program=program, coach=coach)


@pytest.fixture
def learner(db):
    """A trainee with a profile (the shared `trainee` fixture is a bare user)."""
    return cf.make_trainee(username="learner", phone="+8613812345678")


@pytest.fixture
def other_learner(db):
    return cf.make_trainee(username="other_learner", phone="+8613912345678")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set passwords for every actor; PBKDF2 made each test's setup take ~2 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Browser (local until tests/fixtures_browser.py on main provides `browser`) --------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone_page():
    """A Playwright page in headless Chromium with a phone viewport (skips loudly without Chromium)."""
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI is set, browser tests must run)")
        pytest.skip(f"SKIPPED LOUDLY: Chromium not found at {CHROMIUM}; browser test not run")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()
