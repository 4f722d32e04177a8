"""Postponing a fair moves it with its whole lineup; every attendee gets one update, same UID."""

from datetime import timedelta

import pytest

from core.errors import ApplicationError, Conflict
from core.models import OutboxMessage
from core.outbox import outbox_deliver_batch
from livestreams import services as ls
from livestreams.models import Segment
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db


def _deliver_all() -> None:
    ids = list(OutboxMessage.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))
    outbox_deliver_batch(message_ids=ids)


def _invites(sink, address):
    """(METHOD, UID, SEQUENCE, DTSTART) of every calendar mail the SMTP sink got for an address."""
    out = []
    for item in sink.to(address):
        message = item["message"]
        calendar = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
        if calendar is None:
            continue  # a plain notice (e.g. "request approved"), not an invite
        cal, _ = parse_both(calendar.get_payload(decode=True))
        (event,) = events(cal)
        out.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]), event.decoded("DTSTART")))
    return out


def test_postpone_moves_lineup_and_sends_one_update_per_attendee(
    smtp_server, fair, lineup, organizer, host, seller, employer, other_employer
):
    seller_segment, approved = lineup
    _deliver_all()
    people = [host.email, seller.email]
    for emp in (employer, other_employer):
        people += [emp.memberships.get().user.email, emp.contact_email]
    before = {address: _invites(smtp_server, address) for address in people}
    assert all(len(sent) == 1 and sent[0][0] == "REQUEST" for sent in before.values()), before
    old_segments = {s.pk: (s.starts_at, s.ends_at) for s in fair.segments.all()}

    ls.session_postpone(session=fair, by=organizer, delta=timedelta(days=1))
    _deliver_all()

    fair.refresh_from_db()
    for segment in Segment.objects.filter(session=fair):
        start, end = old_segments[segment.pk]
        assert (segment.starts_at, segment.ends_at) == (start + timedelta(days=1), end + timedelta(days=1))
    for address in people:
        first, *updates = _invites(smtp_server, address)
        assert len(updates) == 1, (address, updates)  # one message per attendee
        (update,) = updates
        assert update[0] == "REQUEST"
        assert update[1] == first[1]  # same UID
        assert update[2] == first[2] + 1  # SEQUENCE raised once
        assert update[3] == first[3] + timedelta(days=1)  # the new time
    host_update = _invites(smtp_server, host.email)[-1]
    assert host_update[1] == fair.ical_uid and host_update[3] == fair.starts_at.replace(microsecond=0)
    for request in approved:
        request.refresh_from_db()
        assert request.status == "approved"
        assert request.segment_starts_at == request.segment.starts_at


def test_postpone_refuses_past_times_and_ended_sessions(fair, lineup, organizer):
    with pytest.raises(ApplicationError) as exc:
        ls.session_postpone(session=fair, by=organizer, delta=-timedelta(days=10))
    assert "starts_at" in exc.value.fields
    fair.refresh_from_db()
    assert fair.ical_sequence == 0
    ls.session_go_live(session=fair, by=organizer)
    with pytest.raises(Conflict):
        ls.session_postpone(session=fair, by=organizer, delta=timedelta(hours=1))


def test_segment_move_swaps_neighbours_and_keeps_lengths(fair, lineup, organizer):
    seller_segment, approved = lineup
    first_employer_segment = approved[0].segment
    ls.segment_move(segment=first_employer_segment, by=organizer, direction="up")
    seg_a = Segment.objects.get(pk=first_employer_segment.pk)
    seg_b = Segment.objects.get(pk=seller_segment.pk)
    assert seg_a.starts_at == fair.starts_at and seg_a.ends_at - seg_a.starts_at == timedelta(minutes=25)
    assert seg_b.starts_at == seg_a.ends_at + timedelta(minutes=10)  # the gap stays between them
    assert [s.pk for s in fair.segments.order_by("position")][:2] == [seg_a.pk, seg_b.pk]
