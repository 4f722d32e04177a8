"""The iMIP email around a calendar (RFC 6047): text, HTML and text/calendar alternatives + .ics file.

Plain string formatting on purpose: a 10,000-attendee fan-out renders 10,000 of these.
"""

from __future__ import annotations

import hashlib
from html import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core import formatting
from core.outbox import email_payload
from invites.builders import CANCEL, REQUEST
from invites.sources import Attendee, InviteEvent


def outbox_key(*, uid: str, attendee: Attendee, sequence: int, method: str) -> str:
    """One outbox row per (UID, attendee, SEQUENCE, METHOD): retries never send twice."""
    who = attendee.email.strip().lower() or attendee.key
    key = f"invite:{uid}:{who}:{sequence}:{method}"
    if len(key) > 255:
        key = "invite:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def when_text(event: InviteEvent) -> str:
    """ "2026-12-02 10:00–12:00 北京时间": local time with the zone named (core.formatting)."""
    zone = "UTC" if event.timezone.upper() in ("UTC", "ETC/UTC") else event.timezone
    return formatting.when_range(event.starts_at, event.ends_at, zone)


def subject_for(*, event: InviteEvent, method: str, is_update: bool) -> str:
    if method == CANCEL:
        return _("[驿站] 已取消：%(title)s") % {"title": event.summary}
    if is_update:
        return _("[驿站] 日程更新：%(title)s") % {"title": event.summary}
    return _("[驿站] 日程邀请：%(title)s") % {"title": event.summary}


def calendar_attachment(*, ics: str, method: str, filename: str = "invite.ics") -> dict:
    return {"filename": filename, "content": ics, "mimetype": f"text/calendar; method={method}"}


def invite_payload(
    *,
    event: InviteEvent,
    attendee: Attendee,
    method: str,
    ics: str,
    is_update: bool,
    notice=None,
    extra_attachments=(),
    language: str = "",
) -> tuple[str, dict]:
    """(subject, outbox payload) for one attendee, in ``language`` (theirs; default the site's).

    ``notice`` (a ``core.notify.Notice``): the change this invite belongs to. Its subject and text lead
    the email, so the person gets one email per change that both tells them and updates their calendar.
    """
    if notice is not None:
        return _notice_payload(
            notice=notice, method=method, ics=ics, extra_attachments=extra_attachments, language=language
        )
    with translation.override(language or settings.LANGUAGE_CODE):
        text, html = _invite_texts(event=event, attendee=attendee, method=method, is_update=is_update)
        subject = subject_for(event=event, method=method, is_update=is_update)
    payload = email_payload(
        text=text,
        html=html,
        # Django adds charset="utf-8"; the method parameter must equal the METHOD inside (RFC 6047 §2.4).
        alternatives=[{"content": ics, "mimetype": f"text/calendar; method={method}"}],
        attachments=[calendar_attachment(ics=ics, method=method), *extra_attachments],
    )
    return subject, payload


def _invite_texts(*, event: InviteEvent, attendee: Attendee, method: str, is_update: bool) -> tuple[str, str]:
    """(text, html) of a plain invite, in the active language."""
    when = when_text(event)
    name = attendee.name or attendee.email or ""
    title = {"title": event.summary}
    if method == CANCEL:
        lead = _("「%(title)s」已取消，或您已不在本场安排中。日历中的这项日程会随之删除。") % title
    elif is_update:
        lead = _("「%(title)s」的安排有变化，请以本邮件为准。") % title
    else:
        lead = _("诚邀您参加「%(title)s」。") % title
    hello = _("%(name)s，您好：") % {"name": name}
    when_line = _("时间：%(when)s") % {"when": when}
    sign = _("— 驿站")
    lines = [hello, "", lead, when_line]
    if event.url:
        lines.append(_("直播间：%(where)s") % {"where": event.url})
    elif event.location:
        lines.append(_("地点：%(where)s") % {"where": event.location})
    if method == REQUEST and event.description:
        lines += ["", event.description]
    lines += ["", sign]
    text = "\n".join(lines)

    html_parts = [
        f"<p>{escape(hello)}</p>",
        f"<p><strong>{escape(lead)}</strong></p>",
        f"<p>{escape(when_line)}</p>",
    ]
    if event.url:
        link = f'<a href="{escape(event.url)}">{escape(event.url)}</a>'
        html_parts.append(f"<p>{escape(_('直播间：%(where)s') % {'where': '@@'}).replace('@@', link)}</p>")
    elif event.location:
        html_parts.append(f"<p>{escape(_('地点：%(where)s') % {'where': event.location})}</p>")
    if method == REQUEST and event.description:
        html_parts.append(f"<p>{escape(event.description).replace(chr(10), '<br>')}</p>")
    html_parts.append(f"<p>{escape(sign)}</p>")
    html = "<!doctype html><html><body>" + "".join(html_parts) + "</body></html>"
    return text, html


def calendar_hint(method: str) -> str:
    """The line that tells what the attached invite.ics does to the person's calendar."""
    if method == REQUEST:
        return _("日历：附件 invite.ics 已更新这项日程，打开即可加入或更新日历。")
    if method == CANCEL:
        return _("日历：附件 invite.ics 会从日历中删除这项日程。")
    return ""


def _notice_payload(
    *, notice, method: str, ics: str, extra_attachments=(), language: str = ""
) -> tuple[str, dict]:
    with translation.override(language or settings.LANGUAGE_CODE):  # the notice's own language
        hint, sign = calendar_hint(method), _("— 驿站")
    text = f"{notice.text}\n\n{hint}\n\n{sign}"
    html = notice.html or (
        "<!doctype html><html><body><p>"
        + escape(notice.text).replace("\n\n", "</p><p>").replace("\n", "<br>")
        + f"</p><p>{escape(hint)}</p><p>{escape(sign)}</p></body></html>"
    )
    payload = email_payload(
        text=text,
        html=html,
        alternatives=[{"content": ics, "mimetype": f"text/calendar; method={method}"}],
        attachments=[calendar_attachment(ics=ics, method=method), *extra_attachments],
    )
    return notice.subject, payload
