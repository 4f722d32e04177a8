"""Every admin changelist renders with its filters and search, and the audit log is read-only."""

import pytest
from django.urls import reverse

from core.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("core", "user", "王"),
    ("core", "union", "杭州"),
    ("core", "outboxmessage", "reminder"),
    ("core", "activity", "session"),
    ("livestreams", "series", "云招聘"),
    ("livestreams", "livesession", "直播带岗"),
    ("livestreams", "segment", "宣讲"),
    ("livestreams", "product", "茶"),
    ("livestreams", "liveevent", "m:a"),
    ("livestreams", "order", "O-1"),
    ("livestreams", "ingestcredential", "demo"),
    ("livestreams", "sessionresult", "直播带岗"),
    ("livestreams", "livecounterstate", "直播带岗"),
]


@pytest.fixture
def demo_rows(union, other_union, organizer, host):  # two unions: the union filters have a choice
    series = factories.make_series(union=union)
    session = factories.make_session(union=union, series=series, hosts=[host], title="春季直播带岗")
    factories.make_segment(session=session)
    Activity.objects.create(actor=organizer, verb="session.created", object_type="session", object_id="1")
    return session


@pytest.mark.parametrize("app, model, query", CHANGELISTS)
def test_admin_changelist_filters_and_search(admin_client, demo_rows, app, model, query):
    url = reverse(f"admin:{app}_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {"q": query})
    assert response.status_code == 200
    assert 'id="changelist-filter"' in response.content.decode()


def test_admin_session_change_page_renders_with_lineup(admin_client, demo_rows):
    response = admin_client.get(reverse("admin:livestreams_livesession_change", args=[demo_rows.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "企业宣讲" in html and demo_rows.ical_uid in html
    assert 'name="status"' not in html  # lifecycle moves only through services


def test_admin_search_finds_session_by_title(admin_client, demo_rows, union):
    factories.make_session(union=union, title="带货首播")
    response = admin_client.get(reverse("admin:livestreams_livesession_changelist"), {"q": "直播带岗"})
    html = response.content.decode()
    assert "春季直播带岗" in html and "带货首播" not in html


def test_admin_audit_log_is_read_only(admin_client, demo_rows):
    activity = Activity.objects.get()
    assert admin_client.get(reverse("admin:core_activity_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:core_activity_change", args=[activity.pk]), {"verb": "tampered"}
    )
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.verb == "session.created"


def test_admin_cannot_move_a_session_or_segment_behind_the_services_back(admin_client, demo_rows):
    """Times go through livestreams.services (invites, reminders, overlap rules): read-only in the admin."""
    url = reverse("admin:livestreams_livesession_change", args=[demo_rows.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="starts_at_0"' not in html and 'name="title"' not in html
    assert 'name="description"' in html  # the rest stays editable
    segment = demo_rows.segments.get()
    segment_html = admin_client.get(reverse("admin:livestreams_segment_change", args=[segment.pk])).content
    assert b'name="starts_at_0"' not in segment_html
    assert admin_client.get(reverse("admin:livestreams_segment_add")).status_code == 403
    # A crafted POST cannot change a read-only field either.
    before = (demo_rows.title, demo_rows.starts_at)
    admin_client.post(url, {"title": "改掉", "description": "新的说明", "union": demo_rows.union_id})
    demo_rows.refresh_from_db()
    assert (demo_rows.title, demo_rows.starts_at) == before


def test_ingest_credential_admin_never_shows_its_secrets(admin_client, demo_rows, organizer):
    from livestreams.live import credentials

    issued = credentials.credential_issue(session=demo_rows, by=organizer, label="demo")
    page = admin_client.get(
        reverse("admin:livestreams_ingestcredential_change", args=[issued.credential.pk])
    ).content.decode()

    assert issued.credential.key_id in page
    assert issued.signing_secret not in page and issued.credential.token_hash not in page
    assert issued.token not in page
