"""Public pages through Django's test client: listing, session page, time zones, 404s, languages."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from livestreams.models import LiveSession
from tests import factories

pytestmark = pytest.mark.django_db
S = LiveSession.Status


def _future_day() -> datetime:
    """A UTC midnight a few days ahead, so 02:00 UTC is a readable 10:00 in Shanghai."""
    day = (timezone.now() + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_upcoming_lists_public_scheduled_and_live_only(client, union, other_union):
    factories.make_session(union=union, status=S.SCHEDULED, title="春风行动直播带岗")
    factories.make_session(
        union=other_union, status=S.LIVE, title="宁波云招聘", starts_in=timedelta(hours=-1)
    )
    factories.make_session(union=union, status=S.DRAFT, title="草稿场次")
    factories.make_session(union=union, status=S.SCHEDULED, is_public=False, title="内部培训")
    factories.make_session(union=union, status=S.CANCELLED, title="已取消场次")

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "春风行动直播带岗" in html
    assert "宁波云招聘" in html
    assert "草稿场次" not in html and "内部培训" not in html and "已取消场次" not in html
    assert html.count('data-testid="session-card"') == 2
    assert 'data-status="live"' in html


def test_upcoming_query_count_does_not_grow_with_sessions(client, union, django_assert_max_num_queries):
    series = factories.make_series(union=union)
    for i in range(30):
        factories.make_session(union=union, status=S.SCHEDULED, series=series, title=f"场次{i}")

    with django_assert_max_num_queries(3):
        response = client.get("/")

    assert response.content.decode().count('data-testid="session-card"') == 30


def test_upcoming_filters_by_kind_and_ignores_unknown_kind(client, union):
    factories.make_session(union=union, status=S.SCHEDULED, title="招聘专场", kind="job_fair")
    factories.make_session(union=union, status=S.SCHEDULED, title="带货首播", kind="sales")

    sales = client.get("/?kind=sales").content.decode()
    everything = client.get("/?kind=<script>").content.decode()

    assert "带货首播" in sales and "招聘专场" not in sales
    assert "带货首播" in everything and "招聘专场" in everything
    assert "<script>" not in everything.split("<main>")[1]


def test_upcoming_empty_state(client, db):
    response = client.get("/")
    assert 'data-testid="empty"' in response.content.decode()


def test_session_page_shows_time_in_session_zone(client, union):
    day = _future_day()
    shanghai = factories.make_session(
        union=union, status=S.SCHEDULED, starts_at=day + timedelta(hours=2), timezone="Asia/Shanghai"
    )
    new_york = factories.make_session(
        union=union, status=S.SCHEDULED, starts_at=day + timedelta(hours=14), timezone="America/New_York"
    )

    sh_html = client.get(f"/s/{shanghai.pk}/").content.decode()
    ny_html = client.get(f"/s/{new_york.pk}/").content.decode()

    local_day = day.strftime("%Y-%m-%d")
    assert f"{local_day} 10:00–12:00" in sh_html
    assert "北京时间" in sh_html and ">Asia/Shanghai<" not in sh_html
    ny_local = new_york.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{ny_local:%Y-%m-%d %H:%M}–" in ny_html
    assert "纽约时间" in ny_html and ">America/New_York<" not in ny_html


def test_session_page_crossing_midnight_shows_end_date(client, union):
    day = _future_day()
    session = factories.make_session(
        union=union,
        status=S.SCHEDULED,
        starts_at=day + timedelta(hours=15),  # 23:00 Shanghai
        duration=timedelta(hours=2),
    )
    html = client.get(f"/s/{session.pk}/").content.decode()
    next_day = (day + timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"{day:%Y-%m-%d} 23:00–{next_day} 01:00" in html


def test_session_page_shows_platform_link_hosts_and_ordered_lineup(client, union, host):
    session = factories.make_session(
        union=union,
        status=S.SCHEDULED,
        starts_at=_future_day() + timedelta(hours=2),
        stream_url="https://live.douyin.com/123456",
        platform_room_id="123456",
        hosts=[host],
    )
    factories.make_segment(session=session, offset=timedelta(minutes=30), title="企业宣讲与答疑", position=2)
    factories.make_segment(session=session, title="开场：工会主席介绍岗位", position=1)

    html = Client().get(f"/s/{session.pk}/").content.decode()

    assert 'href="https://live.douyin.com/123456"' in html
    assert "去抖音看直播" in html
    assert "123456" in html and "李主播" in html
    first, second = html.index("开场：工会主席介绍岗位"), html.index("企业宣讲与答疑")
    assert first < second
    assert "10:00–10:30" in html and "10:30–11:00" in html
    assert html.count('data-testid="segment"') == 2


def test_session_page_in_english(client, union):
    session = factories.make_session(
        union=union, status=S.SCHEDULED, stream_url="https://live.kuaishou.com/u/1", platform="kuaishou"
    )
    html = client.get(f"/s/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Watch on Kuaishou" in html
    assert "Lineup" in html and "Beijing time" in html
    assert '<html lang="en">' in html


def test_language_switch_sets_english_for_following_pages(client, union):
    session = factories.make_session(union=union, status=S.SCHEDULED)
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/s/{session.pk}/"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Lineup to be announced" in html


def test_cancelled_session_page_shows_reason_and_no_watch_link(client, union):
    session = factories.make_session(
        union=union,
        status=S.CANCELLED,
        cancel_reason="因天气原因取消",
        stream_url="https://live.douyin.com/1",
    )
    html = client.get(f"/s/{session.pk}/").content.decode()
    assert "本场直播已取消。" in html and "因天气原因取消" in html
    assert 'data-testid="platform-link"' not in html
    assert 'data-status="cancelled"' in html


def test_session_page_escapes_hostile_text(client, union):
    session = factories.make_session(
        union=union,
        status=S.SCHEDULED,
        title="<script>alert(1)</script>",
        description="<img src=x onerror=1>",
    )
    html = client.get(f"/s/{session.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.parametrize("path", ["/s/00000000-0000-0000-0000-000000000000/", "/s/not-a-uuid/", "/s/1/"])
def test_unknown_session_is_a_404_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


def test_draft_and_private_sessions_are_404_to_the_public(client, union):
    draft = factories.make_session(union=union, status=S.DRAFT, title="草稿")
    private = factories.make_session(union=union, status=S.SCHEDULED, is_public=False, title="内部")
    assert client.get(f"/s/{draft.pk}/").status_code == 404
    assert client.get(f"/s/{private.pk}/").status_code == 404


def test_draft_is_visible_to_its_organizer_but_not_another_union(client, union, organizer, other_organizer):
    draft = factories.make_session(union=union, status=S.DRAFT, title="筹备中的专场")

    client.force_login(other_organizer)
    assert client.get(f"/s/{draft.pk}/").status_code == 404
    client.force_login(organizer)
    response = client.get(f"/s/{draft.pk}/")

    assert response.status_code == 200
    assert "筹备中的专场" in response.content.decode()
    assert 'data-status="draft"' in response.content.decode()


def test_live_session_marks_segment_on_air(client, union):
    session = factories.make_session(union=union, status=S.LIVE, starts_in=timedelta(minutes=-10))
    factories.make_segment(session=session, title="正在宣讲的企业")
    factories.make_segment(session=session, offset=timedelta(minutes=30), title="下一家企业")
    html = client.get(f"/s/{session.pk}/").content.decode()
    on_air = html.index('class="on-air"')
    assert html.index("正在宣讲的企业") > on_air > 0
    assert html.count('class="on-air"') == 1
