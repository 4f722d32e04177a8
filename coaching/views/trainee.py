"""Trainee pages: add one booking to a calendar (.ics download, Google and Outlook links), move a
booking to another class of the same program."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching import selectors, services
from coaching.calendar import BookingInvite
from coaching.models import Booking, Slot
from core.errors import ApplicationError
from invites import builders


def _my_confirmed(request, pk) -> Booking:
    return get_object_or_404(
        selectors.my_bookings(request.user)
        .filter(status=Booking.Status.CONFIRMED)
        .select_related("slot__program", "slot__coach__user", "trainee__user"),
        pk=pk,
    )


@login_required
def booking_ics(request, pk):
    booking = _my_confirmed(request, pk)
    body = builders.build_download(
        event=BookingInvite(booking).event(),
        uid=booking.ical_uid,
        sequence=booking.ical_sequence,
        dtstamp=booking.confirmed_at or booking.created_at,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{booking.pk}.ics"'
    return response


def calendar_links(booking: Booking) -> dict:
    slot = booking.slot
    title = f"直播带货培训：{slot.title}"
    place = slot.location or slot.program.location or slot.online_url or ""
    utc = "%Y%m%dT%H%M%SZ"
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{slot.starts_at.astimezone(UTC):{utc}}/{slot.ends_at.astimezone(UTC):{utc}}",
            "location": place,
            "details": slot.program.title,
        }
    )
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": slot.starts_at.astimezone(UTC).isoformat(),
            "enddt": slot.ends_at.astimezone(UTC).isoformat(),
            "location": place,
        }
    )
    return {"google": google, "outlook": outlook}


@login_required
def booking_move_page(request, pk):
    booking = _my_confirmed(request, pk)
    others = (
        Slot.objects.filter(
            program=booking.slot.program, status=Slot.Status.SCHEDULED, starts_at__gt=timezone.now()
        )
        .exclude(pk=booking.slot_id)
        .order_by("starts_at")[:50]
    )
    if request.method == "POST":
        target = get_object_or_404(
            others.model.objects.filter(pk__in=[s.pk for s in others]), pk=request.POST.get("slot")
        )
        try:
            services.booking_move(booking=booking, to_slot=target, by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("coaching:booking_move", pk=booking.pk)
        messages.success(request, _("已改期到「%(title)s」。") % {"title": target.title})
        return redirect("coaching:my_bookings")
    return render(request, "coaching/trainee/move.html", {"booking": booking, "others": others})
