"""Every write of the invites app: publishing sources, sending iMIP invites, feed tokens.

``invite_publish(source=…)`` is the one entry point for invite sources. It is idempotent: call it after
any change (inside the caller's transaction); it compares the source with what was last published and
sent, and sends only what changed:

- new attendee, or an attendee who has not seen the current SEQUENCE → REQUEST
- attendee no longer listed, or the event is cancelled → CANCEL (STATUS:CANCELLED, same UID)
- nothing changed → nothing sent

Per attendee the SEQUENCE sent never decreases (a person removed and added back at the same event
SEQUENCE gets the next number), so every (UID, attendee, SEQUENCE, METHOD) is sent at most once; that
tuple is the outbox key.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.activity import activity_log
from core.models import OutboxMessage, User
from core.notify import language_of
from core.outbox import outbox_enqueue_many
from core.text import shorten
from invites import builders, emails
from invites.models import CalendarEvent, InviteAttendee, InviteDelivery
from invites.sources import (
    CANCELLED,
    STATUSES,
    SUMMARY_MAX_LENGTH,
    Attendee,
    InviteEvent,
    InviteSource,
    event_in_language,
)

REQUEST = builders.REQUEST
CANCEL = builders.CANCEL


@dataclass
class PublishResult:
    uid: str = ""
    sequence: int = 0
    requested: list[str] = field(default_factory=list)  # attendee keys
    cancelled: list[str] = field(default_factory=list)
    # attendee key → the calendar attachment that was *not* emailed (``hold_email``), to carry elsewhere
    held: dict[str, dict] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return len(self.requested) + len(self.cancelled)


@dataclass
class _Plan:
    row: InviteAttendee | None
    person: Attendee
    method: str
    sequence: int


def site_organizer() -> tuple[str, str]:
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return email, name or "驿站 Yizhan"


def _lock(key: str) -> None:
    """Serialize publishers of one source (a transaction-scoped PostgreSQL advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"invites:{key}"])


def _new_uid(source: InviteSource) -> str:
    prefix = source.kind.rsplit(".", 1)[-1] or "event"
    return f"{prefix}-{uuid.uuid4()}@{settings.SITE_DOMAIN}"


def event_from_entry(entry: CalendarEvent) -> InviteEvent:
    return InviteEvent(
        uid=entry.uid,
        sequence=entry.sequence,
        summary=entry.summary,
        description=entry.description,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        timezone=entry.timezone,
        location=entry.location,
        url=entry.url,
        status=entry.status,
        organizer_email=entry.organizer_email,
        organizer_name=entry.organizer_name,
        alarm_minutes=entry.alarm_minutes,
    )


def _render_feed_bodies(entry: CalendarEvent, event: InviteEvent, now: datetime) -> None:
    # Feeds are public or personal: the organizer shown is the site, never a staff member's mailbox.
    site_email, site_name = site_organizer()
    public = replace(event, organizer_email=site_email, organizer_name=site_name)
    entry.vevent = builders.build_feed_vevent(
        public, uid=entry.uid, sequence=entry.sequence, dtstamp=now
    ).decode()
    entry.vevent_cancelled = builders.build_feed_vevent(
        public, uid=entry.uid, sequence=entry.sequence, dtstamp=now, cancelled=True
    ).decode()


def _touch_feeds(*, now: datetime, event_id: int | None = None, user_ids=()) -> None:
    """Mark personal feeds as changed (their ETag is derived from this timestamp)."""
    with connection.cursor() as cursor:
        if event_id is not None:
            cursor.execute(
                "INSERT INTO invites_calendarfeedstate (user_id, changed_at) "
                "SELECT DISTINCT user_id, %s FROM invites_inviteattendee WHERE event_id = %s AND user_id IS NOT NULL "
                "ON CONFLICT (user_id) DO UPDATE SET changed_at = EXCLUDED.changed_at",
                [now, event_id],
            )
        ids = sorted({pk for pk in user_ids if pk is not None})
        if ids:
            cursor.execute(
                "INSERT INTO invites_calendarfeedstate (user_id, changed_at) SELECT unnest(%s::bigint[]), %s "
                "ON CONFLICT (user_id) DO UPDATE SET changed_at = EXCLUDED.changed_at",
                [ids, now],
            )


