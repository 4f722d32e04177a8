"""The browser harness itself: it drives a real Chromium, skips loudly without one, fails under CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_chromium_renders_a_page(page):
    page.set_content("<p data-testid='hello'>你好，驿站</p>")
    assert page.get_by_test_id("hello").inner_text() == "你好，驿站"


@pytest.mark.browser
def test_phone_page_is_phone_sized(phone_page):
    assert phone_page.viewport_size == {"width": 390, "height": 844}
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0


def _run_harness_test(**env_changes) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium", **env_changes}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if "CI" not in env_changes:
        env.pop("CI", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_chromium_renders_a_page",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_missing_chromium_skips_loudly():
    result = _run_harness_test()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "BROWSER TESTS SKIPPED" in result.stdout + result.stderr


@pytest.mark.slow
def test_missing_chromium_fails_under_ci():
    result = _run_harness_test(CI="true")
    assert result.returncode != 0
    assert "CI is set and browser tests cannot run" in result.stdout
