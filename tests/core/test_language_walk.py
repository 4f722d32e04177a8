"""One language at a time, on every page and every API error, in Chinese (zh-hans) and in English.

Each role's pages are walked with the Django test client: the role's landing pages, then every link on
them that stays on the site (GET only; files, feeds and logout left out), for the visitor who applies,
the trainee, the coach, the employer, the organizer and the host, plus the login pages, form errors and
error pages. The language comes from Accept-Language or from the language cookie. Each rendered page
must hold words of its own language only (tests/language.py says what that means); the words people
typed (names, titles, usernames) are stripped first, since they are in their author's language.

The API error shapes (DRF's field errors, our service errors, 403/404/405/413, hostile input) are read
the same way. The checker itself is tested first, so a reintroduced "中文 / English" string fails.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.test import Client
from django.utils import timezone, translation
from rest_framework import serializers

from coaching.models import Booking
from jobs import services as job_services
from jobs.models import Application
from livestreams.models import LiveSession
from tests import factories
from tests.coaching.factories import make_coach, make_program, make_slot, make_trainee
from tests.jobs.factories import HUAWEI, TENCENT, make_employer, make_posting
from tests.language import foreign_words, page_problems, visible_text

LANGS = ["zh-hans", "en"]
SKIP = re.compile(
    r"\.(ics|csv|xlsx|png|svg|json)$|/logout/|/i18n/|^/admin|^/api/|^/static/|/healthz|/magic/|/export"
    r"|/qr\.|/calendar/session/|/calendar/series/"
)
MAX_PAGES = 80


# ---- the checker can fail -------------------------------------------------------------------------------


def test_checker_catches_a_bilingual_string():
    page = "<html lang='zh-hans'><body><ul><li>请填写姓名 / Please enter your name.</li></ul></body></html>"
    assert page_problems(page, "zh-hans")
    assert page_problems(page, "en")


def test_checker_catches_raw_codes_and_english_only_messages_in_chinese():
    assert foreign_words("状态：waitlisted", "zh-hans") == ["waitlisted"]
    assert foreign_words("Already booked.", "zh-hans") == ["Already", "booked"]
    assert foreign_words("不允许包含空字符（NUL）。", "zh-hans") == []
    assert foreign_words("GPM = 每千次观看的净成交额 · 2 h · ¥12.50 · 13800138000", "zh-hans") == []


def test_checker_catches_chinese_in_english():
    assert foreign_words("Status: 候补", "en") == ["候", "补"]
    assert foreign_words("Name，please", "en") == ["，"]
    assert foreign_words("Applied to 电子厂普工", "en", user_data=["电子厂普工"]) == []


def test_visible_text_reads_what_a_person_reads():
    page = (
        '<html lang="en"><head><style>.a{}</style><script>var x = "中文";</script></head><body>'
        '<a href="/s/中/" class="中" data-x="中文">Jobs</a><input placeholder="手机号">'
        '<select><option lang="zh-hans">简体中文</option><option>English</option></select></body></html>'
    )
    text = visible_text(page, lang="en")
    assert "Jobs" in text and "手机号" in text
    assert "var x" not in text and "简体中文" not in text and "/s/中/" not in text


# ---- seed: every role with something to show -------------------------------------------------------------


@pytest.fixture
def world(db, union, organizer, host):
    now = timezone.now()
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="walk_owner")
    other = make_employer(name="远航物流", credit_code=TENCENT, username="walk_other", verified=False)
    posting = make_posting(employer, ins_pension=True, experience_years=2)
    make_posting(employer, title="仓库分拣员", status="paused")
    make_posting(other, title="快递员")
    fair = factories.make_session(union=union, status=LiveSession.Status.SCHEDULED, hosts=[host])
    factories.make_segment(session=fair, title="恒芯电子宣讲", seller=None)
    live = factories.make_session(
        union=union,
        status=LiveSession.Status.LIVE,
        title="夏季直播带岗",
        starts_at=now - timedelta(minutes=20),
        ends_at=now + timedelta(hours=1),
        hosts=[host],
    )
    ended = factories.make_session(
        union=union,
        status=LiveSession.Status.ENDED,
        title="春季回顾场",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=2),
        hosts=[host],
    )
    factories.make_series(union=union)
    link = job_services.shortlink_get_or_create(posting=posting, session=None)
    applied = job_services.application_submit_public(
        posting_id=posting.pk, name="张伟", phone="13800138000", ip="10.0.0.1"
    )
    application = Application.objects.get(pk=applied.id)
    owner = employer.memberships.get(role="owner").user
    job_services.lineup_request_create(
        employer=employer, by=owner, session=fair, postings=[posting], note="希望安排上午"
    )
    job_services.application_set_status(application=application, by=owner, status="contacted")

    coach = make_coach(union=union)
    program = make_program(union=union, organizer=organizer)
    slot = make_slot(program=program, coach=coach, capacity=1)
    make_slot(program=program, coach=coach, title="第 2 课：话术", kind="one_on_one", capacity=1)
    soon = make_slot(
        program=program, coach=coach, title="第 3 课：复盘", starts_in=timedelta(minutes=10), capacity=5
    )
    trainee = make_trainee()
    waiting = make_trainee()
    Booking.objects.create(slot=slot, trainee=trainee, status="confirmed")
    Booking.objects.create(slot=slot, trainee=waiting, status="waitlisted")
    Booking.objects.create(slot=soon, trainee=trainee, status="confirmed")
    return {
        "employer": employer,
        "owner": owner,
        "posting": posting,
        "link": link,
        "fair": fair,
        "live": live,
        "ended": ended,
        "program": program,
        "slot": slot,
        "soon": soon,
        "coach": coach.user,
        "trainee": trainee.user,
        "waiting": waiting.user,
        "organizer": organizer,
        "host": host,
    }


def user_data() -> set[str]:
    """Every text value stored by the seed: people typed these, in their own language."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"core", "jobs", "coaching", "livestreams", "invites", "auth"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                if isinstance(value, str) and value.strip():
                    values.add(value.strip())
                    values.update(part for part in value.split("@") if len(part) > 2)
    return values


