"""Every write to series, sessions and segments; the lifecycle claims used by the beat tick."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from core import formatting
from core.activity import activity_log
from core.errors import ApplicationError, Conflict
from core.models import Activity, Union, User
from core.notify import Notice, notice_language, notify, user_zone
from core.outbox import email_payload, outbox_enqueue
from core.timeutils import window_check
from core.validation import reject_unknown
from invites.services import NO_EXTRAS, Extras
from livestreams import calendar, hooks
from livestreams.models import MAX_SESSION_LENGTH, LiveSession, Segment, Series

S = LiveSession.Status
EDITABLE_FIELDS = {
    "series",
    "kind",
    "title",
    "description",
    "platform",
    "stream_url",
    "platform_room_id",
    "starts_at",
    "ends_at",
    "timezone",
    "is_public",
    "hosts",
}
CALENDAR_FIELDS = {"starts_at", "ends_at", "stream_url", "status"}


def default_union_for(user: User) -> Union:
    if user.union_id:
        return user.union
    union, _ = Union.objects.get_or_create(name="默认工会")
    if not user.is_superuser:
        # An organizer always works inside one union; adopt the default one on first use.
        user.union = union
        user.save(update_fields=["union"])
    return union


def _validate_times(*, starts_at: datetime, ends_at: datetime, tz: str, require_future: bool) -> None:
    window_check(
        starts_at=starts_at,
        ends_at=ends_at,
        tz=tz,
        max_length=MAX_SESSION_LENGTH,
        require_future=require_future,
        what="session",
    )


def series_create(*, by: User, title: str, description: str = "", is_public: bool = True) -> Series:
    series = Series.objects.create(
        union=default_union_for(by), title=title, description=description, is_public=is_public, created_by=by
    )
    activity_log(actor=by, verb="series.created", obj=series)
    return series


@transaction.atomic
def series_update(*, series: Series, by: User, **changes) -> Series:
    allowed = {"title", "description", "is_public"}
    unknown = set(changes) - allowed
    if unknown:
        raise ApplicationError(
            gettext("Unknown fields."), fields={f: [gettext("Unknown field.")] for f in sorted(unknown)}
        )
    series = Series.objects.select_for_update().get(pk=series.pk)
    changed = sorted(name for name, value in changes.items() if getattr(series, name) != value)
    for name in changed:
        setattr(series, name, changes[name])
    if changed:
        series.save(update_fields=changed)
        activity_log(actor=by, verb="series.updated", obj=series, fields=changed)
    return series


@transaction.atomic
def session_create(
    *,
    by: User,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str = "Asia/Shanghai",
    series: Series | None = None,
    hosts: Iterable[User] = (),
    **fields,
) -> LiveSession:
    _validate_times(starts_at=starts_at, ends_at=ends_at, tz=timezone, require_future=False)
    union = default_union_for(by)
    if series is not None and series.union_id != union.pk and not by.is_superuser:
        raise ApplicationError(gettext("Unknown series."), fields={"series": [gettext("系列不存在。")]})
    reject_unknown(fields, EDITABLE_FIELDS)
    session = LiveSession.objects.create(
        union=series.union if series else union,
        series=series,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        created_by=by,
        **fields,
    )
    session.hosts.set(hosts)
    activity_log(actor=by, verb="session.created", obj=session)
    return session


def _locked(session: LiveSession) -> LiveSession:
    return LiveSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def session_update(*, session: LiveSession, by: User, **changes) -> LiveSession:
    session = _locked(session)
    if session.status in (S.ENDED, S.CANCELLED):
        raise Conflict(gettext("已结束或已取消的场次不能再修改。"), code="invalid_state")
    reject_unknown(changes, EDITABLE_FIELDS)
    if session.status == S.LIVE and {"starts_at", "kind"} & set(changes):
        raise Conflict(gettext("直播中的场次不能修改开始时间和类型。"), code="invalid_state")
    hosts = changes.pop("hosts", None)
    changed = {name for name, value in changes.items() if getattr(session, name) != value}
    for name in changed:
        setattr(session, name, changes[name])
    if {"starts_at", "ends_at", "timezone"} & changed:
        _validate_times(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            tz=session.timezone,
            require_future=session.status == S.SCHEDULED and "starts_at" in changed,
        )
        outside = session.segments.exclude(starts_at__gte=session.starts_at, ends_at__lte=session.ends_at)
        if outside.exists():
            raise ApplicationError(
                gettext("Segments would fall outside the session; move them first."),
                fields={"starts_at": [gettext("节目单环节会落在新时间之外：请用“顺延”整体移动场次。")]},
            )
    if changed & CALENDAR_FIELDS and session.status != S.DRAFT:
        session.ical_sequence += 1
        changed.add("ical_sequence")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    if hosts is not None:
        session.hosts.set(hosts)
        changed.add("hosts")
    if changed:
        activity_log(actor=by, verb="session.updated", obj=session, fields=sorted(changed))
        if session.status == S.SCHEDULED and {"starts_at", "ends_at"} & changed:
            hooks.run("rescheduled", session, changed)
        hooks.run("updated", session, changed)
        calendar.session_invites_sync(session=session)
    return session


def _status_now(session: LiveSession) -> str:
    return gettext("场次当前为“%(status)s”，不能这样操作。") % {"status": session.get_status_display()}


def _transition(session: LiveSession, *, to: str, allowed_from: tuple[str, ...], **extra) -> LiveSession:
    """Conditional UPDATE: succeeds only if the row is still in an allowed state."""
    updated = LiveSession.objects.filter(pk=session.pk, status__in=allowed_from).update(
        status=to, ical_sequence=F("ical_sequence") + 1, updated_at=timezone.now(), **extra
    )
    session.refresh_from_db()
    if not updated:
        raise Conflict(
            gettext("Cannot move a session that is “%(status)s” to “%(to)s”.")
            % {"status": session.get_status_display(), "to": S(to).label},
            code="invalid_state",
            fields={"status": [_status_now(session)]},
        )
    return session


@transaction.atomic
def session_schedule(*, session: LiveSession, by: User) -> LiveSession:
    session = _locked(session)
    if session.status != S.DRAFT:
        raise Conflict(
            gettext("Only drafts can be scheduled; this session is “%(status)s”.")
            % {"status": session.get_status_display()},
            code="invalid_state",
            fields={"status": [_status_now(session)]},
        )
    _validate_times(
        starts_at=session.starts_at, ends_at=session.ends_at, tz=session.timezone, require_future=True
    )
    # A draft has never been sent anywhere, so its calendar identity starts at SEQUENCE 0 here.
    LiveSession.objects.filter(pk=session.pk).update(
        status=S.SCHEDULED, ical_sequence=0, updated_at=timezone.now()
    )
    session.refresh_from_db()
    activity_log(actor=by, verb="session.scheduled", obj=session)
    hooks.run("scheduled", session)
    calendar.session_invites_sync(session=session)
    return session


@transaction.atomic
def session_cancel(*, session: LiveSession, by: User, reason: str) -> LiveSession:
    session = _transition(
        session,
        to=S.CANCELLED,
        allowed_from=(S.DRAFT, S.SCHEDULED),
        cancelled_at=timezone.now(),
        cancel_reason=reason,
    )
    activity_log(actor=by, verb="session.cancelled", obj=session, reason=reason)
    hooks.run("cancelled", session)
    calendar.session_invites_sync(session=session)
    return session


@transaction.atomic
def session_go_live(*, session: LiveSession, by: User | None = None) -> LiveSession:
    session = _transition(session, to=S.LIVE, allowed_from=(S.SCHEDULED,), went_live_at=timezone.now())
    activity_log(actor=by, verb="session.live", obj=session, manual=by is not None)
    hooks.run("live", [session.pk])
    return session


@transaction.atomic
def session_end(*, session: LiveSession, by: User | None = None) -> LiveSession:
    session = _transition(session, to=S.ENDED, allowed_from=(S.LIVE,), ended_at=timezone.now())
    activity_log(actor=by, verb="session.ended", obj=session, manual=by is not None)
    hooks.run("ended", [session.pk])
    return session


# --- The tick: claims due work with row locks + conditional updates --------------------------------


def _claim_due(*, status: str, due_field: str, to: str, stamp_field: str, now: datetime, limit: int) -> list:
    """Move every due session exactly once, even when ticks race.

    The row locks (SKIP LOCKED, so a racing tick takes other rows instead of waiting) plus the status
    condition in the UPDATE make each transition happen once (tests/livestreams/test_lifecycle.py shows
    a naive claim without them transitioning a session twice).
    """
    with transaction.atomic():
        due = LiveSession.objects.filter(status=status, **{f"{due_field}__lte": now}).order_by(due_field)
        due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        claim = LiveSession.objects.filter(pk__in=ids, status=status)
        stamp = timezone.now()
        claim.update(
            status=to, ical_sequence=F("ical_sequence") + 1, updated_at=stamp, **{stamp_field: stamp}
        )
        Activity.objects.bulk_create(
            Activity(
                verb=f"session.{to}",
                object_type="livestreams.livesession",
                object_id=str(pk),
                data={"by": "tick"},
            )
            for pk in ids
        )
        hooks.run(to, ids)
    return ids


def sessions_start_due(*, now: datetime | None = None, limit: int = 2000) -> list:
    return _claim_due(
        status=S.SCHEDULED,
        due_field="starts_at",
        to=S.LIVE,
        stamp_field="went_live_at",
        now=now or timezone.now(),
        limit=limit,
    )


def sessions_end_due(*, now: datetime | None = None, limit: int = 2000) -> list:
    return _claim_due(
        status=S.LIVE,
        due_field="ends_at",
        to=S.ENDED,
        stamp_field="ended_at",
        now=now or timezone.now(),
        limit=limit,
    )


REMINDERS = {
    # name: (how long before start it becomes due, the next reminder's lead, field)
    "24h": (timedelta(hours=24), timedelta(hours=1), "reminder_24h_for"),
    "1h": (timedelta(hours=1), timedelta(0), "reminder_1h_for"),
}


def reminder_recipients(session: LiveSession) -> list[tuple[User | None, str, str]]:
    recipients = [(host, host.email, host.name) for host in session.hosts.all()]
    for extra in hooks.run("reminder_recipients", session):
        recipients.extend(extra)
    recipients.extend(calendar.seller_reminder_recipients(session))
    return recipients


def _send_reminder(session: LiveSession, which: str) -> int:
    """One reminder per person through the notification service: an account gets it on its own
    channels (email, SMS, both) with the time in its own zone; an address without an account by email."""
    sent = 0
    seen: set[str] = set()
    for user, email, name in reminder_recipients(session):
        ident = f"u{user.pk}" if user is not None else email
        if ident in seen:
            continue
        seen.add(ident)
        zone = user_zone(user, session.timezone) if user is not None else session.timezone
        with notice_language(user):
            when = formatting.when(session.starts_at, zone)
            facts = {"name": name, "title": session.title, "when": when}
            subject = gettext("[驿站] 直播提醒：%(title)s · %(when)s") % facts
            text = (
                gettext("%(name)s，您好：") % facts
                + "\n\n"
                + gettext("您参与的直播「%(title)s」将于 %(when)s 开始。") % facts
                + "\n"
                + gettext("直播平台：%(platform)s %(url)s")
                % {"platform": session.get_platform_display(), "url": session.stream_url}
                + "\n"
            )
            if which == "24h":
                sms_text = gettext("【驿站】直播提醒：「%(title)s」明天开播，%(when)s") % facts
            else:
                sms_text = gettext("【驿站】直播提醒：「%(title)s」一小时后开播，%(when)s") % facts
        key = f"reminder:{which}:{session.pk}:{session.starts_at.isoformat()}:{ident}"
        if user is not None:
            notice = Notice(
                key=key,
                kind=f"session_reminder_{which}",
                subject=subject,
                text=text,
                sms_text=sms_text,
                sms_params={"title": session.title[:20], "time": when},
            )
            sent += int(bool(notify(user=user, notice=notice)))
            continue
        created = outbox_enqueue(
            key=key,
            recipient=email,
            subject=subject,
            payload=email_payload(text=text),
        )
        sent += int(created)
    return sent


def reminders_send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Claim each (session, reminder, start time) once; a missed tick catches up on the next one."""
    now = now or timezone.now()
    counts = {}
    for which, (lead, next_lead, field) in REMINDERS.items():
        with transaction.atomic():
            due = list(
                LiveSession.objects.select_for_update(skip_locked=True)
                .filter(status=S.SCHEDULED, starts_at__lte=now + lead, starts_at__gt=now + next_lead)
                .exclude(**{field: F("starts_at")})
                .prefetch_related("hosts")[:limit]
            )
            for session in due:
                LiveSession.objects.filter(pk=session.pk).update(**{field: session.starts_at})
                _send_reminder(session, which)
        counts[which] = len(due)
    return counts


