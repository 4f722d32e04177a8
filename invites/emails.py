"""The iMIP email around a calendar (RFC 6047): text, HTML and text/calendar alternatives + .ics file.

Plain string formatting on purpose: a 10,000-attendee fan-out renders 10,000 of these.
"""

from __future__ import annotations

import hashlib
from html import escape

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
        return f"[驿站] 已取消 Cancelled: {event.summary}"
    if is_update:
        return f"[驿站] 日程更新 Updated: {event.summary}"
    return f"[驿站] 日程邀请 Invitation: {event.summary}"


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
) -> tuple[str, dict]:
    """(subject, outbox payload) for one attendee.

    ``notice`` (a ``core.notify.Notice``): the change this invite belongs to. Its subject and text lead
    the email, so the person gets one email per change that both tells them and updates their calendar.
    """
    if notice is not None:
        return _notice_payload(notice=notice, method=method, ics=ics, extra_attachments=extra_attachments)
    when = when_text(event)
    name = attendee.name or attendee.email or ""
    if method == CANCEL:
        lead_zh = f"「{event.summary}」已取消，或您已不在本场安排中。日历中的这项日程会随之删除。"
        lead_en = f"“{event.summary}” was cancelled or you are no longer part of it."
    elif is_update:
        lead_zh = f"「{event.summary}」的安排有变化，请以本邮件为准。"
        lead_en = f"“{event.summary}” has changed; this invitation replaces the previous one."
    else:
        lead_zh = f"诚邀您参加「{event.summary}」。"
        lead_en = f"You are invited to “{event.summary}”."
    where = event.url or event.location
    lines = [f"{name}，您好：", "", lead_zh, f"时间：{when}"]
    if where:
        lines.append(f"地点 / 直播间：{where}")
    if method == REQUEST and event.description:
        lines += ["", event.description]
    lines += ["", lead_en, f"When: {when}", "", "— 驿站 Yizhan"]
    text = "\n".join(lines)

    html_parts = [
        f"<p>{escape(name)}，您好：</p>",
        f"<p><strong>{escape(lead_zh)}</strong></p>",
        f"<p>时间 When：{escape(when)}</p>",
    ]
    if event.url:
        html_parts.append(f'<p>直播间 Stream：<a href="{escape(event.url)}">{escape(event.url)}</a></p>')
    elif event.location:
        html_parts.append(f"<p>地点 Where：{escape(event.location)}</p>")
    if method == REQUEST and event.description:
        html_parts.append(f"<p>{escape(event.description).replace(chr(10), '<br>')}</p>")
    html_parts.append(f'<p lang="en">{escape(lead_en)}</p><p>— 驿站 Yizhan</p>')
    html = "<!doctype html><html><body>" + "".join(html_parts) + "</body></html>"

    payload = email_payload(
        text=text,
        html=html,
        # Django adds charset="utf-8"; the method parameter must equal the METHOD inside (RFC 6047 §2.4).
        alternatives=[{"content": ics, "mimetype": f"text/calendar; method={method}"}],
        attachments=[calendar_attachment(ics=ics, method=method), *extra_attachments],
    )
    return subject_for(event=event, method=method, is_update=is_update), payload


CALENDAR_HINT = {
    REQUEST: "日历：附件 invite.ics 已更新这项日程，打开即可加入或更新日历。",
    CANCEL: "日历：附件 invite.ics 会从日历中删除这项日程。",
}


def _notice_payload(*, notice, method: str, ics: str, extra_attachments=()) -> tuple[str, dict]:
    text = f"{notice.text}\n\n{CALENDAR_HINT.get(method, '')}\n\n— 驿站 Yizhan"
    html = notice.html or (
        "<!doctype html><html><body><p>"
        + escape(notice.text).replace("\n\n", "</p><p>").replace("\n", "<br>")
        + f"</p><p>{escape(CALENDAR_HINT.get(method, ''))}</p><p>— 驿站 Yizhan</p></body></html>"
    )
    payload = email_payload(
        text=text,
        html=html,
        alternatives=[{"content": ics, "mimetype": f"text/calendar; method={method}"}],
        attachments=[calendar_attachment(ics=ics, method=method), *extra_attachments],
    )
    return notice.subject, payload
