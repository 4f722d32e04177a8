"""Emails to an employer when the organizer decides on it: verified / un-verified, a slot request
approved / declined / suspended. One function, through the outbox (the notifications issue adds SMS)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core import formatting
from core.outbox import email_payload, outbox_enqueue
from jobs.models import Employer, LineupRequest

_SUBJECTS = {
    "verified": "[驿站] 企业已通过审核",
    "unverified": "[驿站] 企业审核状态已撤销",
    "approved": "[驿站] 直播带岗时段申请已通过",
    "declined": "[驿站] 直播带岗时段申请未通过",
    "suspended": "[驿站] 直播带岗时段已暂停",
    "removed": "[驿站] 直播带岗时段已取消",
}


def _body(kind: str, employer: Employer, request: LineupRequest | None) -> str:
    base = settings.SITE_URL
    if request is None:
        if kind == "verified":
            return (
                f"「{employer.name}」已通过工会审核。现在可以发布岗位，并在直播专场中展示。\n"
                f"岗位管理：{base}/jobs/employer/postings/\n"
            )
        return (
            f"「{employer.name}」的审核状态已被组织方撤销，尚未结束的直播专场中的时段已暂停。"
            f"如有疑问请联系组织方。\n{base}/jobs/employer/welcome/\n"
        )
    session = request.session
    zone = ZoneInfo(session.timezone or settings.TIME_ZONE)
    when = formatting.when(session.starts_at, session.timezone)
    lines = [f"直播专场：{session.title}（{when}）"]
    if kind == "approved" and request.segment_starts_at and request.segment_ends_at:
        start = timezone.localtime(request.segment_starts_at, zone).strftime("%H:%M")
        end = timezone.localtime(request.segment_ends_at, zone).strftime("%H:%M")
        lines.append(f"您的时段：{start}–{end}")
    if request.reason:
        lines.append(f"组织方说明：{request.reason}")
    lines.append(f"查看申请：{base}/jobs/employer/fairs/")
    return "\n".join(lines) + "\n"


def employer_notice_send(*, employer: Employer, kind: str, request: LineupRequest | None = None) -> bool:
    """Queue one email to the company contact (idempotent per decision: the key names the state)."""
    if kind not in _SUBJECTS or not employer.contact_email:
        return False
    if request is None:
        stamp = employer.verified_at.isoformat() if employer.verified_at else timezone.now().isoformat()
        key = f"jobs:employer-notice:{employer.pk}:{kind}:{stamp}"
    else:
        key = f"jobs:lineup-notice:{request.pk}:{kind}:{request.updated_at.isoformat()}"
    return outbox_enqueue(
        key=key,
        recipient=employer.contact_email,
        subject=_SUBJECTS[kind],
        payload=email_payload(text=_body(kind, employer, request)),
    )