# --- Segments -------------------------------------------------------------------------------------


def _validate_segment(session: LiveSession, *, starts_at, ends_at, exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [gettext("环节结束时间必须晚于开始时间。")]
    if starts_at < session.starts_at or ends_at > session.ends_at:
        errors.setdefault("starts_at", []).append(gettext("环节必须在场次的开始和结束时间之内。"))
    if not errors:
        clash = session.segments.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        other = clash.first()
        if other is not None:
            errors["starts_at"] = [gettext("与另一个环节时间重叠：“%(title)s”。") % {"title": other.title}]
    if errors:
        raise ApplicationError(gettext("Invalid segment."), fields=errors)


def _renumber(session: LiveSession) -> None:
    for position, segment in enumerate(session.segments.order_by("starts_at"), start=1):
        if segment.position != position:
            Segment.objects.filter(pk=segment.pk).update(position=position)


def _lock_for_lineup(session: LiveSession) -> LiveSession:
    session = _locked(session)
    if session.status in (S.ENDED, S.CANCELLED):
        raise Conflict(gettext("已结束或已取消场次的节目单不能再修改。"), code="invalid_state")
    return session


@transaction.atomic
def segment_create(
    *,
    session: LiveSession,
    by: User,
    title: str,
    starts_at,
    ends_at,
    description: str = "",
    seller=None,
    pk=None,
) -> Segment:
    """A new lineup segment. ``pk`` brings back a segment that was deleted (a reinstated lineup slot):
    its calendar entry is keyed by the segment's id, so the same UID is sent again with a higher
    SEQUENCE instead of a new event."""
    session = _lock_for_lineup(session)
    _validate_segment(session, starts_at=starts_at, ends_at=ends_at)
    if pk is not None and Segment.objects.filter(pk=pk).exists():
        pk = None
    segment = Segment.objects.create(
        **({"pk": pk} if pk is not None else {}),
        session=session,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        seller=seller,
    )
    _renumber(session)
    segment.refresh_from_db()
    activity_log(actor=by, verb="segment.created", obj=segment)
    hooks.run("segments_changed", session)
    calendar.session_invites_sync(session=session)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, by: User, **changes) -> Segment:
    session = _lock_for_lineup(segment.session)
    segment = Segment.objects.get(pk=segment.pk)
    for name, value in changes.items():
        setattr(segment, name, value)
    _validate_segment(session, starts_at=segment.starts_at, ends_at=segment.ends_at, exclude_pk=segment.pk)
    segment.save()
    _renumber(session)
    segment.refresh_from_db()
    activity_log(actor=by, verb="segment.updated", obj=segment, fields=sorted(changes))
    hooks.run("segments_changed", session)
    calendar.session_invites_sync(session=session)
    return segment


