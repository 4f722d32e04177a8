import pytest

from jobs.models import Application


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_apply_page_at_phone_viewport(phone_page, live_server):
    from jobs import services
    from tests.jobs.factories import HUAWEI, make_employer, make_posting

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="browser_owner")
    posting = make_posting(employer)
    link = services.shortlink_get_or_create(posting=posting, session=None)

    phone_page.goto(f"{live_server.url}/j/{link.code}/")
    assert phone_page.locator("[data-testid=posting-title]").inner_text() == "电子厂普工"
    # Mobile first: the submit button spans the phone's width without horizontal scrolling.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone_page.fill("#name", "张伟")
    phone_page.fill("#phone", "138 0013 8000")
    phone_page.click("[data-testid=submit]")
    confirmation = phone_page.locator("[data-testid=confirmation]")
    confirmation.wait_for()
    assert "报名成功" in confirmation.inner_text()
    assert "138****8000" in confirmation.inner_text()
    assert Application.objects.get().phone == "13800138000"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_employer_moves_an_applicant_along_the_pipeline_in_the_browser(page_for, live_server):
    from playwright.sync_api import expect

    from jobs import services
    from tests.jobs.factories import HUAWEI, make_employer, make_posting

    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="inbox_owner")
    application, _ = services.application_submit(
        posting=make_posting(employer), name="张伟", phone="13800138000"
    )
    page = page_for(employer.memberships.get().user)

    page.goto(f"{live_server.url}/jobs/employer/")
    row = page.locator(f'[data-testid=applicant][data-id="{application.pk}"]')
    row.locator("select[name=status]").select_option("interview")
    row.get_by_test_id("advance").click()

    expect(page.get_by_test_id("notice")).to_contain_text("张伟")
    expect(
        page.locator(f'[data-testid=applicant][data-id="{application.pk}"] [data-testid=status]')
    ).to_have_text("面试")
    application.refresh_from_db()
    assert application.status == "interview"
