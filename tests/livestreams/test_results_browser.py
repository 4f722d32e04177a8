"""End to end: simulate_live drives a session through real HTTP; the organizer sees charts in Chromium."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from livestreams.live import results
from livestreams.models import LiveEvent, LiveSession, Order, Product, SessionResult
from tests import factories


@pytest.fixture
def simulated(live_server, union, organizer, trainee):
    session = factories.make_session(
        union=union,
        kind=LiveSession.Kind.SALES,
        status=LiveSession.Status.SCHEDULED,
        starts_in=timedelta(minutes=-25),
        title="学员首播：山区农产品",
    )
    factories.make_segment(
        session=session, offset=timedelta(0), length=timedelta(minutes=60), seller=trainee, title="学员带货"
    )
    Product.objects.create(union=union, seller=trainee, name="高山云雾茶", sku="TEA-1", price="39.90")
    out = io.StringIO()
    call_command(
        "simulate_live",
        str(session.pk),
        "--base-url",
        live_server.url,
        "--viewers",
        "120",
        "--minutes",
        "15",
        "--backfill",
        "--end",
        "--no-progress",
        "--seed",
        "3",
        stdout=out,
    )
    session.refresh_from_db()
    return session, out.getvalue()


@pytest.mark.slow
@pytest.mark.browser
def test_simulator_then_results_page_renders_charts(simulated, page_for, live_server, organizer, tmp_path):
    session, output = simulated
    assert session.status == LiveSession.Status.ENDED
    assert "0 rejected" in output
    events = LiveEvent.objects.filter(session=session).count()
    assert events > 500 and Order.objects.filter(session=session).exists()
    result = results.result_compute(session_id=session.pk)  # the worker would do the same on "ended"
    assert result.unique_viewers == 120
    assert result.scorecard["peak_concurrent"] > 0 and result.gmv_net > 0

    page = page_for(organizer)
    page.goto(f"{live_server.url}/s/{session.pk}/results/")
    chart = page.locator("[data-testid=chart-viewers] .echart svg")
    chart.wait_for(state="visible")
    box = chart.bounding_box()
    shot = tmp_path / "results.png"
    page.screenshot(path=str(shot), full_page=True)
    option = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-testid=chart-viewers] .echart')).getOption()"
    )
    sellers = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-testid=chart-sellers] .echart')).getOption()"
    )

    assert box["width"] > 300 and box["height"] > 80
    assert len(option["series"]) == 2
    assert len(option["series"][0]["markArea"]["data"]) >= 1  # the segment is shaded
    assert len(sellers["series"][0]["data"]) == 1
    assert page.locator("[data-testid=unique-viewers]").inner_text() == "120"
    assert shot.stat().st_size > 10_000

    # The organizer uploads a platform export: the bad line is reported, the good one imported.
    csv_path = tmp_path / "orders.csv"
    when = (session.went_live_at + timedelta(minutes=3)).isoformat()
    csv_path.write_text(
        f"order_id,sku,quantity,amount,buyer,ts,status\nCSV-1,TEA-1,1,39.90,z1,{when},paid\nCSV-2,TEA-1,1,-3,z2,{when},paid\n"
    )
    page.set_input_files("input[name=file]", str(csv_path))
    page.click("form[enctype] button[type=submit]")
    report = page.locator("[data-testid=import-report]")
    report.wait_for()
    assert "3" in report.inner_text() and "amount" in report.inner_text()
    assert Order.objects.filter(session=session, platform_order_id="CSV-1").exists()
    assert SessionResult.objects.filter(session=session).count() == 1


@pytest.mark.slow
def test_demo_live_builds_a_finished_session_with_results_and_a_live_one(
    live_server, union, organizer, trainee
):
    from jobs.models import Application, LineupRequest
    from tests.jobs.factories import HUAWEI, make_employer, make_posting

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp_owner")
    posting = make_posting(employer)
    out = io.StringIO()

    call_command("demo_live", "--base-url", live_server.url, "--once", "--scale", "0.05", stdout=out)

    finished = LiveSession.objects.get(title__startswith="示范：已结束")
    live = LiveSession.objects.get(title__startswith="示范：学员直播带货")
    assert finished.status == LiveSession.Status.ENDED
    assert SessionResult.objects.get(session=finished).unique_viewers == 45
    assert live.status == LiveSession.Status.LIVE and LiveEvent.objects.filter(session=live).exists()
    assert f"/s/{finished.pk}/results/" in out.getvalue()
    # The finished fair got a jobs lineup first, so its applicants are its own, live, in a segment.
    request = LineupRequest.objects.get(session=finished, employer=employer, status="approved")
    assert request.segment.title.startswith("企业宣讲")
    applied = Application.objects.filter(session=finished, posting=posting)
    assert applied.exists() and all(a.channel == "live" and a.segment_id for a in applied)


@pytest.mark.browser
def test_series_chart_shows_long_session_titles_whole(page_for, live_server, union, organizer):
    from livestreams.live import credentials
    from tests.livestreams.live_helpers import Bridge, ev, make_live_session

    series = factories.make_series(union=union)
    long_titles = ["2026 春风行动 · 杭州市总工会第十二场直播带岗专场（制造业与物流）", "短标题"]
    for n, title in enumerate(long_titles):
        s = make_live_session(union, series=series, title=title)
        bridge = Bridge(s, credentials.credential_issue(session=s, by=organizer))
        bridge.post_events([ev(f"s{n}-{i}", "join", s, i, viewer=f"m:v{n}-{i}") for i in range(n + 2)])
        LiveSession.objects.filter(pk=s.pk).update(
            status="ended", ended_at=s.went_live_at + timedelta(minutes=5)
        )
        results.result_compute(session_id=s.pk)
    page = page_for(organizer)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/series/{series.pk}/results/")
    chart = page.locator("[data-testid=chart-series-viewers] .echart")
    chart.locator("svg").wait_for()
    box = chart.bounding_box()
    texts = chart.locator("svg text")
    labels = "".join(t or "" for t in texts.all_text_contents()).replace(" ", "")
    boxes = [texts.nth(i).bounding_box() for i in range(texts.count())]
    page.screenshot(path="/tmp/shots/live/series.png", full_page=True)

    assert "制造业与物流" in labels and "短标题" in labels  # wrapped, not cut off
    assert all(b["x"] >= box["x"] - 1 and b["x"] + b["width"] <= box["x"] + box["width"] + 1 for b in boxes)
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
