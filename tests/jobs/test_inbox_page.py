"""The employer's inbox page: own applicants only, filters, and pipeline steps through the service rules."""

import pytest
from django.test import Client

from jobs import services
from jobs.models import Application, ApplicationEvent
from tests import factories
from tests.jobs.conftest import feature, make_posting

pytestmark = pytest.mark.django_db
INBOX = "/jobs/employer/"


def _apply(posting, name, phone, session=None):
    application, _ = services.application_submit(posting=posting, name=name, phone=phone, session=session)
    return application


@pytest.fixture
def web(employer_user):
    client = Client()
    client.force_login(employer_user)
    return client


@pytest.fixture
def inbox(employer, posting, other_posting, fair):
    second = make_posting(employer, title="仓库管理员")
    feature(fair, posting)  # an application is credited to the fair only for a job in its lineup
    return {
        "from_fair": _apply(posting, "张伟", "13800138000", session=fair),
        "direct": _apply(second, "李娜", "13900139000"),
        "foreign": _apply(other_posting, "王芳", "13700137000"),
        "second": second,
    }


def _rows(html: str) -> int:
    return html.count('data-testid="applicant"')


def test_inbox_lists_only_own_applicants_with_full_numbers(web, inbox):
    html = web.get(INBOX).content.decode()

    assert _rows(html) == 2
    assert "张伟" in html and "13800138000" in html and "李娜" in html
    assert "王芳" not in html and "13700137000" not in html


def test_inbox_filters_by_posting_and_session(web, inbox, fair):
    by_posting = web.get(INBOX, {"posting": str(inbox["second"].pk)}).content.decode()
    by_session = web.get(INBOX, {"session": str(fair.pk)}).content.decode()
    foreign_posting = web.get(INBOX, {"posting": str(inbox["foreign"].posting_id)}).content.decode()

    assert _rows(by_posting) == 1 and "李娜" in by_posting
    assert _rows(by_session) == 1 and "张伟" in by_session
    assert _rows(foreign_posting) == 2  # another employer's posting id is not a filter: ignored


def test_pipeline_step_from_the_inbox(web, employer_user, inbox):
    application = inbox["from_fair"]

    response = web.post(
        f"/jobs/employer/applications/{application.pk}/status/",
        {"status": "contacted", "back": "status=applied"},
    )

    assert response.status_code == 302 and response["Location"] == f"{INBOX}?status=applied"
    application.refresh_from_db()
    assert application.status == "contacted" and application.status_changed_by == employer_user
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_status, event.to_status, event.by) == ("applied", "contacted", employer_user)
    page = web.get(response["Location"]).content.decode()
    assert "张伟：已更新为" in page and "李娜" in page and "张伟</td>" not in page


def test_a_skipped_pipeline_step_is_refused_with_a_message(web, inbox):
    application = inbox["direct"]

    response = web.post(
        f"/jobs/employer/applications/{application.pk}/status/", {"status": "hired"}, follow=True
    )

    application.refresh_from_db()
    assert application.status == "applied"
    notice = response.content.decode()
    assert 'class="notice error"' in notice and "李娜" in notice
    assert not ApplicationEvent.objects.filter(application=application).exists()


def test_another_employers_applicant_is_a_404_and_unchanged(web, inbox):
    foreign = inbox["foreign"]

    response = web.post(f"/jobs/employer/applications/{foreign.pk}/status/", {"status": "contacted"})

    assert response.status_code == 404
    assert Application.objects.get(pk=foreign.pk).status == "applied"


def test_inbox_is_for_employer_members_only(inbox):
    trainee = Client()
    trainee.force_login(factories.make_user(username="just_a_trainee", role="trainee"))

    assert trainee.get(INBOX).status_code == 403
    post = trainee.post(f"/jobs/employer/applications/{inbox['direct'].pk}/status/", {"status": "contacted"})
    assert post.status_code == 403
    assert Client().get(INBOX).status_code == 302  # anonymous: to the login page
