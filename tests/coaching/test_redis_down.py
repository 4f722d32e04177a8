"""Sign-ups and bookings never depend on Redis: with the real embedded Redis stopped they are stored."""

import pytest
from django.test import Client

from coaching.models import Booking
from tests.jobs.test_apply_redis_down import redis_stopped

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_coaching_signup_and_booking_page_work_while_redis_is_down(anon_client, slot):
    with redis_stopped():
        api = anon_client.post(
            "/api/v1/coaching/signup/",
            {"slot": str(slot.pk), "name": "李梅", "phone": "138 1234 5678"},
            format="json",
        )
        page = Client().post(f"/coaching/book/{slot.pk}/", {"name": "王芳", "phone": "13912345678"})

    assert api.status_code == 201, api.content
    assert page.status_code == 302 and page["Location"].endswith("/coaching/me/")
    assert Booking.objects.filter(slot=slot).count() == 2
