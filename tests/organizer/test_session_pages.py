"""Organizer session pages: list, editor, lineup, lifecycle — and who may not use them."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.models import Activity
from livestreams.models import LiveSession, Segment, Series
from tests import factories

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def org(client, organizer):
    client.force_login(organizer)
    return client


def _soon(days=2):
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def _local(dt, zone=SH) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_organizer_logs_in_to_the_home_page_with_the_organizer_header(org):
    response = org.get("/accounts/home/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/organizer/"
    assert "本周工作台" in html
    for label in ("场次", "系列", "企业", "报名申请", "培训", "成效"):
        assert f">{label}</a>" in html, label
    assert "/admin/" not in html  # the admin is for platform staff, not offered to organizers


def test_admin_add_page_forbidden_is_a_styled_page(client, organizer):
    organizer.is_staff = True  # an older deployment's organizer with staff status but no permissions
    organizer.save()
    client.force_login(organizer)
    response = client.get("/admin/livestreams/livesession/add/")
    html = response.content.decode()
    assert response.status_code == 403 and 'data-testid="forbidden"' in html and "返回我的工作台" in html


def test_home_shows_live_next_and_ended_without_result(org, union):
    factories.make_session(union=union, status="live", title="正在播的专场", starts_in=-timedelta(minutes=5))
    factories.make_session(union=union, status="scheduled", title="三天后的专场", starts_in=timedelta(days=3))
    factories.make_session(
        union=union, status="scheduled", title="下个月的专场", starts_in=timedelta(days=30)
    )
    factories.make_session(union=union, status="ended", title="没有成绩的专场", starts_in=-timedelta(days=2))
    html = org.get("/organizer/").content.decode()
    assert "正在播的专场" in html and "三天后的专场" in html and "没有成绩的专场" in html
    assert "下个月的专场" not in html


def test_session_list_tabs_search_filters_and_paging(org, union, other_union):
    series = factories.make_series(union=union, title="春风行动")
    for i in range(23):
        factories.make_session(union=union, status="scheduled", title=f"专场{i:02d}", series=series)
    factories.make_session(union=union, status="draft", title="草稿专场", kind="sales")
    factories.make_session(union=other_union, status="scheduled", title="别的工会专场")
    html = org.get("/organizer/sessions/").content.decode()
    assert "别的工会专场" not in html and 'data-testid="pager"' in html
    assert html.count('data-testid="session-row"') == 20
    assert "草稿" in html  # status tab label, not the code
    drafts = org.get("/organizer/sessions/?status=draft").content.decode()
    assert "草稿专场" in drafts and "专场00" not in drafts
    found = org.get("/organizer/sessions/", {"q": "专场07"}).content.decode()
    assert found.count('data-testid="session-row"') == 1
    sales = org.get("/organizer/sessions/", {"kind": "sales"}).content.decode()
    assert "草稿专场" in sales and "专场01" not in sales
    in_series = org.get("/organizer/sessions/", {"series": str(series.pk), "page": 2}).content.decode()
    assert in_series.count('data-testid="session-row"') == 3
    # NUL in a query parameter is refused at the door (core.middleware); junk paging falls back to page 1.
    refused = org.get("/organizer/sessions/", {"q": "\x00", "status": "\x00"})
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    junk = org.get("/organizer/sessions/", {"status": "nonsense", "page": "x"})
    assert junk.status_code == 200 and 'data-testid="session-row"' in junk.content.decode()


def test_session_create_in_its_own_zone_then_edit(org, organizer, host):
    start = (
        (timezone.now() + timedelta(days=5))
        .astimezone(ZoneInfo("America/New_York"))
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )
    response = org.post(
        "/organizer/sessions/new/",
        {
            "kind": "job_fair",
            "title": "纽约华人专场",
            "platform": "douyin",
            "timezone": "America/New_York",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "hosts": [host.pk],
            "is_public": "on",
        },
    )
    session = LiveSession.objects.get(title="纽约华人专场")
    assert response.status_code == 302 and response["Location"] == f"/organizer/sessions/{session.pk}/"
    assert session.starts_at == start and session.timezone == "America/New_York"
    assert list(session.hosts.all()) == [host] and session.union == organizer.union
    page = org.get(f"/organizer/sessions/{session.pk}/edit/").content.decode()
    assert start.strftime("%Y-%m-%dT%H:%M") in page


def test_session_create_bad_input_shows_field_errors_and_stores_nothing(org):
    response = org.post(
        "/organizer/sessions/new/",
        {
            "kind": "job_fair",
            "title": "",
            "platform": "douyin",
            "timezone": "Mars/Olympus",
            "starts_at": "2030-01-01T10:00",
            "ends_at": "2030-01-01T09:00",
            "stream_url": "not a url",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("title", "timezone", "stream_url"):
        assert f'data-testid="error-{field}"' in html, field
    assert not LiveSession.objects.exists()
    response = org.post(
        "/organizer/sessions/new/",
        {
            "kind": "job_fair",
            "title": "太长的场次",
            "platform": "douyin",
            "timezone": "Asia/Shanghai",
            "starts_at": "2030-01-01T08:00",
            "ends_at": "2030-01-01T21:00",
        },
    )
    assert "一场直播最长 12 小时" in response.content.decode()
    assert not LiveSession.objects.exists()


def test_lineup_add_edit_move_delete_with_inline_errors(org, union, organizer):
    session = factories.make_session(union=union, starts_at=_soon())
    start = session.starts_at
    url = f"/organizer/sessions/{session.pk}/segments/"
    for i, title in enumerate(["开场", "恒芯电子宣讲", "速达物流宣讲"]):
        response = org.post(
            url,
            {
                "title": title,
                "starts_at": _local(start + timedelta(minutes=30 * i)),
                "ends_at": _local(start + timedelta(minutes=30 * i + 20)),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert list(session.segments.order_by("position").values_list("title", flat=True)) == [
        "开场",
        "恒芯电子宣讲",
        "速达物流宣讲",
    ]
    # Overlap and outside the session: inline errors, nothing stored.
    bad = org.post(
        url,
        {
            "title": "重叠",
            "starts_at": _local(start + timedelta(minutes=10)),
            "ends_at": _local(start + timedelta(minutes=40)),
        },
    )
    assert bad.status_code == 400 and "与另一个环节时间重叠" in bad.content.decode()
    outside = org.post(
        url,
        {
            "title": "太晚",
            "starts_at": _local(start + timedelta(hours=3)),
            "ends_at": _local(start + timedelta(hours=4)),
        },
    )
    assert outside.status_code == 400 and "环节必须在场次的开始和结束时间之内" in outside.content.decode()
    assert session.segments.count() == 3

    last = Segment.objects.get(title="速达物流宣讲")
    assert org.post(f"/organizer/segments/{last.pk}/move/up/").status_code == 302
    assert list(session.segments.order_by("position").values_list("title", flat=True)) == [
        "开场",
        "速达物流宣讲",
        "恒芯电子宣讲",
    ]
    # htmx gets the lineup fragment back.
    fragment = org.post(f"/organizer/segments/{last.pk}/move/down/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'data-testid="lineup-editor"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    edit = org.post(
        f"/organizer/segments/{last.pk}/",
        {
            "title": "速达物流 · 分拣员",
            "starts_at": _local(last.starts_at),
            "ends_at": _local(last.starts_at - timedelta(minutes=5)),
        },
    )
    assert edit.status_code == 400 and 'data-testid="error-ends_at"' in edit.content.decode()
    last.refresh_from_db()
    assert last.title == "速达物流宣讲"
    assert org.post(f"/organizer/segments/{last.pk}/delete/").status_code == 302
    assert session.segments.count() == 2


def test_schedule_postpone_cancel_flow(org, union, organizer, host):
    session = factories.make_session(union=union, starts_at=_soon(), hosts=[host], created_by=organizer)
    factories.make_segment(session=session, title="开场")
    assert org.post(f"/organizer/sessions/{session.pk}/schedule/").status_code == 302
    session.refresh_from_db()
    assert session.status == "scheduled"
    confirm = org.get(f"/organizer/sessions/{session.pk}/postpone/").content.decode()
    assert host.email in confirm and "1 个环节" in confirm
    new_start = session.starts_at + timedelta(days=1, hours=1)
    assert (
        org.post(f"/organizer/sessions/{session.pk}/postpone/", {"starts_at": _local(new_start)}).status_code
        == 302
    )
    session.refresh_from_db()
    assert session.starts_at == new_start.replace(second=0, microsecond=0)
    assert session.segments.get().starts_at == session.starts_at
    page = org.get(f"/organizer/sessions/{session.pk}/cancel/").content.decode()
    assert host.email in page  # who is told, before confirming
    assert org.post(f"/organizer/sessions/{session.pk}/cancel/", {"reason": ""}).status_code == 200
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert org.post(f"/organizer/sessions/{session.pk}/cancel/", {"reason": "场地停电"}).status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "场地停电"


def test_manual_go_live_and_end_need_confirmation(org, union):
    session = factories.make_session(union=union, status="scheduled")
    page = org.get(f"/organizer/sessions/{session.pk}/go-live/").content.decode()
    assert "确认开播" in page
    session.refresh_from_db()
    assert session.status == "scheduled"  # GET only asks
    org.post(f"/organizer/sessions/{session.pk}/go-live/")
    session.refresh_from_db()
    assert session.status == "live"
    org.post(f"/organizer/sessions/{session.pk}/end/")
    session.refresh_from_db()
    assert session.status == "ended"


def test_series_create_and_edit(org, organizer):
    assert org.post("/organizer/series/new/", {"title": ""}).status_code == 200
    assert not Series.objects.exists()
    org.post("/organizer/series/new/", {"title": "春风行动 · 云招聘", "is_public": "on"})
    series = Series.objects.get()
    assert series.union == organizer.union
    org.post(f"/organizer/series/{series.pk}/", {"title": "春风行动 2027"})
    series.refresh_from_db()
    assert series.title == "春风行动 2027" and not series.is_public
    assert "春风行动 2027" in org.get("/organizer/series/").content.decode()


@pytest.fixture
def outsiders(db, other_organizer, host, trainee):
    employer_user = factories.make_user(username="emp", role="employer")
    return {"other_organizer": other_organizer, "host": host, "trainee": trainee, "employer": employer_user}


def _urls(session, segment):
    return [
        ("get", f"/organizer/sessions/{session.pk}/", {}),
        ("get", f"/organizer/sessions/{session.pk}/edit/", {}),
        ("post", f"/organizer/sessions/{session.pk}/edit/", {"title": "x"}),
        ("post", f"/organizer/sessions/{session.pk}/schedule/", {}),
        ("post", f"/organizer/sessions/{session.pk}/cancel/", {"reason": "x"}),
        ("post", f"/organizer/sessions/{session.pk}/postpone/", {"starts_at": "2031-01-01T10:00"}),
        ("post", f"/organizer/sessions/{session.pk}/go-live/", {}),
        ("post", f"/organizer/sessions/{session.pk}/segments/", {"title": "x"}),
        ("post", f"/organizer/segments/{segment.pk}/", {"title": "x"}),
        ("post", f"/organizer/segments/{segment.pk}/delete/", {}),
        ("post", f"/organizer/segments/{segment.pk}/move/down/", {}),
    ]


@pytest.mark.parametrize("who", ["other_organizer", "host", "trainee", "employer", "anonymous"])
def test_outsiders_get_403_or_404_and_change_nothing(client, union, outsiders, who):
    session = factories.make_session(union=union, status="scheduled", hosts=[outsiders["host"]])
    segment = factories.make_segment(session=session)
    factories.make_segment(session=session, offset=timedelta(minutes=40), title="第二个")
    series = factories.make_series(union=union)
    if who != "anonymous":
        client.force_login(outsiders[who])
    activities = Activity.objects.count()
    for method, url, data in [
        *_urls(session, segment),
        ("get", "/organizer/", {}),
        ("get", "/organizer/sessions/", {}),
        ("post", "/organizer/sessions/new/", {"title": "x"}),
        ("post", f"/organizer/series/{series.pk}/", {"title": "x"}),
    ]:
        response = getattr(client, method)(url, data)
        expected = {403, 404}
        if who == "anonymous" and method == "get":
            expected = {302}
            assert response["Location"].startswith("/accounts/login/")
        elif who == "other_organizer" and url in (
            "/organizer/",
            "/organizer/sessions/",
            "/organizer/sessions/new/",
        ):
            expected = {200}  # their own (empty) workspace
        assert response.status_code in expected, (who, method, url, response.status_code)
        if response.status_code in (403, 404):
            assert "返回" in response.content.decode()  # a styled page with a way back
    session.refresh_from_db()
    segment.refresh_from_db()
    series.refresh_from_db()
    assert session.status == "scheduled" and session.title == "2026 春季直播带岗专场"
    assert segment.title == "企业宣讲" and session.segments.count() == 2
    assert Activity.objects.count() == activities
    assert LiveSession.objects.count() == 1


def test_session_list_query_count_does_not_grow_with_rows(org, union, django_assert_max_num_queries):
    series = factories.make_series(union=union)
    for i in range(5):
        factories.make_session(union=union, status="ended", title=f"场{i}", series=series)
    with django_assert_max_num_queries(12) as few:
        org.get("/organizer/sessions/")
    for i in range(15):
        factories.make_session(union=union, status="ended", title=f"多{i}", series=series)
    with django_assert_max_num_queries(len(few.captured_queries)):
        org.get("/organizer/sessions/")


def test_csrf_failure_is_a_styled_page(organizer, union):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)
    session = factories.make_session(union=union)
    response = client.post(f"/organizer/sessions/{session.pk}/schedule/")
    assert response.status_code == 403 and 'data-testid="forbidden-csrf"' in response.content.decode()
    session.refresh_from_db()
    assert session.status == "draft"
