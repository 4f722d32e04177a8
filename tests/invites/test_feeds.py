"""Personal and series feeds and the session .ics download, over HTTP through Django's test client."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both, physical_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_zones(union, organizer, host):
    """A session in New York and one in Shanghai, both hosted by `host`, in one public series."""
    series = factories.make_series(union=union)
    ny = factories.make_session(
        union=union,
        series=series,
        hosts=[host],
        created_by=organizer,
        timezone="America/New_York",
        title="纽约场",
    )
    sh = factories.make_session(
        union=union,
        series=series,
        hosts=[host],
        created_by=organizer,
        timezone="Asia/Shanghai",
        title="上海场",
    )
    for session in (ny, sh):
        ls.session_schedule(session=session, by=organizer)
        session.refresh_from_db()
    return series, ny, sh


def test_personal_feed_has_both_zones_publish_refresh_and_no_private_fields(two_zones, host):
    series, ny, sh = two_zones
    token = host.rotate_calendar_token()
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    physical_lines(response.content)
    cal, vcal = parse_both(response.content)
    assert cal["METHOD"] == "PUBLISH"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    assert {str(c["TZID"]) for c in cal.walk("VTIMEZONE")} == {"America/New_York", "Asia/Shanghai"}
    by_uid = {str(e["UID"]): e for e in events(cal)}
    assert set(by_uid) == {ny.ical_uid, sh.ical_uid}
    assert by_uid[ny.ical_uid]["DTSTART"].params["TZID"] == "America/New_York"
    assert by_uid[sh.ical_uid].decoded("DTSTART").utcoffset() == timedelta(hours=8)
    assert by_uid[ny.ical_uid].decoded("DTSTART") == ny.starts_at.replace(microsecond=0)
    assert len(vcal.vevent_list) == 2
    for event in events(cal):
        assert "ATTENDEE" not in event  # nobody's address in a feed
        assert "organizer@example.com" not in event.to_ical().decode()


def test_feed_etag_gives_304_and_changes_with_the_data(two_zones, host, organizer):
    _, ny, _ = two_zones
    token = host.rotate_calendar_token()
    client = Client()
    first = client.get(f"/calendar/{token}.ics")
    etag = first["ETag"]
    again = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag

    ls.session_update(session=ny, by=organizer, title="纽约场（更新）")
    changed = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "纽约场（更新）" in {str(e["SUMMARY"]) for e in events(parse_both(changed.content)[0])}


def test_cancelled_events_stay_as_cancelled_for_30_days(two_zones, host, organizer):
    _, ny, _ = two_zones
    token = host.rotate_calendar_token()
    ls.session_cancel(session=ny, by=organizer, reason="取消")
    ny.refresh_from_db()
    cal, _ = parse_both(Client().get(f"/calendar/{token}.ics").content)
    by_uid = {str(e["UID"]): e for e in events(cal)}
    assert str(by_uid[ny.ical_uid]["STATUS"]) == "CANCELLED"
    assert by_uid[ny.ical_uid]["SEQUENCE"] == ny.ical_sequence
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        cal, _ = parse_both(Client().get(f"/calendar/{token}.ics").content)
        assert ny.ical_uid not in {str(e["UID"]) for e in events(cal)}


def test_removed_seller_sees_the_segment_as_cancelled(union, organizer):
    seller = factories.make_user(username="seller", role="trainee")
    session = factories.make_session(union=union, created_by=organizer, kind="sales")
    segment = factories.make_segment(session=session, title="山货专场", seller=seller)
    ls.session_schedule(session=session, by=organizer)
    token = seller.rotate_calendar_token()
    (event,) = events(parse_both(Client().get(f"/calendar/{token}.ics").content)[0])
    assert str(event["STATUS"]) == "CONFIRMED" and "山货专场" in str(event["SUMMARY"])
    ls.segment_update(segment=segment, by=organizer, seller=None)
    (event,) = events(parse_both(Client().get(f"/calendar/{token}.ics").content)[0])
    assert str(event["STATUS"]) == "CANCELLED"


def test_unknown_and_revoked_tokens_are_the_same_404(two_zones, host):
    token = host.rotate_calendar_token()
    client = Client()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    host.calendar_token = ""
    host.save(update_fields=["calendar_token"])
    revoked = client.get(f"/calendar/{token}.ics")
    unknown = client.get(f"/calendar/{'x' * len(token)}.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    assert client.get("/calendar/.ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404


def test_a_feed_shows_only_its_owner_events(two_zones, host, union, organizer):
    other_host = factories.make_user(username="other_host", role="host", union=union)
    mine = factories.make_session(union=union, hosts=[other_host], created_by=organizer, title="别人的场")
    ls.session_schedule(session=mine, by=organizer)
    token = host.rotate_calendar_token()
    cal, _ = parse_both(Client().get(f"/calendar/{token}.ics").content)
    assert "别人的场" not in {str(e["SUMMARY"]) for e in events(cal)}
    other = other_host.rotate_calendar_token()
    cal, _ = parse_both(Client().get(f"/calendar/{other}.ics").content)
    assert {str(e["SUMMARY"]) for e in events(cal)} == {"别人的场"}


def test_series_feed_lists_public_sessions_only(two_zones, union, organizer):
    series, ny, sh = two_zones
    private = factories.make_session(
        union=union, series=series, created_by=organizer, is_public=False, title="内部"
    )
    ls.session_schedule(session=private, by=organizer)
    draft = factories.make_session(union=union, series=series, created_by=organizer, title="草稿")
    response = Client().get(f"/calendar/series/{series.pk}.ics")
    assert response.status_code == 200
    cal, _ = parse_both(response.content)
    assert cal["METHOD"] == "PUBLISH" and str(cal["X-WR-CALNAME"]) == series.title
    assert {str(e["UID"]) for e in events(cal)} == {ny.ical_uid, sh.ical_uid}
    assert draft.ical_uid not in response.content.decode()
    assert (
        Client().get(f"/calendar/series/{series.pk}.ics", HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )
    series.is_public = False
    series.save()
    assert Client().get(f"/calendar/series/{series.pk}.ics").status_code == 404


def test_session_download_for_public_sessions(two_zones, union, other_organizer, organizer):
    _, ny, _ = two_zones
    response = Client().get(f"/calendar/session/{ny.pk}.ics")
    assert response.status_code == 200
    cal, _ = parse_both(response.content)
    (event,) = events(cal)
    assert cal["METHOD"] == "PUBLISH" and event["UID"] == ny.ical_uid
    assert "ATTENDEE" not in event
    assert {str(c["TZID"]) for c in cal.walk("VTIMEZONE")} == {"America/New_York"}
    draft = factories.make_session(union=union, created_by=organizer)
    assert Client().get(f"/calendar/session/{draft.pk}.ics").status_code == 404
    hidden = factories.make_session(union=union, created_by=organizer, is_public=False)
    ls.session_schedule(session=hidden, by=organizer)
    assert Client().get(f"/calendar/session/{hidden.pk}.ics").status_code == 404
    outsider = Client()
    outsider.force_login(other_organizer)
    assert outsider.get(f"/calendar/session/{hidden.pk}.ics").status_code == 404


def test_republishing_without_changes_keeps_the_etag(two_zones, host):
    from livestreams.calendar import session_invites_sync

    _, ny, sh = two_zones
    token = host.rotate_calendar_token()
    client = Client()
    first = client.get(f"/calendar/{token}.ics")
    session_invites_sync(session=ny)
    session_invites_sync(session=sh)
    again = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_session_page_offers_add_to_calendar_and_the_series_feed(two_zones, union, organizer):
    series, ny, _ = two_zones
    html = Client().get(f"/s/{ny.pk}/").content.decode()
    assert f'href="/calendar/session/{ny.pk}.ics"' in html
    assert f'href="/calendar/series/{series.pk}.ics"' in html
    download = Client().get(f"/calendar/session/{ny.pk}.ics")
    assert download.status_code == 200 and events(parse_both(download.content)[0])[0]["UID"] == ny.ical_uid
    ls.session_cancel(session=ny, by=organizer, reason="取消")
    assert "/calendar/session/" not in Client().get(f"/s/{ny.pk}/").content.decode()