@transaction.atomic
def segment_delete(
    *, segment: Segment, by: User, extras: Extras = NO_EXTRAS, held: dict | None = None
) -> set:
    """``extras``/``held``: notices the segment's CANCEL emails carry, or CANCELs held for the caller's
    own email (``calendar.session_invites_sync``): one email per change. Returns the attendee keys emailed."""
    session = _lock_for_lineup(segment.session)
    activity_log(actor=by, verb="segment.deleted", obj=segment)
    segment.delete()
    _renumber(session)
    hooks.run("segments_changed", session)
    return calendar.session_invites_sync(session=session, extras=extras, held=held)


def segment_on_air(session: LiveSession, at: datetime) -> Segment | None:
    """The lineup slot on screen at a moment. Segment times are wall-clock times."""
    return session.segments.filter(starts_at__lte=at, ends_at__gt=at).first()


# --- Postpone and reorder (organizer console) ------------------------------------------------------


@transaction.atomic
def session_postpone(*, session: LiveSession, by: User, delta: timedelta) -> LiveSession:
    """Move a session with its whole lineup by ``delta`` in one step.

    ``session_update`` cannot do this: segments must stay inside the session, so neither the session
    nor a segment can move first. Here both move in one transaction. Every calendar UID stays; the
    session's SEQUENCE rises once (each segment's invite rises once too, as its times change once), and
    the hooks run once after everything has moved, so each attendee gets one update per invite.
    """
    session = _locked(session)
    if session.status not in (S.DRAFT, S.SCHEDULED):
        raise Conflict(
            gettext("Only drafts and scheduled sessions can be postponed; this one is “%(status)s”.")
            % {"status": session.get_status_display()},
            code="invalid_state",
            fields={"starts_at": [_status_now(session)]},
        )
    if not delta:
        raise ApplicationError(
            gettext("The new time is the current time."),
            fields={"starts_at": [gettext("请选择与当前不同的时间。")]},
        )
    new_start, new_end = session.starts_at + delta, session.ends_at + delta
    _validate_times(
        starts_at=new_start,
        ends_at=new_end,
        tz=session.timezone,
        require_future=session.status == S.SCHEDULED,
    )
    old_start = session.starts_at
    session.starts_at, session.ends_at = new_start, new_end
    fields = ["starts_at", "ends_at", "updated_at"]
    if session.status != S.DRAFT:
        session.ical_sequence += 1
        fields.append("ical_sequence")
    session.save(update_fields=fields)
    moved = Segment.objects.filter(session=session).update(
        starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta
    )
    activity_log(
        actor=by,
        verb="session.postponed",
        obj=session,
        from_starts_at=old_start.isoformat(),
        to_starts_at=new_start.isoformat(),
        segments=moved,
    )
    changed = {"starts_at", "ends_at"}
    if moved:
        hooks.run("segments_changed", session)
    if session.status == S.SCHEDULED:
        hooks.run("rescheduled", session, changed)
    hooks.run("updated", session, changed)
    return session


