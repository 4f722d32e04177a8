"""Who gets which invite when a session, its hosts or its lineup change (through livestreams services)."""

from datetime import timedelta

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_deliver
from invites.models import CalendarEvent, InviteAttendee, InviteDelivery
from invites.services import invite_publish, invite_withdraw
from invites.sources import Attendee, InviteEvent, InviteSource
from livestreams import services as ls
from livestreams.calendar import SessionInvite, session_invites_sync
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db


def _calendar(message: OutboxMessage):
    (alt,) = message.payload["alternatives"]
    assert alt["mimetype"].startswith("text/calendar; method=")
    cal, _ = parse_both(alt["content"])
    assert alt["mimetype"] == f"text/calendar; method={cal['METHOD']}"
    return cal, events(cal)[0]


def _sent(email: str) -> list[tuple[str, str, int]]:
    """(METHOD, UID, SEQUENCE) of every invite enqueued for an address, oldest first."""
    out = []
    for message in OutboxMessage.objects.filter(recipient=email, key__startswith="invite:").order_by("id"):
        cal, event = _calendar(message)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])))
    return out


@pytest.fixture
def seller(db):
    return factories.make_user(username="seller", role="trainee", display_name="赵卖家")


@pytest.fixture
def seller2(db):
    return factories.make_user(username="seller2", role="trainee", display_name="钱卖家")


@pytest.fixture
def draft(union, organizer, host, seller):
    session = factories.make_session(union=union, hosts=[host], created_by=organizer, kind="sales")
    factories.make_segment(session=session, title="开场", seller=seller)
    factories.make_segment(session=session, title="压轴", offset=timedelta(minutes=30))
    return session


def test_drafts_send_nothing(draft, organizer):
    ls.session_update(session=draft, by=organizer, title="改个名字")
    ls.segment_create(
        session=draft,
        by=organizer,
        title="加场",
        starts_at=draft.starts_at + timedelta(hours=1),
        ends_at=draft.starts_at + timedelta(hours=1, minutes=30),
    )
    ls.session_cancel(session=draft, by=organizer, reason="不办了")
    assert OutboxMessage.objects.count() == 0
    assert CalendarEvent.objects.count() == 0


def test_schedule_invites_hosts_and_lineup_sellers(draft, organizer, host, seller):
    ls.session_schedule(session=draft, by=organizer)
    draft.refresh_from_db()
    assert _sent(host.email) == [("REQUEST", draft.ical_uid, 0)]
    (seller_invite,) = _sent(seller.email)
    assert seller_invite[0] == "REQUEST" and seller_invite[1].startswith("segment-") and seller_invite[2] == 0
    assert OutboxMessage.objects.count() == 2  # the seller-less segment invites nobody
    host_message = OutboxMessage.objects.get(recipient=host.email)
    assert host_message.key == f"invite:{draft.ical_uid}:{host.email}:0:REQUEST"
    cal, event = _calendar(host_message)
    assert event["ATTENDEE"].params["ROLE"] == "CHAIR"
    assert str(event["ORGANIZER"]) == f"mailto:{organizer.email}"
    assert "开场" in str(event["DESCRIPTION"]) and "压轴" in str(event["DESCRIPTION"])  # the lineup
    seller_cal, seller_event = _calendar(OutboxMessage.objects.get(recipient=seller.email))
    assert seller_event.decoded("DTSTART") == draft.starts_at.replace(
        microsecond=0
    )  # their own segment's time
    assert "您的环节：开场" in str(seller_event["DESCRIPTION"])
    # State recorded per (UID, attendee, SEQUENCE, METHOD), linked to the outbox row.
    delivery = InviteDelivery.objects.get(recipient=host.email)
    assert (delivery.uid, delivery.sequence, delivery.method, delivery.outbox_id) == (
        draft.ical_uid,
        0,
        "REQUEST",
        host_message.pk,
    )


