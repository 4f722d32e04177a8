"""The live room: data screen poll, host kit, questions board, and who may see them."""

from __future__ import annotations

import pytest
from django.test import Client

from core import formatting
from jobs import services as job_services
from livestreams.live import counters
from livestreams.models import LiveEvent, LiveSession, Product
from tests import factories
from tests.livestreams.live_helpers import at, ev, make_live_session
from tests.livestreams.room_helpers import make_fair

ROOM_PAGES = ("live/", "live/data.json", "live/kit/", "live/kit/?print=1", "live/questions/")


def _web(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def fair(union, organizer, host):
    return make_fair(union, organizer, host)


def test_room_pages_open_for_organizer_and_host(fair, organizer, host):
    session = fair[0]
    for user in (organizer, host):
        for page in ROOM_PAGES:
            response = _web(user).get(f"/s/{session.pk}/{page}")
            assert response.status_code == 200, (user, page)
            assert session.title in response.content.decode() or page.endswith(".json")


def test_room_pages_are_404_for_other_union_employer_trainee_and_stranger_host(
    fair, other_organizer, trainee, union
):
    session = fair[0]
    other_host = factories.make_user(username="other_host", role="host", union=union)
    employer_user = factories.make_user(username="emp_user", role="employer")
    for user in (other_organizer, trainee, other_host, employer_user):
        for page in ROOM_PAGES:
            response = _web(user).get(f"/s/{session.pk}/{page}")
            assert response.status_code == 404, (user.username, page)


def test_room_data_is_404_json_for_anonymous_and_pages_redirect_to_login(fair):
    session = fair[0]
    data = Client().get(f"/s/{session.pk}/live/data.json")
    page = Client().get(f"/s/{session.pk}/live/")

    assert data.status_code == 404 and data.json()["error"]["code"] == "not_found"
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_screen_data_fair_counts_viewers_applications_and_marks_segment(fair, organizer):
    session, bridge, (first, _second), (p1, p2) = fair
    bridge.post_events(
        [ev(f"j{i}", "join", session, 60 + i, viewer=f"m:v{i}") for i in range(5)]
        + [ev("c1", "job_card_click", session, 70, viewer="m:v0", posting=str(p1.pk))]
        + [ev("q1", "comment", session, 80, viewer="m:v1", text="电子厂普工包住吗？", question=True)]
    )
    job_services.application_submit(posting=p1, name="张三", phone="13800000001", session=session)
    job_services.application_submit(posting=p1, name="李四", phone="13800000002", session=session)
    job_services.application_submit(posting=p2, name="李四", phone="13800000002", session=session)

    data = _web(organizer).get(f"/s/{session.pk}/live/data.json").json()

    assert data["counters"] == "ok" and data["kind"] == "job_fair"
    assert data["figures"]["current_viewers"] == 5 and data["figures"]["views"] == 5
    assert data["figures"]["job_card_clicks"] == 1 and data["figures"]["questions_unanswered"] == 1
    assert data["fair"]["applications"] == 3 and data["fair"]["applicants"] == 2
    assert data["fair"]["apply_rate"] == 0.4
    assert data["display"]["apply_rate"] == formatting.percent(0.4) == "40.0%"
    assert data["display"]["applications"] == "3" and data["display"]["current_viewers"] == "5"
    assert [(j["title"], j["applications"]) for j in data["fair"]["top_jobs"]] == [
        ("电子厂普工", 2),
        ("快递分拣员", 1),
    ]
    assert data["current_segment"] == str(first.pk)  # live for 20 minutes: the first segment is on air
    assert [s["title"] for s in data["segments"]] == ["恒芯电子宣讲", "速达物流宣讲"]
    assert max(v or 0 for v in data["curve"]["concurrent"]) == 5 and "sales" not in data


def test_screen_data_sales_shows_gmv_top_products_and_funnel(
    union, organizer, host, trainee, django_capture_on_commit_callbacks
):
    from livestreams.live import credentials
    from tests.livestreams.live_helpers import Bridge

    session = make_live_session(union, hosts=[host], kind=LiveSession.Kind.SALES)
    factories.make_segment(session=session, title="学员带货", seller=trainee)
    tea = Product.objects.create(union=union, seller=trainee, name="高山云雾茶", sku="TEA-1", price="39.90")
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    bridge.post_events(
        [ev("j1", "join", session, 10, viewer="m:a"), ev("j2", "join", session, 11, viewer="m:b")]
        + [ev("pc", "product_click", session, 20, viewer="m:a", product=str(tea.pk))]
    )
    with django_capture_on_commit_callbacks(execute=True):  # the order's counter update runs on commit
        for i, amount in enumerate(("39.90", "79.80")):
            assert (
                bridge.post_order(
                    order_id=f"o{i}", sku="TEA-1", amount=amount, buyer=f"b{i}", ts=at(session, 30)
                ).status_code
                == 201
            )

    data = _web(host).get(f"/s/{session.pk}/live/data.json").json()

    assert data["figures"]["gmv_net"] == "119.70" and data["figures"]["orders"] == 2
    assert data["sales"]["top_products"] == [
        {
            "id": data["sales"]["top_products"][0]["id"],
            "name": "高山云雾茶",
            "orders": 2,
            "gmv_net": "119.70",
            "gmv_net_text": "¥119.70",
        }
    ]
    # The screen's text comes formatted by core.formatting: the script has no formatting rule of its own.
    assert data["display"]["gmv_net"] == formatting.yuan("119.70") == "¥119.70"
    assert data["display"]["orders"] == "2" and data["display"]["views"] == "2"
    assert [s["value"] for s in data["sales"]["funnel"]] == [2, 1, 2]
    assert "fair" not in data


def test_screen_data_says_degraded_when_redis_is_down(fair, organizer, settings, monkeypatch):
    session, bridge, _segs, (p1, _p2) = fair
    job_services.application_submit(posting=p1, name="张三", phone="13800000001", session=session)
    # Point the counters at a port nothing listens on: the outside service is down.
    broken = counters.redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(counters, "client", lambda: broken)

    data = _web(organizer).get(f"/s/{session.pk}/live/data.json").json()

    assert data["counters"] == "degraded"
    assert "figures" not in data  # no zeros pretending to be figures
    assert data["display"] == {"applications": "1"}  # only what PostgreSQL still knows
    assert data["fair"]["applications"] == 1  # applications live in PostgreSQL and still show


def test_kit_lists_cards_in_lineup_order_with_short_links_and_on_air(fair, host):
    session, _bridge, (first, second), (p1, p2) = fair

    html = _web(host).get(f"/s/{session.pk}/live/kit/").content.decode()

    assert html.index("电子厂普工") < html.index("快递分拣员")
    assert html.count("<svg") >= 2 and "/j/" in html
    assert 'data-testid="kit-onair"' in html and 'data-testid="kit-next"' in html
    present = _web(host).get(f"/s/{session.pk}/live/kit/?present={p2.pk}").content.decode()
    assert "快递分拣员" in present and "电子厂普工" not in present
    assert _web(host).get(f"/s/{session.pk}/live/kit/?present=nope").status_code == 404


def test_question_answer_service_through_board_post(fair, host, organizer):
    session, bridge, _segs, _posts = fair
    bridge.post_events(
        [ev("q1", "comment", session, 90, viewer="m:z", text="快递分拣员要夜班吗？", question=True)]
    )
    question = LiveEvent.objects.get(session=session, event_id="q1")

    board = _web(host).get(f"/s/{session.pk}/live/questions/?by=item").content.decode()
    answered = _web(host).post(f"/s/{session.pk}/live/questions/{question.pk}/answer/", {"by": "item"})
    foreign = _web(factories.make_user(username="x", role="organizer", union=factories.make_union())).post(
        f"/s/{session.pk}/live/questions/{question.pk}/answer/"
    )

    assert "快递分拣员要夜班吗？" in board and 'data-testid="unanswered-count">1<' in board
    assert answered.status_code == 302 and answered["Location"].endswith("?by=item")
    assert foreign.status_code == 404
    question.refresh_from_db()
    assert question.answered_at is not None and question.answered_by == host
    after = _web(host).get(f"/s/{session.pk}/live/questions/").content.decode()
    assert 'data-testid="answered-count">1<' in after and 'data-testid="unanswered-count">0<' in after


def test_session_page_links_live_room_for_staff_only(fair, organizer, trainee):
    session = fair[0]
    LiveSession.objects.filter(pk=session.pk).update(is_public=True)

    staff = _web(organizer).get(f"/s/{session.pk}/").content.decode()
    public = _web(trainee).get(f"/s/{session.pk}/").content.decode()

    assert 'data-testid="live-room-links"' in staff and f"/s/{session.pk}/live/kit/" in staff
    assert 'data-testid="live-room-links"' not in public


def test_sales_kit_shows_the_sellers_products_and_board_groups_by_product(union, organizer, host, trainee):
    from livestreams.live import credentials
    from tests.livestreams.live_helpers import Bridge

    session = make_live_session(union, hosts=[host], kind=LiveSession.Kind.SALES, title="学员首播")
    factories.make_segment(session=session, title="学员带货", seller=trainee)
    Product.objects.create(union=union, seller=trainee, name="高山云雾茶", sku="TEA-1", price="39.90")
    Product.objects.create(union=union, seller=None, name="别人的商品", sku="X-1", price="9.90")
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    bridge.post_events(
        [ev("q1", "comment", session, 30, viewer="m:a", text="高山云雾茶包邮吗？", question=True)]
    )

    kit = _web(host).get(f"/s/{session.pk}/live/kit/").content.decode()
    board = _web(host).get(f"/s/{session.pk}/live/questions/?by=item").content.decode()

    assert "高山云雾茶" in kit and "别人的商品" not in kit
    assert f"/s/{session.pk}/?p=TEA-1" in kit and "<svg" in kit
    assert "按商品" in board
    assert (
        board.index('data-testid="q-group"')
        < board.index("<h2>高山云雾茶")
        < board.index("高山云雾茶包邮吗？")
    )


def test_room_pages_in_english_use_one_language(fair, organizer, settings):
    session = fair[0]
    client = _web(organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    screen = client.get(f"/s/{session.pk}/live/").content.decode()
    board = client.get(f"/s/{session.pk}/live/questions/").content.decode()

    assert "Host kit" in screen and "Questions board" in screen and "Viewers over time" in screen
    assert "主播工具包" not in screen and "提问看板" not in screen
    assert "No questions from viewers yet." in board and "还没有观众提问" not in board
