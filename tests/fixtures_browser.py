"""Fixtures for browser tests (Playwright driving Debian's headless Chromium)."""