def test_reschedule_sends_same_uid_higher_sequence_to_everyone(draft, organizer, host, seller):
    ls.session_schedule(session=draft, by=organizer)
    ls.session_update(session=draft, by=organizer, ends_at=draft.ends_at + timedelta(hours=1))
    draft.refresh_from_db()
    assert draft.ical_sequence == 1
    assert _sent(host.email) == [("REQUEST", draft.ical_uid, 0), ("REQUEST", draft.ical_uid, 1)]
    assert len(_sent(seller.email)) == 1  # their segment did not move
    message = OutboxMessage.objects.filter(recipient=host.email).order_by("id").last()
    assert message.subject.startswith("[驿站] 日程更新")


def test_cancel_sends_cancel_with_same_uid_to_everyone(draft, organizer, host, seller):
    ls.session_schedule(session=draft, by=organizer)
    ls.session_cancel(session=draft, by=organizer, reason="暴雨")
    draft.refresh_from_db()
    host_sent = _sent(host.email)
    assert host_sent[-1] == ("CANCEL", draft.ical_uid, draft.ical_sequence)
    seller_sent = _sent(seller.email)
    assert [m for m, _, _ in seller_sent] == ["REQUEST", "CANCEL"]
    assert seller_sent[0][1] == seller_sent[1][1]  # same UID, never cancel-and-recreate
    assert seller_sent[1][2] > seller_sent[0][2]
    cal, event = _calendar(OutboxMessage.objects.filter(recipient=seller.email).order_by("id").last())
    assert str(event["STATUS"]) == "CANCELLED"
    assert not InviteAttendee.objects.filter(active=True).exists()


def test_lineup_changes_reach_only_affected_people(draft, organizer, host, seller, seller2):
    ls.session_schedule(session=draft, by=organizer)
    first, last = draft.segments.order_by("starts_at")
    before = OutboxMessage.objects.count()

    # New seller on the second segment: only they hear about it.
    ls.segment_update(segment=last, by=organizer, seller=seller2)
    assert OutboxMessage.objects.count() == before + 1
    assert [m for m, _, _ in _sent(seller2.email)] == ["REQUEST"]

    # Moving seller's segment: only seller gets an update with a higher SEQUENCE.
    ls.segment_update(
        segment=first,
        by=organizer,
        starts_at=draft.starts_at + timedelta(hours=1),
        ends_at=draft.starts_at + timedelta(hours=1, minutes=20),
    )
    assert OutboxMessage.objects.count() == before + 2
    (_, uid, seq0), (method, uid1, seq1) = _sent(seller.email)
    assert (method, uid1) == ("REQUEST", uid) and seq1 == seq0 + 1

    # Swapping who sells in a segment: the old seller gets CANCEL, the new one REQUEST, same UID.
    ls.segment_update(segment=first, by=organizer, seller=seller2)
    assert _sent(seller.email)[-1][0] == "CANCEL" and _sent(seller.email)[-1][1] == uid
    assert _sent(seller2.email)[-1] == ("REQUEST", uid, seq1)

    # Deleting a segment cancels it for whoever was on it.
    ls.segment_delete(segment=last, by=organizer)
    last_uid = _sent(seller2.email)[0][1]
    assert _sent(seller2.email)[-1][:2] == ("CANCEL", last_uid)
    assert _sent(host.email) == [("REQUEST", draft.ical_uid, 0)]  # hosts were never bothered


def test_host_removed_and_added_back_gets_cancel_then_a_newer_request(draft, organizer, host):
    ls.session_schedule(session=draft, by=organizer)
    ls.session_update(session=draft, by=organizer, hosts=[])
    ls.session_update(session=draft, by=organizer, hosts=[host])
    uid = draft.ical_uid
    # Same event SEQUENCE all along, yet each email is distinct and newer for the person.
    assert _sent(host.email) == [("REQUEST", uid, 0), ("CANCEL", uid, 0), ("REQUEST", uid, 1)]
    ls.session_update(session=draft, by=organizer, ends_at=draft.ends_at + timedelta(minutes=30))
    assert _sent(host.email)[-1] == ("REQUEST", uid, 2)


def test_publishing_again_sends_nothing_twice(draft, organizer):
    ls.session_schedule(session=draft, by=organizer)
    count = OutboxMessage.objects.count()
    draft.refresh_from_db()
    session_invites_sync(session=draft)
    invite_publish(source=SessionInvite(draft))
    assert OutboxMessage.objects.count() == count
    assert InviteDelivery.objects.count() == count