def _content_hash(source: InviteSource, event: InviteEvent, sequence: int) -> str:
    parts = [repr(sorted(event.__dict__.items())), sequence, source.parent_key, source.union_id]
    parts += [source.series_id, source.is_public]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _store(
    source: InviteSource, entry: CalendarEvent | None, event: InviteEvent, now: datetime
) -> CalendarEvent:
    if event.status not in STATUSES:
        raise ValueError(f"unknown calendar status {event.status!r}")
    fingerprint = event.fingerprint()
    if entry is None:
        entry = CalendarEvent(source_key=source.key, uid=event.uid or _new_uid(source), sequence=0)
    elif event.uid and event.uid != entry.uid:
        raise ValueError("a calendar UID never changes once sent")
    if event.sequence is not None:
        entry.sequence = max(event.sequence, entry.sequence)
    elif entry.pk and entry.fingerprint != fingerprint:
        entry.sequence += 1
    if not event.organizer_email:
        email, name = site_organizer()
        event = replace(event, organizer_email=email, organizer_name=event.organizer_name or name)
    content_hash = _content_hash(source, event, entry.sequence)
    if entry.pk and entry.content_hash == content_hash:
        return entry  # nothing changed: keep DTSTAMP, feeds and their ETags as they are
    entry.content_hash = content_hash
    entry.source_kind = source.kind
    entry.source_id = str(source.object_id)
    entry.parent_key = source.parent_key or ""
    entry.union_id = source.union_id
    entry.series_id = source.series_id
    entry.is_public = bool(source.is_public)
    entry.fingerprint = fingerprint
    entry.status = event.status
    entry.summary = shorten(event.summary, SUMMARY_MAX_LENGTH)  # sources fit it already (fit_title)
    entry.description = event.description
    entry.starts_at = event.starts_at
    entry.ends_at = event.ends_at
    entry.timezone = event.timezone
    entry.location = shorten(event.location, 500)
    entry.url = event.url if len(event.url) <= 500 else ""  # a cut link is a broken link: leave it out
    entry.organizer_email = event.organizer_email
    entry.organizer_name = event.organizer_name
    entry.alarm_minutes = event.alarm_minutes
    if event.status == CANCELLED:
        entry.cancelled_at = entry.cancelled_at or now
    else:
        entry.cancelled_at = None
    _render_feed_bodies(entry, event_from_entry(entry), now)
    entry.save()
    _touch_feeds(now=now, event_id=entry.pk)
    return entry


def _unique_attendees(people) -> list[Attendee]:
    seen: dict[str, Attendee] = {}
    for person in people:
        if person.key and person.key not in seen:
            seen[person.key] = person
    return list(seen.values())


def _plan(entry: CalendarEvent, wanted: list[Attendee], rows: dict[str, InviteAttendee]) -> list[_Plan]:
    current = entry.sequence
    plans: list[_Plan] = []
    for person in wanted:
        row = rows.get(person.key)
        if row is None:
            plans.append(_Plan(None, person, REQUEST, current))
        elif not row.active or row.last_method == CANCEL or row.seen_sequence < current:
            plans.append(_Plan(row, person, REQUEST, max(current, row.last_sequence + 1)))
    wanted_keys = {person.key for person in wanted}
    for key, row in rows.items():
        if row.active and key not in wanted_keys:
            person = Attendee(email=row.email, name=row.name, user_id=row.user_id, role=row.role)
            plans.append(_Plan(row, person, CANCEL, max(current, row.last_sequence)))
    return plans


@dataclass(frozen=True)
class Extras:
    """What a caller adds to the invite emails of one publication (one email per change):

    - ``notices``: attendee key → notice (``core.notify.Notice``); that person's invite email takes the
      notice's subject and text, so the change reaches them in one email, not a notice plus an invite.
    - ``attachments``: attendee key → extra attachments for that person's email (e.g. the CANCEL of the
      calendar entry a moved booking left).
    - ``hold_email``: record the REQUEST/CANCEL as sent but do not email it; the attachment comes back in
      ``PublishResult.held`` for the caller to carry in another email of the same change.
    - ``hold_keys``: the same for these attendee keys only (everyone else is emailed as usual).
    """

    notices: dict = field(default_factory=dict)
    attachments: dict = field(default_factory=dict)
    hold_email: bool = False
    hold_keys: frozenset = frozenset()

    def holds(self, key: str) -> bool:
        return self.hold_email or key in self.hold_keys


NO_EXTRAS = Extras()


def _languages(plans: list[_Plan]) -> dict[int, str]:
    """user id → the language that person reads (``User.language``; one query), for those who chose one
    other than the site's."""
    ids = {plan.person.user_id for plan in plans if plan.person.user_id is not None}
    if not ids:
        return {}
    chosen = User.objects.filter(pk__in=ids).exclude(language__in=["", settings.LANGUAGE_CODE])
    return {user.pk: language_of(user) for user in chosen.only("pk", "language")}