def _client(lang: str, via: str) -> Client:
    if via == "cookie":
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        return client
    return Client(HTTP_ACCEPT_LANGUAGE=lang)


def _links(html: str) -> list[str]:
    out = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.netloc and parts.netloc not in settings.ALLOWED_HOSTS + ["testserver"]:
            continue
        if not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _walk(
    client: Client, starts: list[str], lang: str, data: set[str]
) -> tuple[set[str], dict[str, list[str]]]:
    seen: set[str] = set()
    queue = list(starts)
    failures: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        # Paging and filters show the same words; one of each path is enough.
        key = url.split("?")[0] if "page=" in url or "q=" in url else url
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        problems = page_problems(html, lang, user_data=data)
        if problems:
            failures[f"{url} ({response.status_code})"] = problems
        queue.extend(link for link in _links(html) if link.split("?")[0] not in seen)
    return seen, failures


def _starts(world) -> dict[str, tuple[object, list[str]]]:
    fair, live, ended = world["fair"].pk, world["live"].pk, world["ended"].pk
    return {
        "viewer": (
            None,
            [
                "/",
                f"/j/{world['link'].code}/",
                f"/jobs/p/{world['posting'].pk}/",
                f"/jobs/fair/{fair}/",
                f"/s/{fair}/",
                f"/s/{live}/",
                "/coaching/",
                f"/coaching/p/{world['program'].pk}/",
                f"/coaching/book/{world['slot'].pk}/",
                "/accounts/login/",
                "/accounts/password_reset/",
                "/jobs/employer/signup/",
                "/no-such-page/",
                f"/s/{ended}/results/",  # not for viewers: the login or 403 page
            ],
        ),
        "trainee": (world["trainee"], ["/accounts/home/", "/coaching/me/", "/accounts/preferences/"]),
        "waitlisted trainee": (world["waiting"], ["/coaching/me/"]),
        "coach": (
            world["coach"],
            ["/accounts/home/", "/coaching/coach/", f"/coaching/sheet/{world['soon'].pk}/", "/organizer/"],
        ),
        "employer": (
            world["owner"],
            ["/accounts/home/", "/jobs/employer/", "/jobs/employer/postings/", "/jobs/employer/fairs/"]
            + ["/jobs/employer/team/", "/jobs/employer/results/", "/jobs/employer/postings/new/"],
        ),
        "organizer": (
            world["organizer"],
            ["/organizer/", "/organizer/sessions/", f"/organizer/sessions/{fair}/", f"/s/{ended}/results/"]
            + [
                "/organizer/coaching/",
                "/organizer/requests/",
                "/organizer/employers/",
                "/calendar/settings/",
            ],
        ),
        "host": (
            world["host"],
            ["/accounts/home/", f"/s/{live}/live/", f"/s/{live}/live/kit/", f"/s/{live}/live/questions/"],
        ),
    }


