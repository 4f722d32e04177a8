"""On a phone: the form is open, the job closes, the person submits — they see it closed and the fair's
other jobs, and can apply to one of them with one tap."""

import pytest

from jobs.models import Application, JobPosting


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_job_closes_while_the_phone_form_is_open(phone_page, live_server, union):
    from pathlib import Path

    from jobs import services
    from tests import factories
    from tests.jobs.conftest import HUAWEI, TENCENT, feature, make_employer, make_posting

    fair = factories.make_session(union=union, status="scheduled", title="春风行动 · 云招聘第 3 场")
    closing = make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="o1"))
    other = make_posting(
        make_employer(name="速达物流", credit_code=TENCENT, username="o2"), title="快递分拣员"
    )
    feature(fair, closing, other)
    link = services.shortlink_get_or_create(posting=closing, session=fair)
    services.shortlink_get_or_create(posting=other, session=fair)
    shots = Path("/tmp/shots/fix")
    shots.mkdir(parents=True, exist_ok=True)

    phone_page.goto(f"{live_server.url}/j/{link.code}/")
    phone_page.fill("#name", "张伟")
    phone_page.fill("#phone", "138 0013 8000")
    JobPosting.objects.filter(pk=closing.pk).update(status="closed")
    phone_page.click("[data-testid=submit]")

    phone_page.locator("[data-testid=closed]").wait_for()
    phone_page.screenshot(path=str(shots / "apply-closed-phone.png"), full_page=True)
    assert phone_page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    phone_page.get_by_role("link", name="快递分拣员").click()
    phone_page.locator("[data-testid=posting-title]").wait_for()
    assert phone_page.locator("[data-testid=posting-title]").inner_text() == "快递分拣员"
    phone_page.fill("#name", "张伟")
    phone_page.fill("#phone", "138 0013 8000")
    phone_page.click("[data-testid=submit]")
    phone_page.locator("[data-testid=confirmation]").wait_for()
    assert Application.objects.get().posting_id == other.pk
