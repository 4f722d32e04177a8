"""The applicants as a file (CSV/XLSX), for the employer's inbox and the organizer's session report.

One column list for both: headers in the reader's language, times local to the session's zone (the
site's zone for direct applications), channel and status by their labels, no internal ids. Employers
get full numbers for their own applicants; organizers get masked ones and a company column.
Writing (BOM, widths, frozen header, formula-inert text, file names) is core.spreadsheet's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core import formatting, spreadsheet
from core.spreadsheet import INT, TEXT, Sheet
from jobs.models import Application
from jobs.validators import mask_phone


def applicants_sheet(applications: Iterable[Application], *, masked: bool, with_company: bool) -> Sheet:
    def zone(a: Application) -> str:
        return (a.session.timezone if a.session_id else "") or settings.TIME_ZONE

    columns = [
        (_("报名时间"), TEXT, lambda a: formatting.local_text(a.created_at, zone(a))),
        (_("姓名"), TEXT, lambda a: a.name),
        (_("手机号"), TEXT, lambda a: mask_phone(a.phone) if masked else a.phone),
        (_("应聘岗位"), TEXT, lambda a: a.posting.title),
    ]
    if with_company:
        columns.append((_("企业"), TEXT, lambda a: a.posting.employer.name))
    columns += [
        (_("直播场次"), TEXT, lambda a: a.session.title if a.session_id else ""),
        (_("报名时在播时段"), TEXT, lambda a: a.segment.title if a.segment_id else ""),
        (_("直播第几分钟"), INT, lambda a: a.minute_offset),
        (_("渠道"), TEXT, lambda a: a.get_channel_display()),
        (_("状态"), TEXT, lambda a: a.get_status_display()),
        (_("状态更新时间"), TEXT, lambda a: formatting.local_text(a.status_changed_at, zone(a))),
        (_("留言"), TEXT, lambda a: a.note),
    ]
    sheet = Sheet(_("求职者"), [(header, kind) for header, kind, _get in columns])
    sheet.rows = [[get(a) for _h, _k, get in columns] for a in applications]
    return sheet


def applicants_response(
    applications: Iterable[Application], *, masked: bool, subject: str, kind: str, today: date
) -> HttpResponse:
    """The file named 「<company or session>-求职者-YYYY-MM-DD.<kind>」."""
    sheet = applicants_sheet(applications, masked=masked, with_company=masked)
    return spreadsheet.response(
        [sheet], kind=kind, name=spreadsheet.filename(subject, _("求职者"), today, kind)
    )