ROLES = ["viewer", "trainee", "waitlisted trainee", "coach", "employer", "organizer", "host"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_one_language(world, role, lang):
    user, starts = _starts(world)[role]
    client = _client(lang, "header" if role != "trainee" else "cookie")
    if user is not None:
        client.force_login(user)
    seen, failures = _walk(client, starts, lang, user_data())
    assert len(seen) > len(starts)  # the walk followed the pages' own links
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("lang", LANGS)
def test_form_errors_in_one_language(world, lang):
    client = _client(lang, "header")
    data = user_data()
    pages = {
        "apply, empty": client.post(f"/j/{world['link'].code}/", {"name": "", "phone": "abc"}),
        "apply, landline": client.post(
            f"/j/{world['link'].code}/", {"name": "张伟", "phone": "010-12345678"}
        ),
        "apply, NUL": client.post(f"/j/{world['link'].code}/", {"name": "张\x00伟", "phone": "13800138001"}),
        "login, wrong": client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}),
        "signup, empty": client.post("/jobs/employer/signup/", {"credit_code": "123"}),
        "booking, bad phone": client.post(f"/coaching/book/{world['slot'].pk}/", {"name": "", "phone": "1"}),
    }
    failures = {
        name: problems
        for name, response in pages.items()
        if (problems := page_problems(response.content.decode(), lang, user_data=data))
    }
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