def test_title_change_updates_feeds_but_sends_no_email(draft, organizer):
    ls.session_schedule(session=draft, by=organizer)
    count = OutboxMessage.objects.count()
    ls.session_update(session=draft, by=organizer, title="新标题：直播带货首秀")
    assert OutboxMessage.objects.count() == count
    entry = CalendarEvent.objects.get(uid=draft.ical_uid)
    assert entry.summary == "新标题：直播带货首秀" and "新标题" in entry.vevent


def test_missing_email_is_recorded_undeliverable_not_a_crash(union, organizer):
    no_mail = factories.make_user(username="nomail", role="host", union=union, email="")
    session = factories.make_session(union=union, hosts=[no_mail], created_by=organizer)
    ls.session_schedule(session=session, by=organizer)
    delivery = InviteDelivery.objects.get(attendee__user=no_mail)
    assert delivery.recipient == "" and delivery.outbox.recipient == ""
    assert outbox_deliver(message_id=delivery.outbox_id) == "undeliverable"
    delivery.refresh_from_db()
    assert delivery.status == "undeliverable"


def test_withdraw_cancels_one_person_only(draft, organizer, host):
    second = factories.make_user(username="host2", role="host", union=draft.union)
    draft.hosts.add(second)
    ls.session_schedule(session=draft, by=organizer)
    draft.refresh_from_db()
    invite_withdraw(source=SessionInvite(draft), attendee=Attendee.for_user(second))
    assert _sent(second.email)[-1][0] == "CANCEL"
    assert [m for m, _, _ in _sent(host.email)] == ["REQUEST"]


class _Slot(InviteSource):
    """A hand-written source, as the jobs/coaching apps will write them (no UID/SEQUENCE of its own)."""

    kind = "tests.slot"

    def __init__(self, *, published=True, start=None, people=(), status="CONFIRMED"):
        from django.utils import timezone

        self.object_id = "42"
        self.published = published
        self.start = start or timezone.now().replace(microsecond=0) + timedelta(days=1)
        self.people = list(people)
        self.status = status

    def is_published(self):
        return self.published

    def event(self):
        return InviteEvent(
            summary="直播带货 1 对 1 辅导",
            starts_at=self.start,
            ends_at=self.start + timedelta(hours=1),
            location="杭州市总工会 3 楼直播间",
            status=self.status,
        )

    def attendees(self):
        return self.people


def test_a_new_source_gets_a_stored_uid_and_sequence_that_rises_on_change():
    coach = Attendee(email="coach@example.com", name="孙教练", role="CHAIR")
    trainee = Attendee(email="trainee@example.com", name="周学员")
    first = invite_publish(source=_Slot(people=[coach, trainee]))
    assert first.uid.startswith("slot-") and first.sequence == 0 and len(first.requested) == 2
    source = _Slot(people=[coach, trainee])
    source.start = source.start + timedelta(hours=2)
    moved = invite_publish(source=source)
    assert moved.uid == first.uid and moved.sequence == 1 and len(moved.requested) == 2
    assert invite_publish(source=source).sent == 0
    # Booking cancelled: the trainee drops out of attendees() and gets CANCEL; the coach hears nothing.
    source.people = [coach]
    dropped = invite_publish(source=source)
    assert dropped.cancelled == ["trainee@example.com"] and dropped.requested == []
    # Unpublished after being sent: everyone still invited gets CANCEL.
    source.published = False
    gone = invite_publish(source=source)
    assert gone.cancelled == ["coach@example.com"]
    entry = CalendarEvent.objects.get(uid=first.uid)
    assert entry.status == "CANCELLED" and entry.sequence == 2
    methods = list(
        InviteDelivery.objects.filter(uid=first.uid)
        .order_by("id")
        .values_list("recipient", "method", "sequence")
    )
    assert methods == [
        ("coach@example.com", "REQUEST", 0),
        ("trainee@example.com", "REQUEST", 0),
        ("coach@example.com", "REQUEST", 1),
        ("trainee@example.com", "REQUEST", 1),
        ("trainee@example.com", "CANCEL", 1),
        ("coach@example.com", "CANCEL", 2),
    ]
