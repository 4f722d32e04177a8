"""The public apply page speaks English when the visitor picks English, and Chinese by default.

A visitor picks English the way the site offers it: the browser's Accept-Language header
(LocaleMiddleware), or the language switcher in base.html, which posts to set_language and stores
the choice in the language cookie.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from jobs import services
from tests.jobs.factories import HUAWEI, make_employer, make_posting

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)

ENGLISH_FORM = ["Apply in one minute", "Name", "Mobile number", "Message (optional)"]
CHINESE_FORM = ["一分钟报名", "姓名", "手机号", "留言（选填）", "提交报名"]
SUBMIT_EN = re.compile(r'data-testid="submit">\s*Submit application\s*</button>')
SUBMIT_ZH = re.compile(r'data-testid="submit">\s*提交报名\s*</button>')


@pytest.fixture
def direct_link():
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="i18n_owner")
    posting = make_posting(employer, ins_pension=True, ins_medical=True, experience_years=3)
    return services.shortlink_get_or_create(posting=posting, session=None)


def _assert_english_apply_page(html: str) -> None:
    assert '<html lang="en">' in html
    for text in ENGLISH_FORM:
        assert f">{text}<" in html, text
    assert SUBMIT_EN.search(html)
    # Choice labels and the facts list are translated too; the posting's own data stays as entered.
    for text in ("Monthly pay", "Day shift", "Dormitory provided", "Meals provided", "Pay", "Location"):
        assert text in html, text
    assert "电子厂普工" in html and "恒芯电子" in html
    for text in CHINESE_FORM + ["月薪", "长白班", "包住（宿舍）", "薪资"]:
        assert text not in html, text


def test_apply_page_in_english_from_accept_language(client, direct_link):
    page = client.get(f"/j/{direct_link.code}/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    html = page.content.decode()
    _assert_english_apply_page(html)
    assert "Pension, Medical" in html and "3 years of experience" in html
    assert 'data-testid="posting-title"' in html  # the browser tests' hooks are untouched


def test_apply_page_in_english_from_language_switcher(client, direct_link):
    url = f"/j/{direct_link.code}/"
    switched = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _assert_english_apply_page(client.get(url).content.decode())


def test_apply_page_from_live_session_in_english(client, link, fair):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/j/{link.code}/").content.decode()
    _assert_english_apply_page(html)
    assert f"From the livestream: {fair.title}" in html


def test_apply_page_defaults_to_chinese(client, direct_link):
    html = client.get(f"/j/{direct_link.code}/").content.decode()
    assert '<html lang="zh-hans">' in html
    for text in CHINESE_FORM + ["月薪", "长白班", "养老、医疗"]:
        assert text in html, text
    assert SUBMIT_ZH.search(html)
    for text in ENGLISH_FORM[:1] + ["Submit application", "Monthly pay", "Mobile number"]:
        assert text not in html, text


@pytest.mark.parametrize(
    "phone, message",
    [
        ("abc", "This is not a valid mobile number."),
        ("12345", "Please enter a valid mainland China mobile number."),
        ("010-12345678", "Please enter a mobile number, not a landline."),
    ],
)
def test_bad_phone_error_in_english(client, direct_link, phone, message):
    response = client.post(
        f"/j/{direct_link.code}/", {"name": "Zhang Wei", "phone": phone}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<ul class="errorlist"><li>{message}</li></ul>' in html
    assert not re.search(r'class="errorlist"><li>[^<]*[\u4e00-\u9fff]', html)
    assert 'value="Zhang Wei"' in html and SUBMIT_EN.search(html)


def test_missing_name_error_in_english(client, direct_link):
    response = client.post(
        f"/j/{direct_link.code}/", {"name": "", "phone": "13800138000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "<li>Please enter your name.</li>" in response.content.decode()


def test_bad_phone_error_by_default_is_chinese(client, direct_link):
    response = client.post(f"/j/{direct_link.code}/", {"name": "张伟", "phone": "abc"})
    assert response.status_code == 400
    assert "<li>手机号格式不正确。</li>" in response.content.decode()


def test_confirmation_in_english(client, direct_link):
    response = client.post(
        f"/j/{direct_link.code}/",
        {"name": "Zhang Wei", "phone": "13800138000"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Application sent!" in html
    assert "You have applied for “电子厂普工” at 恒芯电子." in html
    assert "The employer will call you at 138****8000 soon." in html
    assert "报名成功" not in html


def _template_msgids() -> set[str]:
    found = set()
    for path in (ROOT / "templates" / "jobs").glob("*.html"):
        found.update(re.findall(r'{% translate "([^"]+)" %}', path.read_text(encoding="utf-8")))
    return found


def _python_msgids() -> set[str]:
    found = set()
    for path in (ROOT / "jobs").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\b(?:gettext|_)\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"', text))
    return found


@pytest.mark.parametrize("source", [_template_msgids, _python_msgids], ids=["templates", "python"])
def test_every_chinese_jobs_string_has_english(source):
    msgids = source()
    assert len(msgids) > 10
    # deactivate=True: leave no language active in this thread for the tests that run after this one.
    with translation.override("en", deactivate=True):
        untranslated = sorted(m for m in msgids if translation.gettext(m) == m)
    assert untranslated == []
