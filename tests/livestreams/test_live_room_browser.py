"""The live room in Chromium: the data screen moves while events arrive over HTTP, the host kit's QR codes
scan to the right apply page, the questions board answers in place, and nothing scrolls sideways."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import httpx
import pytest
import zxingcpp

from livestreams.models import LiveEvent
from tests.fixtures_services import wait_for
from tests.livestreams.live_helpers import ev
from tests.livestreams.room_helpers import make_fair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/live")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _no_sideways_scroll(page):
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def _post(live_server, bridge, events):
    response = httpx.post(
        f"{live_server.url}/api/v1/sessions/{bridge.session.pk}/events/",
        content=json.dumps({"events": events}),
        headers={"Authorization": f"Bearer {bridge.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events)


def png_to_gray(data: bytes) -> memoryview:
    """8-bit grayscale from an 8-bit RGB/RGBA/gray PNG (Chromium's screenshots); no Pillow needed."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    assert depth == 8
    raw = zlib.decompress(idat)
    stride = width * channels
    prev, i, out = bytearray(stride), 0, bytearray()
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if channels == 1:
            out += line
        else:
            out += bytes((line[x] + line[x + 1] + line[x + 2]) // 3 for x in range(0, stride, channels))
        prev = line
    return memoryview(bytes(out)).cast("B", (height, width))


@pytest.fixture
def fair(union, organizer, host):
    return make_fair(union, organizer, host)


def test_data_screen_viewers_and_curve_move_while_events_arrive(fair, page_for, live_server, organizer):
    session, bridge, _segments, _postings = fair
    _post(live_server, bridge, [ev(f"a{i}", "join", session, 60 + i, viewer=f"m:a{i}") for i in range(2)])
    page = page_for(organizer)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/s/{session.pk}/live/")
    figure = page.get_by_test_id("current-viewers")
    wait_for(lambda: figure.inner_text() == "2", message="screen shows 2 viewers")
    curve_before = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-curve')).getOption().series[0].data"
    )

    _post(
        live_server,
        bridge,
        [ev(f"b{i}", "join", session, 3 * 60 + i, viewer=f"m:b{i}") for i in range(5)],
    )

    wait_for(lambda: figure.inner_text() == "7", message="screen shows 7 viewers")
    curve_after = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-curve')).getOption().series[0].data"
    )
    assert max(v or 0 for v in curve_before) == 2 and max(v or 0 for v in curve_after) == 7
    assert page.locator("#seg-now").inner_text() == "恒芯电子宣讲"
    assert page.locator("#seg-next").inner_text() == "速达物流宣讲"
    assert page.get_by_test_id("degraded").is_hidden()
    # Rates read as core.formatting writes them (the payload's display strings, no JS rule).
    from core import formatting

    assert page.locator("[data-fig=apply_rate]").inner_text() == formatting.percent(0) == "0.0%"
    assert page.locator("[data-fig=comments_per_min]").inner_text() == formatting.decimal(0) == "0.0"
    assert _no_sideways_scroll(page)
    _shot(page, "screen-desktop")


def test_big_screen_and_phone_layouts_have_no_sideways_scroll(fair, page_for, live_server, organizer, host):
    session, bridge, _segments, _postings = fair
    _post(live_server, bridge, [ev(f"a{i}", "join", session, 60 + i, viewer=f"m:a{i}") for i in range(3)])
    big = page_for(organizer)
    big.set_viewport_size({"width": 1920, "height": 1080})
    big.goto(f"{live_server.url}/s/{session.pk}/live/")
    big.get_by_test_id("big-mode").click()
    wait_for(lambda: big.get_by_test_id("current-viewers").inner_text() == "3", message="big screen figure")
    phone = page_for(host, phone=True)
    phone.goto(f"{live_server.url}/s/{session.pk}/live/")
    wait_for(lambda: phone.get_by_test_id("current-viewers").inner_text() == "3", message="phone figure")

    background = big.evaluate("getComputedStyle(document.body).backgroundColor")
    assert "mode=big" in big.url and background == "rgb(11, 16, 32)"  # the dark theme
    assert _no_sideways_scroll(big) and _no_sideways_scroll(phone)
    _shot(big, "screen-big-1920")
    _shot(phone, "screen-phone-390")
    for path in ("kit/", "questions/"):
        phone.goto(f"{live_server.url}/s/{session.pk}/live/{path}")
        assert _no_sideways_scroll(phone), path
        _shot(phone, f"phone-{path.strip('/')}")


