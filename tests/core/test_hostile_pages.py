"""Forms and uploads that reach PostgreSQL text columns: NUL characters and oversized values are answered
on the field (4xx), never a 500, and nothing half-written stays behind."""

import io

import pytest
from django.test import Client

from coaching.models import Trainee
from jobs import services as jobs
from jobs.models import Application, EmployerMembership
from livestreams.live import credentials
from livestreams.models import LiveEvent, Order
from tests.coaching import factories as cf
from tests.jobs.factories import HUAWEI, make_employer, make_posting
from tests.livestreams.live_helpers import Bridge, ev, make_live_session

pytestmark = pytest.mark.django_db


def test_apply_page_refuses_nul_in_the_name(client):
    posting = make_posting(make_employer(name="恒芯电子", credit_code=HUAWEI, username="nul_owner"))
    link = jobs.shortlink_get_or_create(posting=posting, session=None)

    response = client.post(f"/j/{link.code}/", {"name": "张\x00三", "phone": "13800138000"})

    assert response.status_code == 400
    assert "不允许的字符" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [({"name": "王\x00芳"}, "name"), ({"city": "杭" * 65}, "city")],
)
def test_booking_page_refuses_bad_text_and_creates_nobody(client, union, fields, field):
    slot = cf.make_slot(program=cf.make_program(union=union), coach=cf.make_coach(union=union))

    response = client.post(f"/coaching/book/{slot.pk}/", {"name": "王芳", "phone": "13912345678", **fields})

    assert response.status_code == 400
    assert not Trainee.objects.exists() and not slot.bookings.exists()


def test_invitation_page_refuses_nul_in_the_display_name(union):
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="inv_owner")
    invitation = jobs.employer_invite(
        employer=employer, by=employer.memberships.get().user, email="rec@example.com"
    )

    response = Client().post(
        f"/jobs/invite/{invitation.token}/",
        {"username": "rec_ok", "display_name": "李\x00", "password": "a-long-Passw0rd"},
    )

    assert response.status_code == 400 and "不允许的字符" in response.content.decode()
    assert not EmployerMembership.objects.filter(role="recruiter").exists()


def _upload(organizer, session, body: str):
    client = Client()
    client.force_login(organizer)
    upload = io.BytesIO(body.encode())
    upload.name = "orders.csv"
    return client.post(f"/s/{session.pk}/orders/import/", {"file": upload})


def test_order_csv_with_nul_or_a_huge_field_reports_lines_and_keeps_good_rows(union, organizer):
    session = make_live_session(union)
    ts = session.went_live_at.isoformat()
    body = (
        "order_id,amount,buyer,ts\n"
        f"GOOD-1,10.00,b1,{ts}\n"
        f"NUL-2,10.00,b\x002,{ts}\n"
        f"GOOD-3,12.50,b3,{ts}\n"
        f"HUGE-4,10.00,{'x' * 200_000},{ts}\n"
        f"LOST-5,10.00,b5,{ts}\n"
    )

    response = _upload(organizer, session, body)

    assert response.status_code == 200
    html = response.content.decode()
    assert "buyer: May not contain NUL characters." in html and "Unreadable CSV from here on" in html
    assert sorted(Order.objects.filter(session=session).values_list("platform_order_id", flat=True)) == [
        "GOOD-1",
        "GOOD-3",
    ]


def test_ingest_rejects_nul_per_event_and_keeps_the_rest(union, organizer):
    session = make_live_session(union)
    bridge = Bridge(session, credentials.credential_issue(session=session, by=organizer))

    response = bridge.post_events(
        [
            ev("ok-1", "comment", session, 5, text="好"),
            ev("bad-2", "comment", session, 6, text="坏\x00"),
            ev("bad\x003", "join", session, 7),
        ]
    )
    order = bridge.post_order(
        order_id="O\x001", amount="1.00", buyer="b", ts=session.went_live_at.isoformat()
    )

    body = response.json()
    assert response.status_code == 200 and body["accepted"] == 1 and body["rejected"] == 2
    assert [r.get("reason") for r in body["results"][1:]] == ["invalid_text", "invalid_text"]
    assert list(LiveEvent.objects.filter(session=session).values_list("event_id", flat=True)) == ["ok-1"]
    assert order.status_code == 400 and "order_id" in order.json()["error"]["fields"]
