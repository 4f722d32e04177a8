import io

import pytest
from django.core.management import call_command

from core.models import User
from jobs.models import Application, Employer, JobPosting, LineupRequest


@pytest.mark.django_db
def test_seed_demo_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Employer.objects.filter(verified=True).count() == 5
    assert JobPosting.objects.filter(title="快递分拣员（夜班）", shift="night").exists()
    assert LineupRequest.objects.filter(status="approved", segment__isnull=False).count() == 5
    assert Application.objects.count() == (4 + 3 + 2) + (4 + 3)  # per fair, fewer for later slots


@pytest.mark.django_db
def test_seed_demo_reads_like_a_citys_fairs(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())

    # Employers in five districts, split over two fairs, each company in its own segment.
    assert set(Employer.objects.values_list("district", flat=True)) == {
        "钱塘区",
        "余杭区",
        "上城区",
        "拱墅区",
        "临平区",
    }
    fairs = {r.session.title: r.session_id for r in LineupRequest.objects.select_related("session")}
    assert len(fairs) == 2
    segments = LineupRequest.objects.values_list("segment_id", flat=True)
    assert len(set(segments)) == 5
    # Company mail on reserved .test domains: realistic, never delivered to anyone real.
    emails = list(Employer.objects.values_list("contact_email", flat=True))
    emails += list(User.objects.values_list("email", flat=True))
    assert all(email.endswith(".test") for email in emails), emails
    assert Employer.objects.get(name="杭州恒芯电子科技有限公司").contact_email == "hr@hengxin-tech.test"
    assert all(p.address or p.district for p in JobPosting.objects.all())
