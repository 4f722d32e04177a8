"""Styled 403/404/500 pages in the user's language with a way back, also with DEBUG on (dev server)."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_urls")]


@pytest.fixture
def dev(settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_ERRORS = False
    return settings


def test_unknown_url_in_development_is_the_styled_404(client, dev):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="not-found"' in html and "页面不存在" in html and 'data-testid="way-back"' in html
    assert "URLconf" not in html


def test_a_views_404_and_403_are_styled_in_english_too(client, dev):
    missing = client.get("/s/00000000-0000-0000-0000-000000000000/", HTTP_ACCEPT_LANGUAGE="en")
    denied = client.get("/test-denied/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()
    assert denied.status_code == 403 and "Not allowed" in denied.content.decode()
    assert "页面不存在" not in missing.content.decode()


def test_a_crash_is_the_styled_500_with_a_way_back_and_a_logged_traceback(client, dev, caplog):
    response = client.get("/test-boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时不可用" in html and 'href="/"' in html and "Traceback" not in html
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    english = client.get("/test-boom/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Service unavailable" in english and "服务暂时不可用" not in english


def test_djangos_debug_page_stays_reachable_by_a_setting(client, dev):
    dev.DEBUG_TECHNICAL_ERRORS = True
    html = client.get("/no-such-page/").content.decode()
    assert "URLconf" in html


def test_api_errors_keep_the_json_shape_in_development(client, dev):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
