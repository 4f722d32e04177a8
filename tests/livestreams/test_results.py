"""Results from a small session whose numbers are derived by hand in the comments."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from livestreams.live import credentials, results
from livestreams.live.tasks import result_compute as result_compute_task
from livestreams.models import LiveSession, Order, Product, SessionResult
from tests import factories
from tests.jobs.factories import HUAWEI, make_employer, make_posting
from tests.livestreams.live_helpers import Bridge, ev, make_live_session


@pytest.fixture
def small_session(union, organizer, trainee):
    """T0 = went_live_at; the session is live for exactly 600 s (10 minutes).

    Lineup: segment A [0 s, 300 s) “企业宣讲”, segment B [300 s, 600 s) “学员带货” sold by the trainee.
    """
    session = make_live_session(union, minutes_ago=20)
    factories.make_segment(session=session, title="企业宣讲", length=timedelta(minutes=5))
    factories.make_segment(
        session=session,
        title="学员带货",
        offset=timedelta(minutes=5),
        length=timedelta(minutes=5),
        seller=trainee,
    )
    product = Product.objects.create(
        union=union, seller=trainee, name="高山云雾茶", sku="TEA-1", price="29.90"
    )
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    posting = str(make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp")).pk)
    session.posting_id = posting  # for the assertions
    s = session
    batch1 = [
        # viewer a: join 0, heartbeats 60 and 120, leave 150 → pieces [0,60][60,120][120,150] = 150 s
        ev("a-j", "join", s, 0, viewer="m:a"),
        ev("a-h1", "heartbeat", s, 60, viewer="m:a"),
        ev("a-h2", "heartbeat", s, 120, viewer="m:a"),
        ev("a-l", "leave", s, 150, viewer="m:a"),
        # viewer b: join 30 and nothing else → [30, 30+300] = 300 s
        ev("b-j", "join", s, 30, viewer="m:b"),
        # device c: two joins at 100 (the bridge double-sent with a new id), heartbeat at 500:
        # gap 400 > 300 → [100, 400] + [500, 600 (end)] = 300 + 100 = 400 s
        ev("c-j1", "join", s, 100, viewer="d:c"),
        ev("c-j2", "join", s, 100, viewer="d:c"),
        ev("c-h", "heartbeat", s, 500, viewer="d:c"),
        # viewer d: the leave arrives first (out of order) …
        ev("d-l", "leave", s, 200, viewer="m:d"),
        # engagement
        ev("a-like", "like", s, 10, viewer="m:a"),
        ev("b-like", "like", s, 40, viewer="m:b"),
        ev("a-job", "job_card_click", s, 20, viewer="m:a", posting=posting),
        ev("e-q", "comment", s, 70, viewer="m:e", text="工资多少？", question=True),
        ev("a-c", "comment", s, 80, viewer="m:a", text="主播好"),
        ev("b-q", "comment", s, 320, viewer="m:b", text="包邮吗？", question=True),
        ev("b-p", "product_click", s, 310, viewer="m:b", product=str(product.pk)),
    ]
    # … and its join later: [190, 200] = 10 s
    batch2 = [ev("d-j", "join", s, 190, viewer="m:d")]
    assert bridge.post_events(batch1).json()["accepted"] == len(batch1)
    assert bridge.post_events(batch2).json()["accepted"] == 1
    from livestreams.models import LiveEvent

    question = LiveEvent.objects.get(session=s, event_id="b-q")
    LiveEvent.objects.filter(pk=question.pk).update(answered_at=s.went_live_at + timedelta(seconds=330))
    # Orders: O1 2×29.90 at 320 s (segment B), O2 29.90 at 400 s then refunded.
    t = s.went_live_at
    assert (
        bridge.post_order(
            order_id="O1",
            sku="TEA-1",
            quantity=2,
            amount="59.80",
            buyer="u1",
            ts=(t + timedelta(seconds=320)).isoformat(),
        ).status_code
        == 201
    )
    assert (
        bridge.post_order(
            order_id="O2",
            sku="TEA-1",
            quantity=1,
            amount="29.90",
            buyer="u2",
            ts=(t + timedelta(seconds=400)).isoformat(),
        ).status_code
        == 201
    )
    refund = bridge.post_order(
        order_id="O2",
        sku="TEA-1",
        quantity=1,
        amount="29.90",
        buyer="u2",
        ts=(t + timedelta(seconds=450)).isoformat(),
        status="refunded",
    )
    assert refund.json()["outcome"] == "refunded"
    LiveSession.objects.filter(pk=s.pk).update(status="ended", ended_at=t + timedelta(seconds=600))
    # O3 arrives after the end (replay channel), no segment: 29.90 by u1 at 900 s.
    assert (
        bridge.post_order(
            order_id="O3",
            sku="TEA-1",
            quantity=1,
            amount="29.90",
            buyer="u1",
            ts=(t + timedelta(seconds=900)).isoformat(),
        ).status_code
        == 201
    )
    s.refresh_from_db()
    s.posting_id = posting
    return s


def test_hand_computed_session(small_session):
    result = results.result_compute(session_id=small_session.pk)
    card = result.scorecard

    assert card["live_seconds"] == 600
    assert card["views"] == 5  # joins: a, b, c×2, d
    assert card["unique_viewers"] == 5  # a, b, c, d, e (e only commented)
    # watch: a 150 + b 300 + c 400 + d 10 = 860 s
    assert card["total_watch_seconds"] == 860
    assert card["average_concurrent"] == 1.43  # 860 / 600
    assert card["average_watch_seconds"] == 172.0  # 860 / 5
    # Level by second: 0→1 (a), 30→2 (b), 100→3 (c), 150→2, 190→3 (d), 200→2, 330→1, 400→0, 500→1.
    assert [row["concurrent"] for row in result.timeline] == [2, 3, 3, 3, 2, 2, 1, 0, 1, 1]
    assert card["peak_concurrent"] == 3
    assert (card["comments"], card["commenters"], card["questions"], card["questions_answered"]) == (
        3,
        3,
        2,
        1,
    )
    assert (card["likes"], card["job_card_clicks"], card["product_clicks"]) == (2, 1, 1)
    # Orders: gross 59.80 + 29.90 + 29.90 = 119.60, refunded 29.90, net 89.70, buyers u1 and u2.
    assert (card["orders"], card["orders_refunded"], card["buyers"], card["items"]) == (3, 1, 2, 4)
    assert (card["gmv_gross"], card["refunded"], card["gmv_net"]) == ("119.60", "29.90", "89.70")
    assert card["conversion"] == 0.4  # 2 buyers / 5 unique viewers
    assert card["aov"] == "44.85"  # 89.70 / 2 orders not refunded
    assert card["gpm"] == "17940.00"  # 89.70 × 1000 / 5 views
    assert result.gmv_net == Decimal("89.70") and result.unique_viewers == 5 and result.orders == 3

    seg_a, seg_b = result.breakdowns["segments"]
    assert (seg_a["title"], seg_a["views"], seg_a["viewers"], seg_a["peak_concurrent"]) == (
        "企业宣讲",
        5,
        5,
        3,
    )
    assert (seg_b["views"], seg_b["viewers"], seg_b["orders"], seg_b["gmv_net"]) == (0, 2, 2, "59.80")
    assert seg_b["seller"] == "trainee"
    (job,) = result.breakdowns["jobs"]
    assert (job["id"], job["title"], job["clicks"], job["applications"]) == (
        small_session.posting_id,
        "电子厂普工",
        1,
        0,
    )
    (seller,) = result.breakdowns["sellers"]
    assert (seller["name"], seller["orders"], seller["gmv_net"], seller["product_clicks"]) == (
        "trainee",
        3,
        "89.70",
        1,
    )
    (product,) = result.breakdowns["products"]
    assert (product["sku"], product["orders"], product["items"], product["clicks"]) == ("TEA-1", 3, 4, 1)
    assert result.breakdowns["channels"]["live"] == {
        "orders": 2,
        "gmv_net": "59.80",
        "applications": 0,
        "applicants": 0,
    }
    assert result.breakdowns["channels"]["replay"]["orders"] == 1
    assert [row["orders"] for row in result.timeline][5:7] == [1, 1]


def test_recompute_is_identical(small_session):
    first = results.result_compute(session_id=small_session.pk)
    snapshot = (first.scorecard, first.breakdowns, first.timeline)

    second = results.result_compute(session_id=small_session.pk)

    assert (second.scorecard, second.breakdowns, second.timeline) == snapshot
    assert SessionResult.objects.filter(session=small_session).count() == 1


def test_ended_hook_enqueues_result_task(union, organizer, django_capture_on_commit_callbacks):
    from livestreams import services

    session = make_live_session(union)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.session_end(session=session, by=organizer)
    assert len(callbacks) >= 1
    # The task itself (what the worker runs) is idempotent and stores one row.
    result_compute_task.run(str(session.pk))
    result_compute_task.run(str(session.pk))
    assert SessionResult.objects.filter(session=session).count() == 1


def test_result_api_scoping_and_exports(
    small_session, organizer_client, other_organizer_client, client_for, host
):
    url = f"/api/v1/sessions/{small_session.pk}/results/"
    assert organizer_client.get(url).status_code == 404  # not computed yet
    computed = organizer_client.post(url + "compute/?wait=1")
    assert computed.status_code == 200 and computed.json()["scorecard"]["gmv_net"] == "89.70"
    assert organizer_client.get(url).json()["scorecard"]["unique_viewers"] == 5
    assert other_organizer_client.get(url).status_code == 404
    assert client_for(host).get(url).status_code == 403

    web = Client()
    web.force_login(small_session.union.members.get(username="organizer"))
    csv_text = web.get(f"/s/{small_session.pk}/results.csv").content.decode("utf-8-sig")
    assert "净成交额（元）,89.70" in csv_text and "# 环节" in csv_text and "学员带货" in csv_text
    wb = load_workbook(io.BytesIO(web.get(f"/s/{small_session.pk}/results.xlsx").content))
    assert {"成绩总览", "环节", "学员", "每分钟"} <= set(wb.sheetnames)
    card = {row[0].value: row[1].value for row in wb["成绩总览"].iter_rows(min_row=2)}
    assert card["独立观众"] == 5 and card["净成交额（元）"] == pytest.approx(89.70)  # a number, not text
    page = web.get(f"/s/{small_session.pk}/results/").content.decode()
    assert 'data-testid="chart-viewers"' in page and 'id="chart-spec-viewers"' in page
    assert "企业宣讲" in page and "¥89.70" in page
    foreign = Client()
    foreign.force_login(factories.make_user(role="organizer", union=factories.make_union("外地工会")))
    assert foreign.get(f"/s/{small_session.pk}/results/").status_code == 404


def test_series_rollup_dedupes_viewers_and_buyers(union, organizer):
    series = factories.make_series(union=union)
    sessions = []
    for n in range(2):
        s = make_live_session(union, series=series)
        bridge = Bridge(s, credentials.credential_issue(session=s, by=organizer))
        # viewer "shared" watches both sessions; each session has one own viewer.
        bridge.post_events(
            [ev(f"s{n}-1", "join", s, 1, viewer="m:shared"), ev(f"s{n}-2", "join", s, 2, viewer=f"m:own{n}")]
        )
        bridge.post_order(
            order_id=f"X{n}",
            amount="10.00",
            buyer="buyer-1",
            ts=(s.went_live_at + timedelta(seconds=5)).isoformat(),
        )
        LiveSession.objects.filter(pk=s.pk).update(
            status="ended", ended_at=s.went_live_at + timedelta(minutes=5)
        )
        results.result_compute(session_id=s.pk)
        sessions.append(s)

    roll = results.series_rollup(series=series)

    assert roll["unique_viewers"] == 3  # shared, own0, own1
    assert roll["views"] == 4
    assert roll["peak_concurrent"] == max(s.result.peak_concurrent for s in sessions) == 2
    assert roll["buyers"] == 1
    assert roll["gmv_net"] == "20.00"
    web = Client()
    web.force_login(organizer)
    page = web.get(f"/series/{series.pk}/results/").content.decode()
    assert 'id="chart-spec-series-viewers"' in page and sessions[0].title in page


def test_orders_api_validation_and_idempotency(union, organizer):
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))
    ts = (session.went_live_at + timedelta(minutes=3)).isoformat()

    created = bridge.post_order(order_id="A1", amount="15.50", buyer="u9", ts=ts, quantity=1)
    again = bridge.post_order(order_id="A1", amount="15.50", buyer="u9", ts=ts, quantity=1)
    changed = bridge.post_order(order_id="A1", amount="99.00", buyer="u9", ts=ts, quantity=1)
    negative = bridge.post_order(order_id="A2", amount="-1", buyer="u9", ts=ts)
    bad = bridge.post_order(order_id="", amount="abc", buyer="", ts="yesterday", sku="NOPE", colour=1)
    bad_fields = bridge.post_order(order_id="", amount="abc", buyer="", ts="yesterday", sku="NOPE")
    unknown_refund = bridge.post_order(order_id="ZZ", amount="1.00", buyer="u1", ts=ts, status="refunded")

    assert created.status_code == 201 and created.json()["order"]["minute_offset"] == 3
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "order_conflict"
    assert negative.status_code == 400 and "amount" in negative.json()["error"]["fields"]
    assert bad.status_code == 400 and "colour" in bad.json()["error"]["fields"]
    assert set(bad_fields.json()["error"]["fields"]) == {"order_id", "amount", "buyer", "ts", "sku"}
    assert unknown_refund.status_code == 404
    assert list(Order.objects.values_list("platform_order_id", "amount")) == [("A1", Decimal("15.50"))]


def test_import_orders_command_reports_bad_lines(tmp_path, union, organizer, trainee):
    session = make_live_session(union)
    Product.objects.create(union=union, seller=trainee, name="土鸡蛋", sku="EGG-30", price="45.00")
    path = tmp_path / "export.csv"
    path.write_text(
        "订单号,商品编码,数量,实付金额,买家ID,下单时间,订单状态\n"
        f"P1,EGG-30,1,45.00,b1,{(session.went_live_at + timedelta(minutes=2)).strftime('%Y-%m-%d %H:%M:%S')},已支付\n"
        "P2,EGG-30,1,-5,b2,2026-01-01 10:00:00,已支付\n"
        "P3,UNKNOWN,1,45.00,b3,2026-01-01 10:00:00,已支付\n"
        f"P4,EGG-30,2,90.00,b4,{(session.went_live_at + timedelta(minutes=4)).isoformat()},已退款\n",
        encoding="utf-8",
    )
    out = io.StringIO()

    call_command("import_orders", str(session.pk), str(path), "--no-progress", stdout=out)
    call_command("import_orders", str(session.pk), str(path), "--no-progress", stdout=io.StringIO())

    text = out.getvalue()
    assert "created 2" in text and "bad rows 2" in text
    assert "line 3: amount" in text and "line 4: sku" in text
    assert dict(Order.objects.values_list("platform_order_id", "status")) == {"P1": "paid", "P4": "refunded"}
