"""The browser harness itself: it drives a real Chromium, skips loudly without one, fails under CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fixtures_browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_chromium_renders_a_page(page):
    page.set_content("<p data-testid='hello'>你好，驿站</p>")
    assert page.get_by_test_id("hello").inner_text() == "你好，驿站"


@pytest.mark.browser
def test_phone_page_is_phone_sized(phone_page):
    assert phone_page.viewport_size == {"width": 390, "height": 844}
    assert phone_page.evaluate("navigator.maxTouchPoints") > 0


def test_missing_chromium_skips_with_a_loud_banner(monkeypatch, capsys):
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    assert fixtures_browser.chromium_path() is None

    with pytest.raises(pytest.skip.Exception, match="BROWSER TESTS SKIPPED"), pytest.warns(UserWarning):
        fixtures_browser._no_browser("no Chromium binary found")

    assert "!! BROWSER TESTS SKIPPED: no Chromium binary found" in capsys.readouterr().err


@pytest.mark.slow
def test_missing_chromium_fails_the_run_under_ci():
    """End to end in a fresh pytest: with CI set, a browser test without Chromium fails, not skips."""
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium", "CI": "true"}
    result = subprocess.run(
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
    assert result.returncode != 0
    assert "CI is set and browser tests cannot run: no Chromium binary found" in result.stdout
    assert "1 error" in result.stdout