@transaction.atomic
def segment_move(*, segment: Segment, by: User, direction: str) -> Segment:
    """Swap a segment with its neighbour (``up``/``down``): the pair keeps its block of time, each keeps
    its own length, and the gap between them stays where it was."""
    session = _lock_for_lineup(segment.session)
    ordered = list(session.segments.order_by("starts_at"))
    index = next((i for i, s in enumerate(ordered) if s.pk == segment.pk), None)
    if direction not in ("up", "down") or index is None:
        raise ApplicationError(
            gettext("Unknown move."), fields={"direction": [gettext("请选择上移或下移。")]}
        )
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(ordered):
        raise ApplicationError(
            gettext("The segment is already at that end."),
            fields={"direction": [gettext("已经在最前或最后。")]},
        )
    first, second = sorted((ordered[index], ordered[other_index]), key=lambda s: s.starts_at)
    gap = second.starts_at - first.ends_at
    block_start = first.starts_at
    new_second_start = block_start  # the later one moves to the front
    new_second_end = new_second_start + (second.ends_at - second.starts_at)
    new_first_start = new_second_end + gap
    new_first_end = new_first_start + (first.ends_at - first.starts_at)
    Segment.objects.filter(pk=second.pk).update(starts_at=new_second_start, ends_at=new_second_end)
    Segment.objects.filter(pk=first.pk).update(starts_at=new_first_start, ends_at=new_first_end)
    _renumber(session)
    segment.refresh_from_db()
    activity_log(actor=by, verb="segment.moved", obj=segment, direction=direction)
    hooks.run("segments_changed", session)
    return segment
