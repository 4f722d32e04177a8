"""Shared service helpers: bounded locks, phone validation, and the two change funnels.

Every booking or slot change goes through ``booking_changed`` / ``slot_changed``. They raise the
calendar SEQUENCE where the change matters to a calendar, and enqueue the notification through the
outbox (on commit). Calendar invites (the invites app) hook in here with one call.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_noop

from coaching.calendar import INVITE_CHANGES, booking_invite_outbox_row, booking_invite_sync, slot_invite_sync
from coaching.models import Booking, Slot
from core import formatting
from core.errors import Busy
from core.notify import Notice, local, notice_language, wants_email
from core.notify import notify as notify_person
from core.outbox import outbox_enqueue_many
from core.phones import cn_mobile_clean

LOCK_TIMEOUT = "3s"

# The outbox row the fast booking path (booking.book_fast) writes in its statement: after commit a
# worker builds the change's notice and calendar invite, exactly as ``booking_changed`` does.
BOOKING_NOTICE_OUTBOX_KIND = "coaching.booking_notice"

# Booking changes that a calendar would show (time/status/location): they raise ical_sequence.
CALENDAR_CHANGES = {"cancelled", "rescheduled", "moved", "expired", "declined", "slot_cancelled", "updated"}


@contextlib.contextmanager
def bounded_locks():
    """Run a transaction whose lock waits give up after LOCK_TIMEOUT and surface as Busy (503).

    Deadlocks (PostgreSQL picks a victim) are reported the same way: the client retries.
    """
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            yield
    except OperationalError as exc:
        sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
        if sqlstate in ("55P03", "40P01", "40001"):  # lock_not_available, deadlock, serialization
            raise Busy(gettext("This class is busy right now, please retry."), code="busy") from exc
        raise


# One mobile rule for every app (core/phones.py): 11 national digits, field error on bad input.
normalize_cn_mobile = cn_mobile_clean


def local_time(slot: Slot) -> str:
    """The class's start as people read it: "2026-12-02 10:00 北京时间" (core.formatting)."""
    return formatting.when(slot.starts_at, slot.timezone)


# The notice's name per change (Chinese msgids, the site's convention for notices).
_SUBJECTS = {
    "confirmed": gettext_noop("预约成功"),
    "waitlisted": gettext_noop("已加入候补"),
    "offered": gettext_noop("候补名额待确认"),
    "promoted": gettext_noop("候补转正"),
    "cancelled": gettext_noop("预约已取消"),
    "moved": gettext_noop("预约已改期"),
    "rescheduled": gettext_noop("课程时间变更"),
    "slot_cancelled": gettext_noop("课程已取消"),
    "expired": gettext_noop("候补名额已过期"),
    "declined": gettext_noop("已放弃候补名额"),
    "reminder_24h": gettext_noop("明天上课提醒"),
    "reminder_1h": gettext_noop("一小时后上课"),
    "updated": gettext_noop("课程信息更新"),
}


def _notice(*, booking: Booking, change: str, key_suffix: str) -> Notice:
    """The change's notice in the trainee's language: times in their own zone (else the class's)."""
    with notice_language(booking.trainee.user):
        return _notice_text(booking=booking, change=change, key_suffix=key_suffix)


