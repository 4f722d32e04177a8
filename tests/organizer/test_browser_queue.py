"""The queue's new steps and the results button in a real browser, laptop size, in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.organizer.test_browser import _calendar_mails, _deliver_all, _laptop, _no_horizontal_scroll, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_organizer_approves_into_the_preferred_segment_and_reinstates_a_suspended_employer(
    page_for, live_server, smtp_server, fair, organizer, employer, other_employer
):
    from playwright.sync_api import expect

    from jobs import services as jobs
    from jobs.models import LineupRequest
    from livestreams import services as ls
    from tests.jobs.conftest import make_posting

    wanted = ls.segment_create(
        session=fair,
        by=organizer,
        title="企业宣讲一",
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=30),
    )
    for emp in (employer, other_employer):
        jobs.lineup_request_submit(
            employer=emp,
            by=emp.memberships.get().user,
            session=fair,
            postings=[make_posting(emp)],
            preferred_segment=wanted,
        )
    page = _laptop(page_for, organizer)
    page.goto(f"{live_server.url}/organizer/fairs/{fair.pk}/requests/")
    page.evaluate("window.__stayed = true")  # gone if the page reloads instead of swapping in place
    first = page.locator('[data-testid=request][data-employer="恒芯电子"]')
    expect(first.get_by_test_id("preferred")).to_contain_text("企业宣讲一")
    expect(first.get_by_test_id("preferred-free")).to_be_visible()
    _shot(page, "10-queue-preferred")
    _no_horizontal_scroll(page)
    first.get_by_test_id("approve-preferred").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已批准 恒芯电子")
    expect(page.locator('[data-testid=approved][data-employer="恒芯电子"]')).to_contain_text("企业宣讲一")
    # The other employer wanted the same segment: the page says it is taken and by whom.
    second = page.locator('[data-testid=request][data-employer="速达物流"]')
    expect(second.get_by_test_id("preferred-taken")).to_contain_text("已被占用：恒芯电子")
    expect(second.get_by_test_id("approve-preferred")).to_have_count(0)
    # A decline without a reason: the field message appears in place, nothing changes.
    second.get_by_test_id("decline").click()
    expect(second.get_by_test_id("error-reason")).to_be_visible()
    assert page.evaluate("window.__stayed === true")
    _shot(page, "11-queue-taken")
    request = LineupRequest.objects.get(employer=employer)
    assert request.status == "approved" and request.segment_id == wanted.pk
    assert LineupRequest.objects.get(employer=other_employer).status == "requested"

    # Un-verified (suspended), verified again: the organizer reinstates it deliberately.
    jobs.employer_verify(employer=employer, by=organizer, verified=False, reason="营业执照已过期")
    jobs.employer_verify(employer=employer, by=organizer, verified=True)
    _deliver_all()
    page.goto(f"{live_server.url}/organizer/fairs/{fair.pk}/requests/")
    closed = page.locator('[data-testid=closed][data-employer="恒芯电子"]')
    expect(closed).to_have_attribute("data-status", "suspended")
    closed.get_by_test_id("reinstate").click()
    expect(page.get_by_test_id("plan-free")).to_be_visible()
    expect(page.get_by_test_id("who-is-told")).to_contain_text(employer.memberships.get().user.email)
    _shot(page, "12-reinstate-confirm")
    _no_horizontal_scroll(page)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已恢复到原环节")
    expect(page.locator('[data-testid=approved][data-employer="恒芯电子"]')).to_contain_text("企业宣讲一")
    request.refresh_from_db()
    assert request.status == "approved" and request.segment_id == wanted.pk

    _deliver_all()
    sent = _calendar_mails(smtp_server, employer.memberships.get().user.email)
    assert [method for method, *_ in sent] == ["REQUEST", "CANCEL", "REQUEST"]
    (_, uid0, _, start0), (_, uid1, seq1, _), (_, uid2, seq2, start2) = sent
    assert uid0 == uid1 == uid2 and seq2 == seq1 + 1 and start2 == start0


def test_organizer_recomputes_results_and_filters_the_list_in_place(page_for, live_server, organizer, union):
    from playwright.sync_api import expect

    from livestreams.models import SessionResult
    from tests import factories
    from tests.organizer.conftest import make_ended

    session = make_ended(union)
    for i in range(22):
        factories.make_session(union=union, status="scheduled", title=f"云招聘第{i:02d}场")

    page = _laptop(page_for, organizer)
    page.goto(f"{live_server.url}/organizer/sessions/")
    page.evaluate("window.__stayed = true")
    page.get_by_test_id("search").fill("第07场")
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    assert "q=" in page.url  # the filter is in the address, so a reload or a shared link shows the same
    page.get_by_test_id("search").fill("")
    expect(page.get_by_test_id("pager")).to_be_visible()
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("pager")).to_contain_text("第 2 / 2 页")
    page.get_by_test_id("tab-ended").click()
    row = page.locator(f'[data-testid=session-row][data-session-id="{session.pk}"]')
    expect(row.get_by_test_id("no-result")).to_be_visible()
    row.get_by_test_id("recompute").click()
    expect(row.get_by_test_id("computed-at")).to_contain_text("成绩计算于")
    expect(row.get_by_test_id("link-xlsx")).to_be_visible()  # the row came back whole, exports included
    assert page.evaluate("window.__stayed === true")  # every step above swapped in place
    _shot(page, "13-session-list-recomputed")
    _no_horizontal_scroll(page)
    assert SessionResult.objects.filter(session=session).exists()

    # The session page has the same button; without htmx it still works (a plain form post).
    page.goto(f"{live_server.url}/organizer/sessions/{session.pk}/")
    before = SessionResult.objects.get(session=session).computed_at
    with page.expect_navigation():  # form.submit() fires no submit event: the plain post, as without JS
        page.evaluate("document.querySelector('[data-testid=session-results] form').submit()")
    expect(page.get_by_test_id("messages")).to_contain_text("成绩已重新计算")
    assert SessionResult.objects.get(session=session).computed_at > before
    _shot(page, "14-session-page-results")


def test_organizer_approves_selected_requests_in_one_step(
    page_for, live_server, smtp_server, fair, organizer, employer, other_employer, new_employer
):
    """Two ticked requests with free preferred segments are approved into them, one decision and one
    calendar invitation per employer; a ticked one without a preference stays with the reason."""
    from playwright.sync_api import expect

    from jobs import services as jobs
    from jobs.models import LineupRequest
    from livestreams import services as ls
    from tests.jobs.conftest import make_posting

    segments = [
        ls.segment_create(
            session=fair,
            by=organizer,
            title=title,
            starts_at=fair.starts_at + timedelta(minutes=40 * i),
            ends_at=fair.starts_at + timedelta(minutes=40 * i + 30),
        )
        for i, title in enumerate(["企业宣讲一", "企业宣讲二"])
    ]
    for emp, wanted in ((employer, segments[0]), (other_employer, segments[1]), (new_employer, None)):
        jobs.lineup_request_submit(
            employer=emp,
            by=emp.memberships.get().user,
            session=fair,
            postings=[make_posting(emp)],
            preferred_segment=wanted,
        )
    new_employer.verified = True  # verified, but it asked for no segment
    new_employer.save(update_fields=["verified"])
    page = _laptop(page_for, organizer)
    page.goto(f"{live_server.url}/organizer/fairs/{fair.pk}/requests/")
    page.evaluate("window.__stayed = true")
    for name in ("恒芯电子", "速达物流", "小米之家"):
        page.locator(f'[data-testid=request][data-employer="{name}"]').get_by_test_id("pick").check()
    page.get_by_test_id("bulk-approve").click()

    messages = page.get_by_test_id("messages")
    expect(messages.locator("li.success")).to_contain_text("已批准 2 个申请")
    expect(messages.locator("li.error")).to_contain_text("小米之家 未批准：没有希望的环节")
    expect(page.locator('[data-testid=approved][data-employer="恒芯电子"]')).to_contain_text("企业宣讲一")
    expect(page.locator('[data-testid=approved][data-employer="速达物流"]')).to_contain_text("企业宣讲二")
    expect(page.locator('[data-testid=request][data-employer="小米之家"]')).to_be_visible()
    assert page.evaluate("window.__stayed === true")  # swapped in place by htmx
    _no_horizontal_scroll(page)
    _shot(page, "13-queue-bulk-approved")

    by_employer = {r.employer_id: r for r in LineupRequest.objects.filter(session=fair)}
    assert (
        by_employer[employer.pk].segment_id == segments[0].pk
        and by_employer[employer.pk].status == "approved"
    )
    assert by_employer[other_employer.pk].segment_id == segments[1].pk
    assert by_employer[new_employer.pk].status == "requested"
    _deliver_all()
    for emp in (employer, other_employer):
        sent = _calendar_mails(smtp_server, emp.memberships.get().user.email)
        assert [method for method, *_ in sent] == ["REQUEST"]
