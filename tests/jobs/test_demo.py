import pytest
from django.core.management import call_command

from jobs.models import Application, Employer, JobPosting, LineupRequest


@pytest.mark.django_db
def test_seed_demo_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=__import__("io").StringIO())
    call_command("seed_demo", stdout=__import__("io").StringIO())
    assert Employer.objects.filter(verified=True).count() == 3
    assert JobPosting.objects.filter(title="快递分拣员（夜班）", shift="night").exists()
    assert LineupRequest.objects.filter(status="approved", segment__isnull=False).count() == 3
    assert Application.objects.count() == 4 + 3 + 2
