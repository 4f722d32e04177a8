"""Browser journeys of the employer workspace, on a 1366 px laptop and a 390 px phone."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jobs import services
from jobs.models import Application, Employer, JobPosting, LineupRequest, ShortLink
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
SHOTS = Path("/tmp/shots/emp")
XIAOMI = "91110108551385082Q"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), page.url


def _new_page(browser, *, phone: bool):
    from tests.fixtures_browser import _new_page as new

    context, page = new(browser, phone=phone)
    if not phone:
        page.set_viewport_size(LAPTOP)
    return context, page


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_employer_journey_from_sign_up_to_export(browser, live_server, union, organizer, host, phone):
    from playwright.sync_api import expect

    fair = factories.make_session(
        union=union,
        status="scheduled",
        starts_in=timedelta(days=3),
        hosts=[host],
        title="2026 春风行动直播专场",
    )
    factories.make_segment(session=fair, offset=timedelta(minutes=30), title="制造业专场")
    kind = "phone" if phone else "laptop"
    context, page = _new_page(browser, phone=phone)
    base = live_server.url

    # 1. Sign up.
    page.goto(f"{base}/jobs/employer/signup/")
    _no_sideways_scroll(page)
    page.fill("#id_name", "北京小米电子有限公司")
    page.fill("#id_credit_code", XIAOMI[:-1] + "0")  # wrong check character first
    page.fill("#id_contact_name", "赵经理")
    page.fill("#id_contact_phone", "13800138000")
    page.fill("#id_contact_email", f"hr-{kind}@xiaomi.example.com")
    page.fill("#id_password", "a-long-Passw0rd")
    page.get_by_test_id("signup").click()
    expect(page.get_by_test_id("error-credit_code")).to_contain_text("校验位不正确")
    page.fill("#id_credit_code", XIAOMI)
    page.fill("#id_password", "a-long-Passw0rd")
    page.get_by_test_id("signup").click()
    expect(page.get_by_test_id("verification")).to_contain_text("等待审核")
    _shot(page, f"{kind}-welcome")
    employer = Employer.objects.get(credit_code=XIAOMI)

    # 2. The organizer verifies (through the service).
    services.employer_verify(employer=employer, by=organizer, verified=True)

    # 3. Post a job.
    page.goto(f"{base}/jobs/employer/postings/new/")
    _no_sideways_scroll(page)
    page.fill("#id_title", "手机装配工")
    page.select_option("#id_pay_type", "monthly")
    page.fill("#id_pay_min", "6000")
    page.fill("#id_pay_max", "8500")
    page.fill("#id_headcount", "50")
    page.fill("#id_city", "北京")
    page.fill("#id_district", "昌平区")
    page.select_option("#id_shift", "rotating")
    page.select_option("#id_housing", "couples")
    page.select_option("#id_meals", "free")
    for box in ("ins_pension", "ins_medical", "ins_work_injury", "housing_fund"):
        page.check(f"#id_{box}")
    page.fill("#id_age_min", "18")
    page.fill("#id_age_max", "40")
    _shot(page, f"{kind}-posting-form")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("posting-status")).to_have_text("招聘中")
    expect(page.get_by_test_id("shortlink")).to_contain_text("/j/")
    preview = page.frame_locator("[data-testid=preview-frame]")
    expect(preview.locator("[data-testid=posting-title]")).to_have_text("手机装配工")
    _no_sideways_scroll(page)
    _shot(page, f"{kind}-posting-detail")
    posting = JobPosting.objects.get(employer=employer)

    # 4. Request a slot.
    page.get_by_test_id("nav-fairs").click()
    page.locator(f'[data-testid=fair][data-id="{fair.pk}"] [data-testid=request-slot-link]').click()
    page.get_by_test_id("posting-choice").check()
    page.select_option("#preferred_segment", index=1)
    page.get_by_test_id("submit-request").click()
    expect(page.locator("[data-testid=request] [data-testid=request-status]")).to_have_text("待审核")
    request = LineupRequest.objects.get(employer=employer)
    assert request.preferred_segment is not None

    # 5. The organizer approves (through the service).
    services.lineup_approve(
        request=request,
        by=organizer,
        starts_at=fair.starts_at + timedelta(minutes=60),
        ends_at=fair.starts_at + timedelta(minutes=90),
    )
    page.reload()
    expect(page.get_by_test_id("request-slot")).to_contain_text("–")
    _no_sideways_scroll(page)
    _shot(page, f"{kind}-fairs")

    # 6. Applicants arrive through the apply page (the fair's own link), on their phones.
    link = ShortLink.objects.get(posting=posting, session=fair)
    viewer_context, viewer = _new_page(browser, phone=True)
    for name, mobile in (("张伟", "13900139001"), ("李娜", "13900139002"), ("王芳", "13900139003")):
        viewer.goto(f"{base}/j/{link.code}/")
        viewer.fill("#name", name)
        viewer.fill("#phone", mobile)
        viewer.get_by_test_id("submit").click()
        viewer.get_by_test_id("confirmation").wait_for()
    viewer_context.close()
    assert Application.objects.filter(posting=posting, session=fair).count() == 3

    # 7. Triage two: one from its row, one by the bulk action.
    page.get_by_test_id("nav-inbox").click()
    zhang = Application.objects.get(name="张伟")
    li = Application.objects.get(name="李娜")
    row = page.locator(f'[data-testid=applicant][data-id="{zhang.pk}"]')
    row.locator("select[name=status]").select_option("contacted")
    row.get_by_test_id("advance").click()
    expect(page.locator(f'[data-testid=applicant][data-id="{zhang.pk}"] [data-testid=status]')).to_have_text(
        "已联系"
    )
    page.locator(f'[data-testid=applicant][data-id="{li.pk}"] [data-testid=pick]').check()
    page.select_option("[data-testid=bulk-status]", "interview")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("notice").first).to_contain_text("已更新 1 人")
    expect(page.locator(f'[data-testid=applicant][data-id="{li.pk}"] [data-testid=status]')).to_have_text(
        "面试"
    )
    _no_sideways_scroll(page)
    _shot(page, f"{kind}-inbox")
    if phone:
        assert page.locator(f'[data-testid=applicant][data-id="{li.pk}"] [data-testid=tel]').is_visible()

    # 8. Export the current list and read the file back.
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.startswith("北京小米电子有限公司-求职者-")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[:3] == ("报名时间", "姓名", "手机号")
    assert set(rows) == {"张伟", "李娜", "王芳"}
    assert rows["张伟"][8] == "已联系" and rows["李娜"][8] == "面试" and rows["王芳"][8] == "已报名"
    assert rows["张伟"][4] == "2026 春风行动直播专场" and rows["张伟"][2] == "13900139001"
    context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_inbox_layout_uses_the_laptop_width_and_is_cards_on_a_phone(browser, live_server, phone):
    from tests.jobs.conftest import HUAWEI, make_employer, make_posting

    employer = make_employer(name="恒芯电子科技（杭州）有限公司", credit_code=HUAWEI, username="layout_owner")
    posting = make_posting(employer, title="SMT 贴片操作工（长白班，包吃住）")
    session = factories.make_session(union=factories.make_union(name="杭州市总工会"), status="ended")
    Application.objects.bulk_create(
        [
            Application(
                posting=posting, session=session, name=f"求职者{i}", phone=f"1380013{i:04d}", channel="replay"
            )
            for i in range(60)
        ]
    )
    context, page = _new_page(browser, phone=phone)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(employer.memberships.get().user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(f"{live_server.url}/jobs/employer/")
    _no_sideways_scroll(page)
    _shot(page, f"inbox-{'phone' if phone else 'laptop'}")
    table = page.locator("table.applicants").bounding_box()
    status_lines = page.locator("[data-testid=applicant] [data-testid=status]").first.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    )
    if phone:
        assert page.locator("table.applicants thead").is_hidden()  # cards, no header row
        for select in page.locator("[data-testid=applicant] select").all()[:5]:
            box = select.bounding_box()
            assert box["x"] + box["width"] <= 390
    else:
        assert table["width"] > 1100  # the inbox uses the laptop's width, not a narrow column
        assert status_lines == 1  # a status stays on one line
    assert page.get_by_test_id("page-of").inner_text() == "第 1 / 2 页"
    page.get_by_test_id("next").click()
    assert page.locator("[data-testid=applicant]").count() == 10

    # Every other workspace page fits the screen too.
    size = "phone" if phone else "laptop"
    first = Application.objects.filter(posting=posting).first()
    for name, path in (
        ("applicant", f"/jobs/employer/applicants/{first.pk}/"),
        ("postings", "/jobs/employer/postings/"),
        ("posting", f"/jobs/employer/postings/{posting.pk}/"),
        ("fairs", "/jobs/employer/fairs/"),
        ("results", "/jobs/employer/results/"),
        ("team", "/jobs/employer/team/"),
        ("welcome", "/jobs/employer/welcome/"),
    ):
        page.goto(f"{live_server.url}{path}")
        _no_sideways_scroll(page)
        _shot(page, f"{size}-{name}")
    context.close()
