"""One notification service: every notice to a person is one ``notify(...)`` call that picks the
channels from their preference and enqueues one outbox row per channel.

Channels (``User.notify_channel``): automatic (email when the person has an address, otherwise SMS),
email, SMS, both. A channel the person cannot be reached on falls back to the other one. When the
email for a change is a calendar invite (it carries the notice text), the caller passes
``email_sent_elsewhere=True`` so the person gets one email per change, not two.

Times in notices are shown in the person's own zone (``User.time_zone``), else the event's zone, and
the words are in the person's own language (``User.language``), else the site's: build a notice's texts
inside ``with notice_language(user):``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import available_timezones

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core import formatting
from core.errors import ApplicationError
from core.models import User
from core.outbox import email_payload, outbox_enqueue_many, sms_payload
from core.phones import cn_mobile_clean


@dataclass(frozen=True)
class Notice:
    key: str  # unique per person and change: the outbox key prefix
    kind: str  # SMS template kind: reminder_24h, booking_confirmed, …
    subject: str
    text: str  # the email body (and console/test SMS)
    sms_text: str = ""  # short text for SMS (defaults to the subject)
    sms_params: dict | None = None
    html: str = ""
    # Files the email carries (e.g. the CANCELs of calendar entries this change took back).
    attachments: tuple = ()


def phone_of(user: User) -> str:
    """The number SMS reaches this person on: the trainee profile's, else the account's own."""
    trainee = getattr(user, "trainee", None) if user.role == User.Role.TRAINEE else None
    return (getattr(trainee, "phone", "") or user.phone or "").strip()


def channels_for(user: User, *, phone: str | None = None) -> list[str]:
    has_email = "@" in (user.email or "")
    has_phone = bool(phone_of(user) if phone is None else phone)
    pref = user.notify_channel
    wanted = {
        User.Channel.EMAIL: ["email"],
        User.Channel.SMS: ["sms"],
        User.Channel.BOTH: ["email", "sms"],
    }.get(pref, ["email"] if has_email else ["sms"])
    reachable = [c for c in wanted if (c == "email" and has_email) or (c == "sms" and has_phone)]
    if not reachable:  # fall back to whatever reaches them
        reachable = ["email"] if has_email else (["sms"] if has_phone else [])
    return reachable


def user_zone(user: User, default: str = "Asia/Shanghai") -> str:
    return user.time_zone or default


def local(dt: datetime, *, user: User, default_zone: str) -> str:
    """'2026-12-03 09:00 北京时间' in the person's zone, the zone named (core.formatting)."""
    return formatting.when(dt, user_zone(user, default_zone))


def language_of(user: User | None) -> str:
    """The person's own language (``User.language``) if it is one the site speaks, else the site's."""
    lang = (getattr(user, "language", "") or "") if user is not None else ""
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notice_language(user: User | None = None):
    """The language a notice to ``user`` is written in: theirs, else the site's (settings.LANGUAGE_CODE;
    also for people without an account), never the language of whoever's request caused the notice."""
    return translation.override(language_of(user))


def notify(
    *, user: User, notice: Notice, phone: str | None = None, email_sent_elsewhere: bool = False
) -> list[str]:
    """Enqueue the notice on the person's channels (idempotent by key). Returns the channels used.

    ``phone``: the number to text (default: ``phone_of(user)``)."""
    phone = phone_of(user) if phone is None else phone
    channels = channels_for(user, phone=phone)
    rows = []
    for channel in channels:
        if channel == "email" and not email_sent_elsewhere:
            rows.append(
                {
                    "key": f"{notice.key}:email",
                    "recipient": user.email,
                    "subject": notice.subject,
                    "payload": email_payload(
                        text=notice.text, html=notice.html, attachments=list(notice.attachments)
                    ),
                }
            )
        elif channel == "sms":
            rows.append(
                {
                    "key": f"{notice.key}:sms",
                    "kind": "sms",
                    "recipient": phone,
                    "subject": notice.subject,
                    "payload": sms_payload(
                        kind=notice.kind, text=notice.sms_text or notice.subject, params=notice.sms_params
                    ),
                }
            )
    if rows:
        outbox_enqueue_many(rows)
    return channels


def notify_email(*, user: User, notice: Notice) -> bool:
    """The notice's email alone (same key as ``notify`` would use): for a change whose calendar invite,
    which would have carried the text, had nothing to send."""
    if "@" not in (user.email or ""):
        return False
    return bool(
        outbox_enqueue_many(
            [
                {
                    "key": f"{notice.key}:email",
                    "recipient": user.email,
                    "subject": notice.subject,
                    "payload": email_payload(
                        text=notice.text, html=notice.html, attachments=list(notice.attachments)
                    ),
                }
            ]
        )
    )


def wants_email(user: User, *, phone: str | None = None) -> bool:
    return "email" in channels_for(user, phone=phone)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def preferences_update(
    *,
    user: User,
    notify_channel: str,
    time_zone: str,
    email: str,
    phone: str | None = None,
    language: str | None = None,
) -> User:
    """``phone``: staff accounts' own number (trainees keep theirs on the profile); ``language``: a code
    of settings.LANGUAGES; None leaves either as it is."""
    if notify_channel not in User.Channel.values:
        raise _invalid("notify_channel", _("请选择通知方式。"))
    if time_zone and time_zone not in available_timezones():
        raise _invalid("time_zone", _("未知时区。"))
    if language is not None and language and language not in dict(settings.LANGUAGES):
        raise _invalid("language", _("请选择语言。"))
    email = (email or "").strip()
    if notify_channel in (User.Channel.EMAIL, User.Channel.BOTH) and not email:
        raise _invalid("email", _("选择邮件通知需要填写邮箱。"))
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise _invalid("email", _("该邮箱已被其他账号使用。"))
    fields = ["notify_channel", "time_zone", "email"]
    if phone is not None:
        user.phone = cn_mobile_clean(phone) if phone.strip() else ""
        fields.append("phone")
    if language is not None:
        user.language = language
        fields.append("language")
    if notify_channel in (User.Channel.SMS, User.Channel.BOTH) and not phone_of(user):
        raise _invalid("phone", _("选择短信通知需要填写手机号。"))
    user.notify_channel, user.time_zone, user.email = notify_channel, time_zone, email
    user.save(update_fields=fields)
    return user
