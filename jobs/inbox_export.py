"""The employer's export of its inbox (current filter): Chinese headers, local times, labels, not codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from jobs.exports import _safe
from jobs.models import Application

HEADERS = [
    "申请时间",
    "姓名",
    "手机号",
    "岗位",
    "直播场次",
    "报名时在播时段",
    "直播第几分钟",
    "渠道",
    "状态",
    "状态更新时间",
    "留言",
]


def _local(value, zone: ZoneInfo) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def rows(applications: Iterable[Application]) -> Iterable[list]:
    default = ZoneInfo(settings.TIME_ZONE)
    channels = dict(Application.Channel.choices)
    statuses = dict(Application.Status.choices)
    for a in applications:
        zone = ZoneInfo(a.session.timezone) if a.session_id and a.session.timezone else default
        yield [
            _local(a.created_at, zone),
            a.name,
            a.phone,
            a.posting.title,
            a.session.title if a.session_id else "",
            a.segment.title if a.segment_id else "",
            "" if a.minute_offset is None else a.minute_offset,
            str(channels.get(a.channel, a.channel)),
            str(statuses.get(a.status, a.status)),
            _local(a.status_changed_at, zone),
            a.note,
        ]


def export_response(
    applications: Iterable[Application], *, company: str, kind: str, today: date
) -> HttpResponse:
    """The file, named 「company-求职者-YYYY-MM-DD」 (RFC 6266 filename* for the Chinese name)."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        for row in rows(applications):
            writer.writerow([_safe(v) for v in row])
        content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("求职者")
        sheet.append(HEADERS)
        for row in rows(applications):
            sheet.append([_safe(v) for v in row])
        out = io.BytesIO()
        workbook.save(out)
        content = out.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"{company}-求职者-{today.isoformat()}.{kind}"
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = (
        f"attachment; filename=\"applicants-{today.isoformat()}.{kind}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "no-store"
    return response
