"""Coach pages beyond the sheet itself: mark all present, attendance export, message the class."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coaching import selectors, services
from core import formatting, spreadsheet
from core.errors import ApplicationError
from core.spreadsheet import TEXT, Sheet


@login_required
@require_POST
def mark_all_present(request, pk):
    slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
    try:
        marked = services.attendance_mark_all(slot=slot, by=request.user)
    except ApplicationError as exc:
        messages.error(
            request, _("还不能点名：签到在上课前 30 分钟开放。") if exc.code == "too_early" else exc.message
        )
    else:
        messages.success(request, _("已将 %(n)s 位学员记为到课。") % {"n": marked})
    return redirect("coaching:sheet", pk=slot.pk)


@login_required
def attendance_export(request, pk, kind="csv"):
    """The class's attendance as a file named 「<class>-出勤-<local date>」; times in the class's zone."""
    slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
    bookings = slot.bookings.filter(status="confirmed").select_related("trainee__user").order_by("created_at")
    sheet = Sheet(
        _("出勤"),
        [(_("学员"), TEXT), (_("手机"), TEXT), (_("出勤"), TEXT), (_("签到时间"), TEXT)],
    )
    for b in bookings:
        sheet.rows.append(
            [
                b.trainee.user.name,
                b.trainee.masked_phone,
                b.get_attendance_display(),
                formatting.local_text(b.checked_in_at, slot.timezone),
            ]
        )
    day = formatting.local(slot.starts_at, slot.timezone).date()
    return spreadsheet.response(
        [sheet], kind=kind, name=spreadsheet.filename(slot.title, _("出勤"), day, kind)
    )


@login_required
@require_POST
def message_class(request, pk):
    slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
    try:
        told = services.slot_message(slot=slot, by=request.user, text=request.POST.get("text", "")[:600])
    except ApplicationError as exc:
        messages.error(request, _("请输入 1–500 字的消息。") if exc.fields else exc.message)
    else:
        messages.success(request, _("消息已发送给 %(n)s 位学员。") % {"n": told})
    return redirect("coaching:sheet", pk=slot.pk)