# ---- API errors -----------------------------------------------------------------------------------------


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("lang", LANGS)
def test_api_errors_in_one_language(world, lang, client_for):
    anon = client_for(None)
    owner = client_for(world["owner"])
    trainee = client_for(world["trainee"])
    headers = {"HTTP_ACCEPT_LANGUAGE": lang}
    slot, posting = world["slot"], world["posting"]
    responses = {
        "apply, empty": anon.post("/api/v1/jobs/apply/", {}, format="json", **headers),
        "apply, bad phone": anon.post(
            "/api/v1/jobs/apply/",
            {"code": world["link"].code, "name": "张伟", "phone": "abc"},
            format="json",
            **headers,
        ),
        "apply, NUL": anon.post(
            "/api/v1/jobs/apply/",
            {"code": world["link"].code, "name": "a\x00", "phone": "13800138002"},
            format="json",
            **headers,
        ),
        "malformed JSON": anon.generic(
            "POST", "/api/v1/jobs/apply/", "{not json", content_type="application/json", **headers
        ),
        "not authenticated": anon.get("/api/v1/jobs/applications/", **headers),
        "unknown route": anon.get("/api/v1/no-such-thing/", **headers),
        "wrong method": anon.delete("/api/v1/jobs/apply/", **headers),
        "NUL in query": anon.get("/api/v1/coaching/programs/?q=%00", **headers),
        "too large": anon.generic(
            "POST",
            "/api/v1/jobs/apply/",
            "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
            content_type="application/json",
            **headers,
        ),
        "posting, pay range": owner.post(
            "/api/v1/jobs/postings/",
            {
                "title": "普工",
                "pay_type": "monthly",
                "pay_min": "9000",
                "pay_max": "5000",
                "headcount": 0,
                "city": "杭州",
            },
            format="json",
            **headers,
        ),
        "posting, not found": owner.get(
            "/api/v1/jobs/postings/00000000-0000-0000-0000-000000000000/", **headers
        ),
        "status transition": owner.post(
            f"/api/v1/jobs/applications/{Application.objects.first().pk}/status/",
            {"status": "hired"},
            format="json",
            **headers,
        ),
        "already booked": trainee.post(
            f"/api/v1/coaching/slots/{slot.pk}/book/", {}, format="json", **headers
        ),
        "signup, bad phone": anon.post(
            "/api/v1/coaching/signup/", {"name": "", "phone": "12"}, format="json", **headers
        ),
        "check-in, unknown": trainee.post(
            "/api/v1/coaching/checkin/", {"token": "nope"}, format="json", **headers
        ),
        "forbidden": trainee.get(f"/api/v1/jobs/postings/{posting.pk}/", **headers),
    }
    data = user_data()
    failures = {}
    for name, response in responses.items():
        assert response.status_code >= 400, (name, response.status_code)
        body = response.json()
        assert set(body) == {"error"}, (name, body)
        words = [
            w
            for s in _strings(body["error"])
            if s != body["error"]["code"]
            for w in foreign_words(s, lang, user_data=data)
        ]
        if words:
            failures[f"{name} ({response.status_code})"] = body["error"]
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


# ---- Django's and DRF's own messages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, expected",
    [("zh-hans", "不允许包含空字符（NUL）。"), ("en", "Null characters are not allowed.")],
)
def test_django_nul_message_is_right_in_each_language(lang, expected):
    """Django's zh_Hans catalog says "不允许是用空字符串。" (wrong: NUL is not an empty string); ours wins."""
    with translation.override(lang):
        assert str(ProhibitNullCharactersValidator().message) == expected
        field = serializers.CharField()
        with pytest.raises(serializers.ValidationError) as caught:
            field.run_validation("a\x00b")
        assert [str(m) for m in caught.value.detail] == [expected]


# ---- livestreams: sessions, segments and the ingest API -------------------------------------------------

_CODE_KEYS = {"code", "reason", "status", "id", "index", "counters"}
# What the client sent or the API's own field names, quoted back in a message: codes, not words.
_SENT = {
    "dance",
    "view",
    "colour",
    "id",
    "ts",
    "text",
    "question",
    "member_id",
    "device_id",
    "posting",
    "product",
    "events",
}


def _read_strings(value, key=""):
    """What a client shows a person from a livestreams answer: messages, not codes."""
    if key in _CODE_KEYS:
        return
    if isinstance(value, dict):
        for k, item in value.items():
            yield from _read_strings(item, k)
    elif isinstance(value, list):
        for item in value:
            yield from _read_strings(item, key)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("lang", LANGS)
