"""A coach (or organizer) sends a short message to everyone booked on a class, through the
notification service: each trainee gets it on their own channels; nobody sees anyone's number."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import gettext

from coaching.models import Booking, Slot
from coaching.services.catalog import Forbidden, can_manage_slot
from core.activity import activity_log
from core.errors import ApplicationError
from core.models import User
from core.notify import Notice, notice_language, notify


def slot_message(*, slot: Slot, by: User, text: str) -> int:
    """Returns how many trainees were told. Sending the same text twice sends it once."""
    slot = Slot.objects.select_related("program", "coach__user").get(pk=slot.pk)
    if not can_manage_slot(by, slot):
        raise Forbidden(gettext("Only the class's coach or organizers can message the class."))
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise ApplicationError(
            gettext("1–500 characters."), fields={"text": [gettext("请输入 1–500 字的消息。")]}
        )
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    bookings = Booking.objects.filter(slot=slot, status__in=["confirmed", "offered"]).select_related(
        "trainee__user"
    )
    told = 0
    for booking in bookings:
        user = booking.trainee.user
        with notice_language(user):  # the words around the coach's text in the trainee's language
            facts = {"title": slot.title, "by": by.name, "text": text[:60]}
            subject = gettext("【驿站】%(title)s：%(by)s 的消息") % facts
            hello = gettext("%(name)s，您好：") % {"name": user.name}
            sms_text = gettext("【驿站】%(title)s：%(text)s") % facts
        notify(
            user=user,
            phone=booking.trainee.phone,
            notice=Notice(
                key=f"coaching:message:{slot.pk}:{booking.pk}:{digest}",
                kind="coaching_message",
                subject=subject,
                text=f"{hello}\n\n{text}\n\n— {by.name}\n{settings.SITE_URL}/coaching/me/",
                sms_text=sms_text,
                sms_params={"title": slot.title[:20], "text": text[:60]},
            ),
        )
        told += 1
    activity_log(actor=by, verb="slot.messaged", obj=slot, told=told)
    return told
