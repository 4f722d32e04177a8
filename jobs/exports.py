"""CSV and XLSX exports. Employers get full numbers for their own applicants; organizers get masked ones."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

from jobs.models import Application
from jobs.validators import mask_phone

HEADERS = [
    "申请时间",
    "姓名",
    "手机号",
    "岗位",
    "企业",
    "场次",
    "时段",
    "直播第几分钟",
    "渠道",
    "状态",
    "留言",
]


def _rows(applications: Iterable[Application], *, masked: bool) -> Iterable[list]:
    for a in applications:
        yield [
            a.created_at.isoformat(timespec="seconds"),
            a.name,
            mask_phone(a.phone) if masked else a.phone,
            a.posting.title,
            a.posting.employer.name,
            a.session.title if a.session_id else "",
            a.segment.title if a.segment_id else "",
            "" if a.minute_offset is None else a.minute_offset,
            a.channel,
            a.status,
            a.note,
        ]


def _safe(value):
    # Spreadsheet formula injection: applicant-typed text starting with = + - @ is made inert.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export_csv(applications: Iterable[Application], *, masked: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in _rows(applications, masked=masked):
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM so Excel opens Chinese text correctly


def export_xlsx(applications: Iterable[Application], *, masked: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(HEADERS)
    for row in _rows(applications, masked=masked):
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
