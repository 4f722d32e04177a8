"""Attendees' answers to invites: iTIP REPLY (RFC 5546) inside an iMIP email (RFC 6047).

Replies arrive as a whole email (raw MIME from the self-hosted mail server's pipe, or an inbound-mail
provider's webhook handing over the same bytes). Each VEVENT of a METHOD:REPLY calendar is matched by UID
and by the one ATTENDEE it names; the sender (From) must be that attendee (RFC 6047 §3: otherwise anyone
could answer for anyone). A reply whose SEQUENCE is older than the event's current one, or older than
the answer already stored, is dropped as stale; otherwise PARTSTAT is stored on the attendee.
"""

from __future__ import annotations

import email
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.utils import getaddresses

import icalendar
from django.db import transaction

from invites.models import CalendarEvent, InviteAttendee, PartStat

log = logging.getLogger(__name__)

CALENDAR_TYPES = ("text/calendar", "application/ics")
ANSWERS = {PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE, PartStat.DELEGATED}


@dataclass
class ReplyOutcome:
    uid: str
    attendee: str
    outcome: str  # stored | stale | unknown_event | unknown_attendee | sender_mismatch | invalid
    partstat: str = ""

    def as_dict(self) -> dict:
        return {
            "uid": self.uid,
            "attendee": self.attendee,
            "outcome": self.outcome,
            "partstat": self.partstat,
        }


def _calendars(message) -> list[bytes]:
    found = []
    for part in message.walk():
        if part.get_content_type() in CALENDAR_TYPES or (part.get_filename() or "").lower().endswith(".ics"):
            payload = part.get_payload(decode=True)
            if payload:
                found.append(payload)
    return found


def _mailto(value) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _aware(value) -> datetime | None:
    dt = getattr(value, "dt", None)
    if not isinstance(dt, datetime):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def rsvp_receive(*, raw: bytes) -> list[ReplyOutcome]:
    """Store the answers in one email. Anything that is not a REPLY is ignored (an empty list)."""
    message = email.message_from_bytes(raw, policy=policy.default)
    senders = {addr.lower() for _name, addr in getaddresses(message.get_all("from", [])) if addr}
    outcomes: list[ReplyOutcome] = []
    for data in _calendars(message):
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except ValueError:
            outcomes.append(ReplyOutcome(uid="", attendee="", outcome="invalid"))
            continue
        if str(calendar.get("METHOD", "")).upper() != "REPLY":
            continue
        for vevent in calendar.walk("VEVENT"):
            outcomes.append(_one_reply(vevent, senders))
    return outcomes


def _one_reply(vevent, senders: set[str]) -> ReplyOutcome:
    uid = str(vevent.get("UID", ""))
    attendees = vevent.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    if not uid or len(attendees) != 1:  # a REPLY names exactly the one attendee who answers
        return ReplyOutcome(uid=uid, attendee="", outcome="invalid")
    line = attendees[0]
    address = _mailto(line)
    partstat = str(line.params.get("PARTSTAT", "")).upper()
    if partstat not in ANSWERS:
        return ReplyOutcome(uid=uid, attendee=address, outcome="invalid")
    if address not in senders:
        log.warning("iTIP REPLY for %s as %s sent by %s: ignored", uid, address, sorted(senders))
        return ReplyOutcome(uid=uid, attendee=address, outcome="sender_mismatch")
    try:
        sequence = int(vevent.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return ReplyOutcome(uid=uid, attendee=address, outcome="invalid")
    stamp = _aware(vevent.get("DTSTAMP"))
    with transaction.atomic():
        event = CalendarEvent.objects.filter(uid=uid).first()
        if event is None:
            return ReplyOutcome(uid=uid, attendee=address, outcome="unknown_event")
        attendee = (
            InviteAttendee.objects.select_for_update()
            .filter(event=event, email__iexact=address)
            .order_by("-active", "id")
            .first()
        )
        if attendee is None:
            return ReplyOutcome(uid=uid, attendee=address, outcome="unknown_attendee")
        stale = sequence < event.sequence or (
            attendee.replied_sequence is not None
            and (
                sequence < attendee.replied_sequence
                or (
                    sequence == attendee.replied_sequence
                    and stamp is not None
                    and attendee.replied_at is not None
                    and stamp < attendee.replied_at
                )
            )
        )
        if stale:
            return ReplyOutcome(uid=uid, attendee=address, outcome="stale", partstat=partstat)
        attendee.partstat = partstat
        attendee.replied_sequence = sequence
        attendee.replied_at = stamp
        attendee.save(update_fields=["partstat", "replied_sequence", "replied_at", "updated_at"])
    return ReplyOutcome(uid=uid, attendee=address, outcome="stored", partstat=partstat)


def answers_summary(event: CalendarEvent) -> dict[str, int]:
    """Accepted / declined / tentative / no answer among the event's active attendees."""
    counts = {"accepted": 0, "declined": 0, "tentative": 0, "no_answer": 0}
    for attendee in event.attendees.all():
        if not attendee.active:
            continue
        answer = attendee.answer
        key = {
            PartStat.ACCEPTED: "accepted",
            PartStat.DECLINED: "declined",
            PartStat.TENTATIVE: "tentative",
        }.get(answer, "no_answer")
        counts[key] += 1
    return counts


def on_anymail_inbound(sender, event, esp_name, **kwargs) -> None:
    """django-anymail's inbound signal: the provider's parsed message is an email.message.EmailMessage, so
    its bytes go through the same service as the raw-MIME endpoint."""
    outcomes = rsvp_receive(raw=event.message.as_bytes())
    for outcome in outcomes:
        log.info("RSVP via %s: %s %s %s", esp_name, outcome.uid, outcome.attendee, outcome.outcome)
