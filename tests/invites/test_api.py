"""Invite state and feed token API: scoping, roles, bad input, query counts."""

from datetime import timedelta

import pytest
from django.test import Client

from core.models import OutboxMessage
from core.outbox import outbox_deliver
from invites.models import InviteDelivery
from livestreams import services as ls
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(union, organizer, host):
    session = factories.make_session(union=union, hosts=[host], created_by=organizer, kind="sales")
    seller = factories.make_user(username="seller", role="trainee", display_name="赵卖家")
    factories.make_segment(session=session, title="开场", seller=seller)
    ls.session_schedule(session=session, by=organizer)
    session.refresh_from_db()
    return session


def test_feed_token_rotate_and_revoke(client_for, host):
    api = client_for(host)
    assert api.get("/api/v1/calendar/feed/").json() == {"active": False, "feed_url": None, "webcal_url": None}
    body = api.post("/api/v1/calendar/feed/rotate/", {}, format="json").json()
    host.refresh_from_db()
    assert body["active"] is True
    assert body["feed_url"] == f"http://testserver/calendar/{host.calendar_token}.ics"
    assert body["webcal_url"] == f"webcal://testserver/calendar/{host.calendar_token}.ics"
    old = host.calendar_token
    rotated = api.post("/api/v1/calendar/feed/rotate/", {}, format="json").json()
    assert old not in rotated["feed_url"]
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(rotated["feed_url"].replace("http://testserver", "")).status_code == 200
    revoked = api.post("/api/v1/calendar/feed/revoke/", {}, format="json")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert Client().get(rotated["feed_url"].replace("http://testserver", "")).status_code == 404


def test_feed_token_api_rejects_unknown_fields_and_anonymous(client_for, host, anon_client):
    response = client_for(host).post("/api/v1/calendar/feed/rotate/", {"token": "mine"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"token": ["未知字段。"]}
    host.refresh_from_db()
    assert host.calendar_token == ""
    assert anon_client.get("/api/v1/calendar/feed/").status_code == 401
    assert anon_client.post("/api/v1/calendar/feed/rotate/", {}, format="json").status_code == 401


def test_my_deliveries_show_only_mine(client_for, scheduled, host, organizer, django_assert_max_num_queries):
    seller = scheduled.segments.get().seller
    delivery = InviteDelivery.objects.get(attendee__user=host)
    outbox_deliver(message_id=delivery.outbox_id)  # console backend in tests: "sent"
    for minutes in (10, 20):  # two updates → more rows, same number of queries
        ls.session_update(
            session=scheduled, by=organizer, ends_at=scheduled.ends_at + timedelta(minutes=minutes)
        )
    api = client_for(host)
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/invites/deliveries/").json()
    assert body["count"] == 3
    assert [r["sequence"] for r in body["results"]] == [2, 1, 0]
    row = body["results"][-1]
    assert row["uid"] == scheduled.ical_uid and row["method"] == "REQUEST" and row["sequence"] == 0
    assert row["status"] == "sent" and row["summary"] == scheduled.title
    seller_rows = client_for(seller).get("/api/v1/invites/deliveries/").json()["results"]
    assert [r["uid"] for r in seller_rows] != [scheduled.ical_uid]
    assert all(r["recipient"] == seller.email for r in seller_rows)


def test_organizer_sees_invite_state_of_own_union_only(
    client_for, scheduled, organizer, other_organizer, host, django_assert_max_num_queries
):
    for extra in range(3):  # more events must not mean more queries
        more = factories.make_session(
            union=scheduled.union, hosts=[host], created_by=organizer, starts_in=timedelta(days=3 + extra)
        )
        ls.session_schedule(session=more, by=organizer)
    api = client_for(organizer)
    api.get("/api/v1/me/")
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/invites/events/?session={scheduled.pk}")
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["source_kind"] for r in results} == {"livestreams.session", "livestreams.segment"}
    session_row = next(r for r in results if r["source_kind"] == "livestreams.session")
    assert session_row["uid"] == scheduled.ical_uid and session_row["sequence"] == 0
    (attendee,) = session_row["attendees"]
    assert attendee["user"] == host.pk and attendee["role"] == "CHAIR" and attendee["active"] is True
    (delivery,) = attendee["deliveries"]
    assert (delivery["method"], delivery["sequence"], delivery["status"]) == ("REQUEST", 0, "pending")
    with django_assert_max_num_queries(8):
        everything = api.get("/api/v1/invites/events/").json()
    assert everything["count"] == 5

    outsider = client_for(other_organizer)
    assert outsider.get("/api/v1/invites/events/").json()["count"] == 0
    assert outsider.get(f"/api/v1/invites/events/{session_row['id']}/").status_code == 404
    detail = api.get(f"/api/v1/invites/events/{session_row['id']}/")
    assert detail.status_code == 200 and detail.json()["uid"] == scheduled.ical_uid


def test_invite_state_is_for_organizers_and_validates_filters(
    client_for, scheduled, host, organizer, anon_client
):
    forbidden = client_for(host).get("/api/v1/invites/events/")
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "permission_denied"
    assert anon_client.get("/api/v1/invites/events/").status_code == 401
    bad = client_for(organizer).get("/api/v1/invites/events/?session=not-a-uuid")
    assert bad.status_code == 400 and "session" in bad.json()["error"]["fields"]
    assert client_for(organizer).get("/api/v1/invites/events/?page_size=0").status_code == 400


def test_undeliverable_status_visible_in_api(client_for, union, organizer):
    no_mail = factories.make_user(username="nomail", role="host", union=union, email="")
    session = factories.make_session(union=union, hosts=[no_mail], created_by=organizer)
    ls.session_schedule(session=session, by=organizer)
    message = OutboxMessage.objects.get(key__startswith=f"invite:{session.ical_uid}:")
    assert message.key == f"invite:{session.ical_uid}:u{no_mail.pk}:0:REQUEST"
    outbox_deliver(message_id=message.pk)
    (row,) = client_for(no_mail).get("/api/v1/invites/deliveries/").json()["results"]
    assert row["status"] == "undeliverable" and row["recipient"] == ""


def test_settings_page_rotates_and_revokes(host):
    client = Client()
    assert client.get("/calendar/settings/").status_code == 302  # login first
    client.force_login(host)
    page = client.get("/calendar/settings/")
    assert page.status_code == 200 and 'data-testid="feed-off"' in page.content.decode()
    client.post("/calendar/settings/", {"action": "rotate"})
    host.refresh_from_db()
    page = client.get("/calendar/settings/").content.decode()
    assert f"/calendar/{host.calendar_token}.ics" in page
    assert client.post("/calendar/settings/", {"action": "explode"}).status_code == 400
    client.post("/calendar/settings/", {"action": "revoke"})
    host.refresh_from_db()
    assert host.calendar_token == ""


def test_seed_demo_publishes_invites_once_and_gives_the_host_a_feed():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    count = OutboxMessage.objects.filter(key__startswith="invite:").count()
    assert count >= 2  # the host of both demo sessions
    call_command("seed_demo", stdout=StringIO())
    assert OutboxMessage.objects.filter(key__startswith="invite:").count() == count
    from core.models import User

    host = User.objects.get(username="host")
    assert f"/calendar/{host.calendar_token}.ics" in out.getvalue()
    assert Client().get(f"/calendar/{host.calendar_token}.ics").status_code == 200
