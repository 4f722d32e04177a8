"""Notices to an employer when the organizer decides on it: verified / un-verified, a slot request
approved / declined / suspended. One function, through the notification service: every member of the
employer's team gets it on their own channels (email, SMS, both; times in their own zone), and the
company contact address, if nobody on the team uses it, by email."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import formatting
from core.models import User
from core.notify import Notice, channels_for, notice_language, notify, notify_email, user_zone
from core.outbox import email_payload, outbox_enqueue
from jobs.models import Employer, LineupRequest

_SUBJECTS = {
    "verified": gettext_noop("[驿站] 企业已通过审核"),
    "unverified": gettext_noop("[驿站] 企业审核状态已撤销"),
    "approved": gettext_noop("[驿站] 直播带岗时段申请已通过"),
    "declined": gettext_noop("[驿站] 直播带岗时段申请未通过"),
    "suspended": gettext_noop("[驿站] 直播带岗时段已暂停"),
    "removed": gettext_noop("[驿站] 直播带岗时段已取消"),
}


_SMS = {
    "verified": gettext_noop("【驿站】「%(employer)s」已通过工会审核，可以发布岗位了。"),
    "unverified": gettext_noop("【驿站】「%(employer)s」的审核状态已被撤销，详情见邮件或驿站。"),
    "approved": gettext_noop("【驿站】直播带岗时段申请已通过：%(session)s"),
    "declined": gettext_noop("【驿站】直播带岗时段申请未通过：%(session)s"),
    "suspended": gettext_noop("【驿站】直播带岗时段已暂停：%(session)s"),
    "removed": gettext_noop("【驿站】直播带岗时段已取消：%(session)s"),
}


def _body_text(kind: str, employer: Employer, request: LineupRequest | None, zone_name: str = "") -> str:
    base = settings.SITE_URL
    if request is None:
        facts = {"employer": employer.name}
        if kind == "verified":
            return (
                gettext("「%(employer)s」已通过工会审核。现在可以发布岗位，并在直播专场中展示。") % facts
                + "\n"
                + gettext("岗位管理：%(url)s") % {"url": f"{base}/jobs/employer/postings/"}
                + "\n"
            )
        return (
            gettext(
                "「%(employer)s」的审核状态已被组织方撤销，尚未结束的直播专场中的时段已暂停。如有疑问请联系组织方。"
            )
            % facts
            + f"\n{base}/jobs/employer/welcome/\n"
        )
    session = request.session
    zone_name = zone_name or session.timezone or settings.TIME_ZONE
    zone = ZoneInfo(zone_name)
    when = formatting.when(session.starts_at, zone_name)
    lines = [gettext("直播专场：%(title)s（%(when)s）") % {"title": session.title, "when": when}]
    if kind == "approved" and request.segment_starts_at and request.segment_ends_at:
        start = timezone.localtime(request.segment_starts_at, zone).strftime("%H:%M")
        end = timezone.localtime(request.segment_ends_at, zone).strftime("%H:%M")
        lines.append(gettext("您的时段：%(start)s–%(end)s") % {"start": start, "end": end})
    if request.reason:
        lines.append(gettext("组织方说明：%(reason)s") % {"reason": request.reason})
    lines.append(gettext("查看申请：%(url)s") % {"url": f"{base}/jobs/employer/fairs/"})
    return "\n".join(lines) + "\n"


def employer_notice_send(
    *,
    employer: Employer,
    kind: str,
    request: LineupRequest | None = None,
    by_invite: Callable[[dict], set] | None = None,
) -> bool:
    """Queue the notice for every team member by preference, and the contact address by email
    (idempotent per decision: the key names the state). Returns True if anything was queued."""
    if kind not in _SUBJECTS:
        return False
    if request is None:
        stamp = employer.verified_at.isoformat() if employer.verified_at else timezone.now().isoformat()
        key = f"jobs:employer-notice:{employer.pk}:{kind}:{stamp}"
    else:
        key = f"jobs:lineup-notice:{request.pk}:{kind}:{request.updated_at.isoformat()}"
    session_title = request.session.title if request is not None else ""
    zone = request.session.timezone if request is not None else settings.TIME_ZONE

    def words_for(user: User | None) -> Words:
        return Words(
            subject=gettext(_SUBJECTS[kind]),
            text=_body_text(kind, employer, request, user_zone(user, zone) if user else ""),
            sms_text=gettext(_SMS[kind]) % {"employer": employer.name, "session": session_title},
        )

    return employer_team_tell(
        employer=employer,
        key=key,
        kind=f"employer_{kind}",
        words_for=words_for,
        sms_params={"employer": employer.name[:20], "session": session_title[:20]},
        by_invite=by_invite,
    )


@dataclass(frozen=True)
class Words:
    """What one person reads of a notice, in their language and zone."""

    subject: str
    text: str
    sms_text: str = ""


def employer_team_tell(
    *,
    employer: Employer,
    key: str,
    kind: str,
    words_for: Callable[[User | None], Words],
    sms_params: dict,
    contact_key: str = "",
    by_invite: Callable[[dict], set] | None = None,
    attachments: dict | None = None,
) -> bool:
    """Tell every member of the employer's team on their own channels (``words_for(user)``: the notice in
    that person's language and zone, called inside ``notice_language(user)``), then the company contact
    address by email (``words_for(None)``: the site's language) when no member who gets email uses it.
    Idempotent per ``key``. Returns True if anything was queued.

    ``by_invite``: one email per change. It is given {attendee key: notice} for everyone who reads
    email, publishes the calendar change with those notices in the invite emails, and returns the keys
    it emailed; they get no second email (SMS still goes by preference).

    ``attachments``: {attendee key: [calendar attachment]}, the CANCELs this change held back
    (``Extras.hold_keys``); each such person's notice email carries theirs, and a person who otherwise
    reads SMS only gets that one email too (it replaces the CANCEL they would have had)."""
    attachments = attachments or {}
    members = []
    for membership in employer.memberships.select_related("user").order_by("pk"):
        user = membership.user
        with notice_language(user):
            words = words_for(user)
        carried = tuple(attachments.get(f"u{user.pk}", ()))
        notice = Notice(
            key=f"{key}:u{user.pk}",
            kind=kind,
            subject=words.subject,
            text=words.text,
            sms_text=words.sms_text,
            sms_params=sms_params,
            attachments=carried,
        )
        reads_email = bool(user.email) and ("email" in channels_for(user) or bool(carried))
        members.append((user, notice, reads_email))
    addresses = {user.email.strip().lower() for user, _, reads_email in members if reads_email}
    contact = (employer.contact_email or "").strip()
    contact_notice = None
    if contact and contact.lower() not in addresses:
        with notice_language():
            words = words_for(None)
        contact_notice = Notice(key=contact_key or key, kind=kind, subject=words.subject, text=words.text)
    emailed: set = set()
    if by_invite is not None:
        wanted = {f"u{user.pk}": notice for user, notice, reads_email in members if reads_email}
        if contact_notice is not None:
            wanted[contact.lower()] = contact_notice
        emailed = by_invite(wanted)
    told = bool(emailed)
    for user, notice, reads_email in members:
        elsewhere = f"u{user.pk}" in emailed
        if notice.attachments and reads_email and not elsewhere and "email" not in channels_for(user):
            notify_email(user=user, notice=notice)  # the held CANCELs' one email
            elsewhere = True
        channels = notify(user=user, notice=notice, email_sent_elsewhere=elsewhere)
        told = told or bool(channels)
    if contact_notice is not None and contact.lower() not in emailed:
        queued = outbox_enqueue(
            key=contact_notice.key,
            recipient=contact,
            subject=contact_notice.subject,
            payload=email_payload(
                text=contact_notice.text, attachments=list(attachments.get(contact.lower(), ()))
            ),
        )
        told = bool(queued) or told
    return told
