"""Coach pages beyond the sheet itself: mark all present, attendance export, message the class."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coaching import selectors, services
from core.errors import ApplicationError


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
def attendance_export(request, pk):
    slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
    bookings = slot.bookings.filter(status="confirmed").select_related("trainee__user").order_by("created_at")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{slot.pk}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese names correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([_("学员"), _("手机"), _("出勤"), _("签到时间")])
    for b in bookings:
        name = b.trainee.user.name
        if name[:1] in "=+-@":  # never let a spreadsheet run a formula from a name
            name = "'" + name
        writer.writerow(
            [
                name,
                b.trainee.masked_phone,
                b.get_attendance_display(),
                b.checked_in_at.isoformat() if b.checked_in_at else "",
            ]
        )
    return response


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
