"""The organizer's journeys in a real browser at a 1366x900 laptop viewport."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/org")
LAPTOP = {"width": 1366, "height": 900}
SH = ZoneInfo("Asia/Shanghai")


def _laptop(page_for, user):
    page = page_for(user)
    page.set_viewport_size(LAPTOP)
    return page


def _no_horizontal_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), page.url


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _deliver_all():
    from core.models import OutboxMessage
    from core.outbox import outbox_deliver_batch

    ids = list(OutboxMessage.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))
    outbox_deliver_batch(message_ids=ids)


def _calendar_mails(sink, address):
    from tests.invites.helpers import events, parse_both

    out = []
    for item in sink.to(address):
        part = next((p for p in item["message"].walk() if p.get_content_type() == "text/calendar"), None)
        if part is None:
            continue  # a plain notice (e.g. "request approved"), not an invite
        cal, _ = parse_both(part.get_payload(decode=True))
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]), event.decoded("DTSTART")))
    return out


def test_organizer_plans_a_fair_approves_postpones_and_unverifies(
    page_for, live_server, smtp_server, organizer, host
):
    from playwright.sync_api import expect

    from jobs import services as jobs
    from jobs.models import LineupRequest
    from livestreams.models import LiveSession, Series
    from tests.jobs.conftest import HUAWEI, TENCENT, make_employer, make_posting

    page = _laptop(page_for, organizer)
    base = live_server.url
    page.goto(f"{base}/accounts/home/")
    expect(page.get_by_test_id("home")).to_be_visible()
    _no_horizontal_scroll(page)

    # A series, then a fair in it.
    page.get_by_test_id("nav-series").click()
    page.get_by_test_id("new-series").click()
    page.fill("#id_title", "2027 春风行动 · 云招聘")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("series-card")).to_contain_text("2027 春风行动")
    page.get_by_test_id("series-new-session").click()
    start = (
        (timezone.now() + timedelta(days=3))
        .astimezone(SH)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    page.fill("#id_title", "春风行动 · 电子厂专场")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(host.name).check()
    _shot(page, "01-session-form")
    _no_horizontal_scroll(page)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("session-manage")).to_be_visible()
    session = LiveSession.objects.get(title="春风行动 · 电子厂专场")
    assert session.series == Series.objects.get() and session.starts_at == start

    # Three segments, each form prefilled right after the previous one (htmx swaps the lineup).
    for i, title in enumerate(["主播开场", "企业宣讲一", "企业宣讲二"], start=1):
        page.locator("[data-testid=segment-form] #id_title").fill(title)
        page.get_by_test_id("segment-save").click()
        expect(page.get_by_test_id("segment-row")).to_have_count(i)
    # A bad segment shows its error inline and stores nothing.
    page.locator("[data-testid=segment-form] #id_title").fill("太晚的环节")
    page.locator("[data-testid=segment-form] #id_starts_at").fill(
        (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("[data-testid=segment-form] #id_ends_at").fill(
        (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_test_id("segment-save").click()
    expect(page.get_by_test_id("error-starts_at")).to_contain_text("环节必须在场次")
    assert session.segments.count() == 3
    page.get_by_test_id("schedule").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "scheduled")
    _shot(page, "02-session-scheduled")
    _no_horizontal_scroll(page)

    # Two employers ask for a slot; the organizer approves both into segments from the queue.
    hengxin = make_employer(name="恒芯电子", credit_code=HUAWEI, username="hx_owner")
    suda = make_employer(name="速达物流", credit_code=TENCENT, username="sd_owner")
    for employer, job in ((hengxin, "电子厂普工"), (suda, "快递分拣员")):
        jobs.lineup_request_create(
            employer=employer,
            by=employer.memberships.get().user,
            session=session,
            postings=[make_posting(employer, title=job)],
            note="希望上午",
        )
    page.get_by_test_id("nav-requests").click()
    page.get_by_test_id("open-queue").click()
    for employer, segment in ((hengxin, "企业宣讲一"), (suda, "企业宣讲二")):
        card = page.locator(f'[data-testid=request][data-employer="{employer.name}"]')
        select = card.locator("select")
        option = select.locator("option", has_text=segment).get_attribute("value")
        select.select_option(option)
        card.get_by_test_id("approve").click()
        expect(page.locator(f'[data-testid=approved][data-employer="{employer.name}"]')).to_contain_text(
            segment
        )
    _shot(page, "03-queue")
    _no_horizontal_scroll(page)
    assert LineupRequest.objects.filter(status="approved").count() == 2

    _deliver_all()
    people = [host.email]
    for employer in (hengxin, suda):
        people += [employer.memberships.get().user.email, employer.contact_email]
    before = {address: _calendar_mails(smtp_server, address) for address in people}
    assert all(len(mails) == 1 for mails in before.values()), before

    # Postpone by a day: who is told is shown first.
    page.goto(f"{base}/organizer/sessions/{session.pk}/")
    page.get_by_test_id("postpone").click()
    told = page.get_by_test_id("who-is-told")
    expect(told).to_contain_text(host.email)
    expect(told).to_contain_text(hengxin.contact_email)
    _shot(page, "04-postpone")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已顺延")
    _deliver_all()
    for address in people:
        first, *updates = _calendar_mails(smtp_server, address)
        assert len(updates) == 1, (address, updates)
        (update,) = updates
        assert update[1] == first[1] and update[2] == first[2] + 1
        assert update[3] == first[3] + timedelta(days=1)
    session.refresh_from_db()
    assert session.starts_at == start + timedelta(days=1)

    # Un-verify one employer: it leaves the public lineup; the other stays.
    public = page.context.new_page()
    public.goto(f"{base}/s/{session.pk}/")
    expect(public.locator("body")).to_contain_text("恒芯电子")
    page.get_by_test_id("nav-employers").click()
    page.get_by_test_id("tab-verified").click()
    row = page.locator('[data-testid=employer-row][data-employer="恒芯电子"]')
    row.locator("textarea").fill("营业执照已过期")
    row.get_by_test_id("unverify").click()
    expect(page.get_by_test_id("messages")).to_contain_text("认证已撤销")
    _shot(page, "05-employers")
    public.reload()
    expect(public.locator("body")).not_to_contain_text("恒芯电子")
    expect(public.locator("body")).to_contain_text("速达物流")


def test_organizer_creates_a_program_with_weekly_classes(page_for, live_server, organizer, union):
    from playwright.sync_api import expect

    from coaching.models import Program, Slot
    from tests.coaching import factories as cf

    coach = cf.make_coach(union=union, username="coach_chen")
    page = _laptop(page_for, organizer)
    page.goto(f"{live_server.url}/organizer/")
    page.get_by_test_id("nav-programs").click()
    page.get_by_test_id("new-program").click()
    page.fill("#id_title", "7 天直播带货训练营")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("slots")).to_be_visible()
    program = Program.objects.get()
    now = timezone.now().astimezone(SH)
    first = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    form = page.get_by_test_id("slot-form")
    form.locator("#id_coach").select_option(str(coach.pk))
    form.locator("#id_title").fill("直播话术小班课")
    form.locator("#id_starts_at").fill(first.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_ends_at").fill((first + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_capacity").fill("20")
    form.locator("#id_repeat_weekly").check()
    form.locator("#id_until").fill((first + timedelta(weeks=5)).date().isoformat())
    page.get_by_test_id("slot-save").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已添加 6 节课")
    expect(page.get_by_test_id("slot-row")).to_have_count(6)
    _shot(page, "06-program")
    _no_horizontal_scroll(page)
    assert Slot.objects.filter(program=program).count() == 6
    page.get_by_test_id("program-outcomes").first.click()
    assert f"/coaching/p/{program.pk}/stats/" in page.url


def test_organizer_opens_a_finished_sessions_results_and_reads_the_xlsx(
    page_for, live_server, organizer, union
):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from livestreams.live import results
    from tests import factories

    went_live = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    session = factories.make_session(
        union=union,
        status="ended",
        title="春季直播带岗",
        starts_at=went_live,
        ends_at=went_live + timedelta(minutes=30),
        went_live_at=went_live,
        ended_at=went_live + timedelta(minutes=30),
    )
    factories.make_segment(session=session, title="企业宣讲")
    results.result_compute(session_id=session.pk)
    page = _laptop(page_for, organizer)
    page.goto(f"{live_server.url}/organizer/")
    page.get_by_test_id("nav-sessions").click()
    page.get_by_test_id("tab-ended").click()
    row = page.locator(f'[data-testid=session-row][data-session-id="{session.pk}"]')
    _shot(page, "07-session-list")
    _no_horizontal_scroll(page)
    row.get_by_test_id("link-results").click()
    expect(page.locator("h1")).to_contain_text("春季直播带岗")
    page.goto(f"{live_server.url}/organizer/sessions/?status=ended")
    with page.expect_download() as download:
        page.locator(f'[data-testid=session-row][data-session-id="{session.pk}"]').get_by_test_id(
            "link-xlsx"
        ).click()
    assert download.value.suggested_filename.startswith("春季直播带岗-")
    assert re.search(r"-成绩-\d{4}-\d{2}-\d{2}\.xlsx$", download.value.suggested_filename)
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert wb.sheetnames[:2] == ["场次信息", "成绩总览"]
    assert [c.value for c in wb["成绩总览"][1]] == ["指标", "数值", "说明"]
    assert [c.value for c in wb["环节"][1]][:3] == ["序号", "环节", "上播学员"]


def test_organizer_pages_fit_a_phone_too(page_for, live_server, organizer, union):
    from tests import factories

    session = factories.make_session(union=union, title="手机上也能看的专场")
    factories.make_segment(session=session, title="企业宣讲")
    page = page_for(organizer, phone=True)
    for path in (
        "/organizer/",
        "/organizer/sessions/",
        f"/organizer/sessions/{session.pk}/",
        "/organizer/employers/",
    ):
        page.goto(f"{live_server.url}{path}")
        _no_horizontal_scroll(page)
    _shot(page, "08-phone-employers")
