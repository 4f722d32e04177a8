"""A phone that opened the form before the job closed gets the API's 409 and the fair's other jobs."""

import pytest

from jobs import services
from jobs.models import Application, JobPosting
from tests.jobs.conftest import feature, make_posting
from tests.jobs.test_apply_redis_down import _csrf_client_and_token

pytestmark = pytest.mark.django_db


def test_phone_form_submitted_after_the_job_closed_is_409_with_the_fairs_other_jobs(
    fair, approved, link, posting, employer, other_employer
):
    other_here = make_posting(other_employer, title="快递分拣员")
    feature(fair, other_here)
    other_link = services.shortlink_get_or_create(posting=other_here, session=fair)
    not_in_fair = make_posting(other_employer, title="仓库管理员")
    phone, token = _csrf_client_and_token(f"/j/{link.code}/")
    JobPosting.objects.filter(pk=posting.pk).update(status="closed")  # closes while the form is open

    response = phone.post(
        f"/j/{link.code}/", {"csrfmiddlewaretoken": token, "name": "张伟", "phone": "13800138000"}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="closed"' in html and "该岗位已停止招聘" in html
    assert f"/j/{other_link.code}/" in html and "快递分拣员" in html
    assert not_in_fair.title not in html
    assert Application.objects.count() == 0


def test_direct_job_page_closed_offers_the_employers_other_open_jobs(anon_client, posting, employer):
    sibling = make_posting(employer, title="仓库管理员")
    JobPosting.objects.filter(pk=posting.pk).update(status="closed")

    page = anon_client.get(f"/jobs/p/{posting.pk}/")
    post = anon_client.post(f"/jobs/p/{posting.pk}/", {"name": "张伟", "phone": "13800138000"})

    assert page.status_code == 200 and "该岗位已停止招聘" in page.content.decode()
    assert post.status_code == 409
    assert f"/jobs/p/{sibling.pk}/" in post.content.decode()
