"""Reads for feeds and the invite-state API, each scoped to its requester."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from core.models import User
from invites import builders
from invites.models import CalendarEvent, InviteAttendee, InviteDelivery

FEED_PAST = timedelta(days=90)  # past events stay in feeds this long
CANCELLED_KEPT = timedelta(days=30)  # cancelled events stay as STATUS:CANCELLED this long
TOKEN_MIN, TOKEN_MAX = 20, 64


def feed_user_for_token(token: str) -> User | None:
    """The user owning a personal feed token. Unknown and revoked tokens look exactly the same: None."""
    if not token or not (TOKEN_MIN <= len(token) <= TOKEN_MAX):
        return None
    return (
        User.objects.filter(calendar_token=token, is_active=True)
        .select_related("calendar_feed_state")
        .only(
            "pk",
            "calendar_token",
            "username",
            "display_name",
            "first_name",
            "last_name",
            "calendar_feed_state__changed_at",
        )
        .first()
    )


def _personal_rows(user: User, now: datetime) -> QuerySet[InviteAttendee]:
    return InviteAttendee.objects.filter(user=user, event__ends_at__gte=now - FEED_PAST).filter(
        Q(active=True) | Q(removed_at__gte=now - CANCELLED_KEPT)
    )


def _etag(*parts) -> str:
    return '"' + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32] + '"'


def personal_feed_etag(*, user: User, now: datetime) -> str:
    """No query: services stamp CalendarFeedState whenever something in this user's feed changes."""
    state = getattr(user, "calendar_feed_state", None)
    changed = state.changed_at.isoformat() if state else "never"
    # The date is part of the tag so events ageing out of the window change it at least daily.
    return _etag("me", user.pk, user.calendar_token, changed, now.date())


def personal_feed_body(*, user: User, now: datetime) -> bytes:
    rows = (
        _personal_rows(user, now)
        .order_by("event__starts_at", "event_id")
        .values_list(
            "active",
            "event__vevent",
            "event__vevent_cancelled",
            "event__timezone",
            "event__starts_at",
            "event__ends_at",
        )
    )
    vevents, tzids, times = [], set(), []
    for active, vevent, vevent_cancelled, tzid, starts_at, ends_at in rows.iterator(chunk_size=2000):
        # A removed attendee keeps seeing the event, as cancelled, for a while.
        vevents.append((vevent if active else vevent_cancelled).encode())
        tzids.add(tzid)
        times += [starts_at, ends_at]
    return builders.build_feed(
        name=f"驿站 · {user.name}", vevents=vevents, tzids=tzids, years=builders.span_years(*times)
    )


def _series_events(series_id, now: datetime) -> QuerySet[CalendarEvent]:
    return CalendarEvent.objects.filter(
        series_id=series_id, is_public=True, ends_at__gte=now - FEED_PAST
    ).filter(~Q(status=CalendarEvent.Status.CANCELLED) | Q(cancelled_at__gte=now - CANCELLED_KEPT))


def series_feed_etag(*, series, now: datetime) -> str:
    agg = _series_events(series.pk, now).aggregate(n=Count("id"), events=Max("updated_at"))
    return _etag("series", series.pk, series.title, agg["n"], agg["events"], now.date())


def series_feed_body(*, series, now: datetime) -> bytes:
    rows = (
        _series_events(series.pk, now)
        .order_by("starts_at")
        .values_list("vevent", "timezone", "starts_at", "ends_at")
    )
    vevents, tzids, times = [], set(), []
    for vevent, tzid, starts_at, ends_at in rows.iterator(chunk_size=2000):
        vevents.append(vevent.encode())
        tzids.add(tzid)
        times += [starts_at, ends_at]
    return builders.build_feed(
        name=series.title, vevents=vevents, tzids=tzids, years=builders.span_years(*times)
    )


def deliveries_of(user: User) -> QuerySet[InviteDelivery]:
    """Invite emails sent to this user (never anyone else's)."""
    return (
        InviteDelivery.objects.filter(attendee__user=user)
        .select_related("attendee__event", "outbox")
        .order_by("-created_at", "-id")
    )


def events_for_organizer(user: User) -> QuerySet[CalendarEvent]:
    """Invite state of the organizer's union: events with their attendees and every delivery."""
    qs = CalendarEvent.objects.all()
    if not user.is_superuser:
        qs = qs.filter(union_id=user.union_id) if user.union_id else qs.none()
    deliveries = InviteDelivery.objects.select_related("outbox").order_by("sequence", "id")
    attendees = InviteAttendee.objects.order_by("id").prefetch_related(
        Prefetch("deliveries", queryset=deliveries)
    )
    return qs.prefetch_related(Prefetch("attendees", queryset=attendees)).order_by("starts_at", "id")