def _notice_text(*, booking: Booking, change: str, key_suffix: str) -> Notice:
    slot = booking.slot
    trainee = booking.trainee
    user = trainee.user
    what = gettext(_SUBJECTS.get(change, gettext_noop("课程通知")))
    place = slot.location or slot.online_url or slot.program.location or slot.program.online_url
    when = local(slot.starts_at, user=user, default_zone=slot.timezone)
    facts = {"what": what, "slot": slot.title, "program": slot.program.title, "when": when}
    lines = [
        gettext("%(name)s，您好：") % {"name": user.name},
        "",
        gettext("%(what)s：「%(slot)s」（%(program)s）") % facts,
        gettext("时间：%(when)s") % facts,
        gettext("地点：%(where)s") % {"where": place},
    ]
    sms_text = gettext("【驿站】%(what)s：「%(slot)s」%(when)s") % facts
    params = {"title": slot.title[:20], "time": when}
    if change == "offered" and booking.offer_expires_at:
        expires = local(booking.offer_expires_at, user=user, default_zone=slot.timezone)
        lines.append(gettext("请在 %(expires)s 前确认，否则名额将让给下一位。") % {"expires": expires})
        sms_text += gettext("，请在 %(expires)s 前确认") % {"expires": expires}
        params["deadline"] = expires
    lines += ["", f"{settings.SITE_URL}/coaching/me/"]
    return Notice(
        key=f"coaching:{change}:{booking.pk}:{key_suffix}",
        kind=f"coaching_{change}",
        subject=gettext("【驿站】%(what)s · %(slot)s") % facts,
        text="\n".join(lines),
        sms_text=sms_text + f" {settings.SITE_URL}/coaching/me/",
        sms_params=params,
    )


def booking_changed(
    *, booking: Booking, change: str, notify: bool = True, key_suffix: str = "", invite_later: bool = False
) -> None:
    """The one funnel for booking changes (confirmed, waitlisted, offered, promoted, cancelled, moved,
    expired, declined, slot_cancelled, rescheduled, reminder_24h, reminder_1h).

    Calendar-relevant changes also bring the trainee's calendar invite up to date (REQUEST/CANCEL with
    the booking's stable UID, see ``coaching.calendar``). ``invite_later``: leave building the invite
    (about 15 queries) to a worker, through an outbox row written in this transaction — the seat
    transaction of ``booking_create`` then holds the slot's row lock only for its few writes.
    """
    if change in CALENDAR_CHANGES:
        Booking.objects.filter(pk=booking.pk).update(ical_sequence=F("ical_sequence") + 1)
        booking.ical_sequence += 1
    if change == "moved" and not notify:
        return  # the booking a move left: its CANCEL rides in the new booking's one email
    notice = (
        _notice(booking=booking, change=change, key_suffix=key_suffix or str(booking.ical_sequence))
        if notify
        else None
    )
    user, phone = booking.trainee.user, booking.trainee.phone
    # One email per change: the trainee's calendar invite carries the notice text; if the change sends
    # no invite to them, the notice goes out as a plain email (for people who want email).
    fallback = notice is not None and wants_email(user, phone=phone)
    if change in INVITE_CHANGES:
        if invite_later:
            outbox_enqueue_many(
                [booking_invite_outbox_row(booking=booking, notice=notice, email_fallback=fallback)]
            )
        else:
            booking_invite_sync(booking=booking, notice=notice, email_fallback=fallback)
    if notice is not None:
        # SMS (by preference) now; the email is the invite's, above.
        notify_person(user=user, phone=phone, notice=notice, email_sent_elsewhere=change in INVITE_CHANGES)


def booking_notice_from_outbox(payload: dict) -> None:
    """Outbox handler for BOOKING_NOTICE_OUTBOX_KIND: ``booking_changed`` for the committed booking, with
    the notice key it would have had in the seat transaction (idempotent: notice rows are keyed, an
    unchanged invite sends nothing new)."""
    booking = (
        Booking.objects.select_related("slot__program", "slot__coach__user", "trainee__user")
        .filter(pk=payload["booking"])
        .first()
    )
    if booking is not None:
        with transaction.atomic():
            booking_changed(booking=booking, change=payload["change"], key_suffix=str(payload["sequence"]))


def slot_changed(*, slot: Slot, change: str, bookings: list[Booking] | None = None) -> None:
    """The one funnel for slot-wide changes (rescheduled, slot_cancelled, updated): raise the slot's
    SEQUENCE, update the coach's calendar entry and tell every affected trainee."""
    Slot.objects.filter(pk=slot.pk).update(ical_sequence=F("ical_sequence") + 1)
    slot.ical_sequence += 1
    slot_invite_sync(slot=slot)
    for booking in bookings or []:
        booking.slot = slot
        booking_changed(booking=booking, change=change, key_suffix=f"s{slot.ical_sequence}")