def _send(
    entry: CalendarEvent,
    plans: list[_Plan],
    now: datetime,
    extras: Extras = NO_EXTRAS,
    source: InviteSource | None = None,
) -> dict:
    """Build one iMIP email per plan, enqueue them in bulk and record the deliveries.

    Each person's email, and the words of their calendar entry when ``source`` can render them again,
    are in their own language (``User.language``), else the site's."""
    if not plans:
        return {}
    event = event_from_entry(entry)
    languages = _languages(plans)
    site = settings.LANGUAGE_CODE
    events = {site: event}
    for language in set(languages.values()):
        events[language] = event
        if source is not None:
            words = event_in_language(source, language)
            events[language] = replace(event, description=words.description, location=words.location)

    def language_for(plan: _Plan) -> str:
        return languages.get(plan.person.user_id, site)

    groups: dict[tuple[str, int, str], list[_Plan]] = {}
    for plan in plans:
        groups.setdefault((plan.method, plan.sequence, language_for(plan)), []).append(plan)
    calendars: dict[int, str] = {}
    for (method, sequence, language), group in groups.items():
        rendered = builders.build_invites(
            event=events[language],
            uid=entry.uid,
            sequence=sequence,
            attendees=[plan.person for plan in group],
            method=method,
            dtstamp=now,
        )
        for plan, data in zip(group, rendered, strict=True):
            calendars[id(plan)] = data.decode()
    messages, held = [], {}
    for plan in plans:
        subject, payload = emails.invite_payload(
            event=events[language_for(plan)],
            language=language_for(plan),
            attendee=plan.person,
            method=plan.method,
            ics=calendars[id(plan)],
            is_update=plan.row is not None,
            notice=extras.notices.get(plan.person.key),
            extra_attachments=extras.attachments.get(plan.person.key, ()),
        )
        key = emails.outbox_key(
            uid=entry.uid, attendee=plan.person, sequence=plan.sequence, method=plan.method
        )
        message = {"key": key, "recipient": plan.person.email, "subject": subject, "payload": payload}
        if extras.holds(plan.person.key):
            held[plan.person.key] = emails.calendar_attachment(
                ics=calendars[id(plan)], method=plan.method, filename=f"{plan.method.lower()}.ics"
            )
            message["held"] = True
        messages.append(message)
    outbox_enqueue_many([m for m in messages if not m.pop("held", False)])
    keys = [m["key"] for m in messages]
    outbox_ids = dict(OutboxMessage.objects.filter(key__in=keys).values_list("key", "pk"))

    new_rows, changed_rows = [], []
    for plan in plans:
        row = plan.row or InviteAttendee(event=entry, key=plan.person.key)
        row.user_id = plan.person.user_id
        row.email = plan.person.email[:254]
        row.name = plan.person.name[:200]
        row.role = plan.person.role
        row.last_sequence = plan.sequence
        row.last_method = plan.method
        row.seen_sequence = entry.sequence
        row.active = plan.method == REQUEST
        row.removed_at = None if row.active else now
        row.updated_at = now
        (changed_rows if plan.row else new_rows).append(row)
        plan.row = row
    InviteAttendee.objects.bulk_create(new_rows, batch_size=2000)
    InviteAttendee.objects.bulk_update(
        changed_rows,
        [
            "user",
            "email",
            "name",
            "role",
            "last_sequence",
            "last_method",
            "seen_sequence",
            "active",
            "removed_at",
            "updated_at",
        ],
        batch_size=500,
    )
    _touch_feeds(now=now, user_ids=[plan.person.user_id for plan in plans])
    InviteDelivery.objects.bulk_create(
        [
            InviteDelivery(
                attendee=plan.row,
                uid=entry.uid,
                sequence=plan.sequence,
                method=plan.method,
                recipient=plan.person.email[:254],
                outbox_id=outbox_ids.get(key),
            )
            for plan, key in zip(plans, keys, strict=True)
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return held


def _sync(
    entry: CalendarEvent,
    wanted: list[Attendee],
    now: datetime,
    extras: Extras = NO_EXTRAS,
    source: InviteSource | None = None,
) -> PublishResult:
    rows = {row.key: row for row in entry.attendees.all()}
    plans = _plan(entry, wanted, rows)
    held = _send(entry, plans, now, extras, source)
    # People still listed whose name/address changed without a new SEQUENCE: remember it quietly.
    for person in wanted:
        row = rows.get(person.key)
        if row is not None and row.active and (row.email, row.name) != (person.email, person.name):
            if not any(plan.person.key == person.key for plan in plans):
                InviteAttendee.objects.filter(pk=row.pk).update(
                    email=person.email[:254], name=person.name[:200], updated_at=now
                )
    return PublishResult(
        uid=entry.uid,
        sequence=entry.sequence,
        requested=[p.person.key for p in plans if p.method == REQUEST],
        cancelled=[p.person.key for p in plans if p.method == CANCEL],
        held=held,
    )


@transaction.atomic
def invite_publish(
    *, source: InviteSource, now: datetime | None = None, extras: Extras = NO_EXTRAS
) -> PublishResult:
    """Bring calendars in line with ``source``: store the event, send REQUEST/CANCEL where needed.

    Two publishers of one source are serialized by an advisory lock (tests/invites/test_concurrency.py
    shows two first publications colliding without it).
    """
    now = now or timezone.now()
    _lock(source.key)
    entry = CalendarEvent.objects.filter(source_key=source.key).first()
    if not source.is_published():
        if entry is not None and entry.status != CANCELLED:
            # Published once, withdrawn now (e.g. a lineup slot back to pending): take it back.
            return invite_retire(source_key=source.key, now=now, extras=extras)
        return PublishResult(uid=entry.uid if entry else "")
    event = source.event()
    if entry is None and event.status == CANCELLED:
        return PublishResult()  # never sent, nothing to take back
    entry = _store(source, entry, event, now)
    wanted = [] if entry.status == CANCELLED else _unique_attendees(source.attendees())
    return _sync(entry, wanted, now, extras, source)


@transaction.atomic
def invite_withdraw(
    *, source: InviteSource, attendee: Attendee, now: datetime | None = None
) -> PublishResult:
    """Send CANCEL to one person (e.g. a trainee's cancelled booking) without touching the others.

    Prefer dropping the person from ``source.attendees()`` and calling ``invite_publish``; use this when
    the source cannot express the removal.
    """
    now = now or timezone.now()
    _lock(source.key)
    entry = CalendarEvent.objects.filter(source_key=source.key).first()
    if entry is None:
        return PublishResult()
    row = entry.attendees.filter(key=attendee.key, active=True).first()
    if row is None:
        return PublishResult(uid=entry.uid, sequence=entry.sequence)
    plans = [_Plan(row, attendee, CANCEL, max(entry.sequence, row.last_sequence))]
    _send(entry, plans, now, source=source)
    return PublishResult(uid=entry.uid, sequence=entry.sequence, cancelled=[attendee.key])


@transaction.atomic
def invite_retire(
    *, source_key: str, now: datetime | None = None, extras: Extras = NO_EXTRAS
) -> PublishResult:
    """The object behind a source is gone (a deleted lineup segment): cancel it for everyone.

    The event stays in feeds as CANCELLED for a while, with a raised SEQUENCE. ``extras``: the notices
    the CANCEL emails carry (the change that removed it, one email per change).
    """
    now = now or timezone.now()
    _lock(source_key)
    entry = CalendarEvent.objects.filter(source_key=source_key).first()
    if entry is None or entry.status == CANCELLED:
        return PublishResult(uid=entry.uid if entry else "")
    entry.status = CANCELLED
    entry.sequence += 1
    entry.cancelled_at = now
    entry.content_hash = ""
    _render_feed_bodies(entry, event_from_entry(entry), now)
    entry.save()
    _touch_feeds(now=now, event_id=entry.pk)
    return _sync(entry, [], now, extras)


def invite_retire_missing(
    *, parent_key: str, keep: set[str], now: datetime | None = None, extras: Extras = NO_EXTRAS
) -> list[PublishResult]:
    """Retire the children of ``parent_key`` whose source keys are not in ``keep``."""
    gone = (
        CalendarEvent.objects.filter(parent_key=parent_key)
        .exclude(source_key__in=keep)
        .exclude(status=CANCELLED)
        .values_list("source_key", flat=True)
    )
    return [invite_retire(source_key=key, now=now, extras=extras) for key in list(gone)]


# --- Personal feed tokens ---------------------------------------------------------------------------


def calendar_token_rotate(*, user: User) -> str:
    """New secret feed URL; the old one stops working at once."""
    token = user.rotate_calendar_token()
    activity_log(actor=user, verb="calendar.token_rotated", obj=user)
    return token


def calendar_token_revoke(*, user: User) -> None:
    user.calendar_token = ""
    user.save(update_fields=["calendar_token"])
    activity_log(actor=user, verb="calendar.token_revoked", obj=user)