def test_livestream_api_errors_in_one_language(world, lang, client_for):
    from livestreams.live import credentials  # noqa: PLC0415 -- only this test issues a credential

    organizer, anon = client_for(world["organizer"]), client_for(None)
    headers = {"HTTP_ACCEPT_LANGUAGE": lang}
    fair, live, ended = world["fair"], world["live"], world["ended"]
    token = credentials.credential_issue(session=live, by=world["organizer"]).token
    bearer = {**headers, "HTTP_AUTHORIZATION": f"Bearer {token}"}
    start = timezone.now() + timedelta(days=1)
    session = {
        "kind": "job_fair",
        "title": "秋季直播带岗",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Shanghai",
        "platform": "douyin",
    }
    events = [
        {"id": "e1", "type": "dance", "ts": timezone.now().isoformat()},
        {"id": "e2", "type": "view", "ts": "yesterday", "member_id": "m1"},
        {"id": "", "type": "view", "ts": timezone.now().isoformat()},
        {"id": "e4", "type": "view", "ts": timezone.now().isoformat(), "colour": "red"},
        {"id": "e5", "type": "comment", "ts": timezone.now().isoformat(), "member_id": "m1", "text": 5},
        {
            "id": "e6",
            "type": "view",
            "ts": (timezone.now() + timedelta(days=1)).isoformat(),
            "member_id": "m",
        },
        "not an object",
    ]
    responses = {
        "session, end before start": organizer.post(
            "/api/v1/sessions/", {**session, "ends_at": session["starts_at"]}, format="json", **headers
        ),
        "session, unknown zone and fields": organizer.post(
            "/api/v1/sessions/", {**session, "timezone": "Mars/Base", "colour": 1}, format="json", **headers
        ),
        "session, too long": organizer.post(
            "/api/v1/sessions/",
            {**session, "ends_at": (start + timedelta(hours=30)).isoformat()},
            format="json",
            **headers,
        ),
        "session, update ended": organizer.patch(
            f"/api/v1/sessions/{ended.pk}/", {"title": "新标题"}, format="json", **headers
        ),
        "session, schedule live": organizer.post(f"/api/v1/sessions/{live.pk}/schedule/", {}, **headers),
        "session, postpone by nothing": organizer.post(
            f"/api/v1/sessions/{fair.pk}/postpone/", {"minutes": 0}, format="json", **headers
        ),
        "segment, outside the session": organizer.post(
            f"/api/v1/sessions/{fair.pk}/segments/",
            {
                "title": "宣讲",
                "starts_at": (fair.starts_at - timedelta(hours=3)).isoformat(),
                "ends_at": (fair.starts_at - timedelta(hours=4)).isoformat(),
            },
            format="json",
            **headers,
        ),
        "ingest, no credential": anon.post(
            f"/api/v1/sessions/{live.pk}/events/", [], format="json", **headers
        ),
        "ingest, other session": anon.post(
            f"/api/v1/sessions/{fair.pk}/events/", [], format="json", **bearer
        ),
        "ingest, not JSON": anon.generic(
            "POST", f"/api/v1/sessions/{live.pk}/events/", "{no", content_type="application/json", **bearer
        ),
        "ingest, not a list": anon.post(
            f"/api/v1/sessions/{live.pk}/events/", {"x": 1}, format="json", **bearer
        ),
        "ingest, wrong method": anon.get(f"/api/v1/sessions/{live.pk}/events/", **bearer),
        "ingest, bad events": anon.post(
            f"/api/v1/sessions/{live.pk}/events/?results=problems",
            {"events": events},
            format="json",
            **bearer,
        ),
        "webhook, unsigned": anon.post(
            f"/api/v1/sessions/{live.pk}/events/webhook/", [], format="json", **headers
        ),
        "results, none yet": organizer.get(f"/api/v1/sessions/{fair.pk}/results/", **headers),
    }
    data = user_data() | _SENT
    failures = {}
    for name, response in responses.items():
        body = response.json()
        if name != "ingest, bad events":
            assert response.status_code >= 400, (name, response.status_code, body)
        strings = list(_read_strings(body))
        assert strings, (name, body)
        words = [w for s in strings for w in foreign_words(s, lang, user_data=data)]
        if words:
            failures[f"{name} ({response.status_code})"] = [strings, words]
    rejected = responses["ingest, bad events"].json()
    assert len([r for r in json.dumps(rejected).split('"rejected"')]) > 5, rejected
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
