import pytest
from django.test import Client

from core.management.commands.seed_demo import Command


@pytest.mark.django_db
def test_public_fair_page_lists_lineup_employers_and_job_links():
    Command().handle()
    from livestreams.models import LiveSession

    fair = LiveSession.objects.get(kind="job_fair", title__contains="城东专场")
    html = Client().get(f"/s/{fair.pk}/").content.decode()
    assert 'data-testid="jobs-lineup"' in html
    assert html.count('data-testid="lineup-employer"') == 3
    assert "/j/" in html  # each featured job links to its one-minute apply page