def test_host_kit_qr_from_screenshot_opens_the_right_apply_page(fair, page_for, live_server, host):
    session, _bridge, _segments, (_p1, p2) = fair
    page = page_for(host)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/s/{session.pk}/live/kit/")
    assert page.get_by_test_id("kit-card").count() == 2
    assert page.get_by_test_id("kit-onair").count() == 1
    _shot(page, "kit")
    # The host opens "present this" on the second job and holds it to the camera.
    page.get_by_test_id("kit-card").nth(1).get_by_test_id("present").click()
    page.get_by_test_id("present-card").wait_for()
    shot = _shot(page, "kit-present")

    decoded = zxingcpp.read_barcodes(png_to_gray(shot.read_bytes()))

    assert len(decoded) == 1
    url = decoded[0].text
    assert url == page.get_by_test_id("short-link").inner_text()
    path = "/" + url.split("/", 3)[3]
    page.goto(live_server.url + path)
    body = page.locator("main").inner_text()
    assert "快递分拣员" in body and "速达物流" in body and "电子厂普工" not in body
    page.goto(f"{live_server.url}/s/{session.pk}/live/kit/?print=1")
    assert page.get_by_test_id("qr").count() == 2
    _shot(page, "kit-print")


def test_questions_board_shows_ingested_question_and_marks_it_answered(fair, page_for, live_server, host):
    session, bridge, _segments, _postings = fair
    page = page_for(host)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/s/{session.pk}/live/questions/")
    assert page.get_by_test_id("no-questions").is_visible()

    _post(
        live_server,
        bridge,
        [ev("q1", "comment", session, 15 * 60, viewer="m:q", text="电子厂普工有夜班吗？", question=True)],
    )

    question = page.get_by_test_id("question").filter(has_text="电子厂普工有夜班吗？")
    question.wait_for()  # arrives without reloading
    assert page.get_by_test_id("unanswered-count").inner_text() == "1"
    page.get_by_test_id("by-item").click()
    group = page.get_by_test_id("q-group").filter(has_text="电子厂普工有夜班吗？")
    assert "电子厂普工" in group.locator("h2").inner_text()
    group.get_by_test_id("mark-answered").click()
    wait_for(lambda: page.get_by_test_id("answered-count").inner_text() == "1", message="answered count")
    assert page.get_by_test_id("unanswered-count").inner_text() == "0"
    assert LiveEvent.objects.get(session=session, event_id="q1").answered_by_id == host.pk
    assert _no_sideways_scroll(page)
    _shot(page, "questions")


@pytest.mark.slow
def test_data_screen_follows_simulate_live_over_http(page_for, live_server, union, organizer, host):
    import io
    import threading
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection

    from livestreams.models import LiveSession
    from tests import factories

    session = factories.make_session(
        union=union, status=LiveSession.Status.SCHEDULED, starts_in=timedelta(minutes=-1), hosts=[host]
    )
    factories.make_segment(session=session, offset=timedelta(0), length=timedelta(minutes=90), title="开场")
    page = page_for(host)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/s/{session.pk}/live/")
    figure = page.get_by_test_id("current-viewers")
    seen: list[str] = []

    def feed():
        try:
            call_command(
                "simulate_live",
                str(session.pk),
                "--base-url",
                live_server.url,
                "--viewers",
                "80",
                "--minutes",
                "8",
                "--speed",
                "30",
                "--no-progress",
                "--seed",
                "5",
                stdout=io.StringIO(),
            )
        finally:
            connection.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        wait_for(lambda: figure.inner_text() not in ("—", "0"), timeout=40, message="viewers arriving")
        seen.append(figure.inner_text())
        wait_for(lambda: figure.inner_text() != seen[0], timeout=40, message="the viewer figure moving")
        seen.append(figure.inner_text())
        curve = page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-curve')).getOption().series[0].data"
        )
    finally:
        feeder.join(timeout=60)

    assert seen[0] != seen[1] and int(seen[1]) > 0
    assert max(v or 0 for v in curve) > 0
    assert page.locator("#seg-now").inner_text() == "开场"
    assert page.get_by_test_id("status").inner_text() == "直播中"  # the badge follows the session
    _shot(page, "screen-simulated")
