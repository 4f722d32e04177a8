"""Server-rendered, mobile-first pages: listing, one-minute booking, my bookings, coach sheet, check-in."""

from __future__ import annotations

from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coaching import selectors, services
from coaching.models import ACTIVE_STATUSES, Booking, Slot, Trainee
from coaching.views.trainee import calendar_links
from core import signin
from core.errors import ApplicationError
from core.phones import cn_mobile_mask
from core.throttle import RateLimited, client_ip, rate_check, setting_rate


def _fields(exc: ApplicationError) -> dict:
    return {name: errs if isinstance(errs, list) else [errs] for name, errs in (exc.fields or {}).items()}


def program_list(request):
    programs = (
        selectors.programs_visible_to(request.user).filter(is_published=True).order_by("-created_at")[:50]
    )
    return render(request, "coaching/program_list.html", {"programs": programs})


def program_detail(request, pk):
    program = get_object_or_404(selectors.programs_visible_to(request.user), pk=pk)
    slots = list(selectors.upcoming_slots(program))
    trainee = _trainee(request)
    if trainee is not None:  # the trainee's own state on every class instead of "book" again
        mine = {
            b.slot_id: b
            for b in Booking.objects.filter(trainee=trainee, slot__in=slots, status__in=ACTIVE_STATUSES)
        }
        for slot in slots:
            slot.mine = mine.get(slot.pk)
            if slot.mine is not None:
                slot.mine.position = services.waitlist_position(slot.mine)
    closes = timezone.now()
    for slot in slots:
        slot.closed = slot.starts_at <= closes + timedelta(hours=slot.coach.min_notice_hours)
    return render(request, "coaching/program_detail.html", {"program": program, "slots": slots})


def _trainee(request) -> Trainee | None:
    if not request.user.is_authenticated:
        return None
    return Trainee.objects.filter(user=request.user).first()


def _book_anonymous(request, slot: Slot, values: dict) -> Booking:
    """New trainee: throttled per address and number; a registered number proves itself with an SMS
    code on this page instead of being sent to the login form."""
    ip = client_ip(request)
    code = request.POST.get("code", "").strip()[:12]
    if code:
        user = signin.phone_code_verify(phone=values["phone"], code=code)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return services.booking_create(slot=slot, trainee=Trainee.objects.get(user=user))
    rate_check(scope="booking_page_ip", key=ip, rate=setting_rate("booking_page_ip"))
    rate_check(scope="booking_page_phone", key=values["phone"][-11:], rate=setting_rate("booking_page_phone"))
    booking = services.signup_and_book(slot=slot, **values)
    login(request, booking.trainee.user, backend="django.contrib.auth.backends.ModelBackend")
    return booking


def book(request, pk):
    """One-minute booking: name + mobile (new trainees), one tap (signed-in trainees), or — for the
    class's coach and organizers — booking on behalf of the number entered (代报名) without logging out."""
    slot = get_object_or_404(
        selectors.slots_visible_to(request.user).filter(status=Slot.Status.SCHEDULED), pk=pk
    )
    trainee = _trainee(request)
    on_behalf = (
        request.user.is_authenticated and trainee is None and services.can_manage_slot(request.user, slot)
    )
    errors: dict = {}
    values = {"name": "", "phone": "", "city": ""}
    code_step = False
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:100] for k in values}
        try:
            if trainee is not None:
                booking = services.booking_create(slot=slot, trainee=trainee)
            elif on_behalf:
                booking = services.booking_on_behalf(slot=slot, by=request.user, **values)
            else:
                booking = _book_anonymous(request, slot, values)
        except RateLimited as exc:
            errors, status = {"general": [exc.message]}, 429
            response_headers = {"Retry-After": str(exc.retry_after)}
        except ApplicationError as exc:
            if exc.code == "phone_registered":
                # Known number: send a sign-in code and ask for it right here.
                try:
                    signin.phone_code_request(phone=values["phone"], ip=client_ip(request))
                except RateLimited as wait:
                    errors = {"code": [wait.message]}
                code_step = True
            elif exc.code in ("code_invalid", "code_expired", "code_locked"):
                code_step, errors, status = True, _fields(exc), 400
            else:
                errors, status = _fields(exc) or {"general": [exc.message]}, 400
        else:
            who = booking.trainee.user.name
            if on_behalf:
                messages.success(request, _("已为 %(name)s 预约。") % {"name": who})
                return redirect("coaching:book", pk=slot.pk)
            if booking.status == Booking.Status.CONFIRMED:
                messages.success(request, _("预约成功！我们会在上课前提醒您。"))
            else:
                messages.info(request, _("课程已满，您已加入候补名单，有空位时会通知您。"))
            return redirect("coaching:my_bookings")
    response = render(
        request,
        "coaching/book.html",
        {
            "slot": slot,
            "trainee": trainee,
            "errors": errors,
            "values": values,
            "on_behalf": on_behalf,
            "code_step": code_step,
        },
        status=status,
    )
    if status == 429:
        for name, value in response_headers.items():
            response[name] = value
    if errors:
        response["Cache-Control"] = "no-store"  # a page with an error is never restored by "back"
    return response


@login_required
def my_bookings(request):
    now = timezone.now()
    bookings = list(selectors.my_bookings(request.user)[:100])
    for booking in bookings:
        booking.position = services.waitlist_position(booking)
    # Upcoming active bookings first (soonest first), then cancelled and past ones (latest first).
    upcoming = sorted(
        (b for b in bookings if b.status in ACTIVE_STATUSES and b.slot.ends_at > now),
        key=lambda b: b.slot.starts_at,
    )
    rest = sorted((b for b in bookings if b not in upcoming), key=lambda b: b.slot.starts_at, reverse=True)
    bookings = upcoming + rest
    for booking in upcoming:
        if booking.status == Booking.Status.CONFIRMED:
            booking.links = calendar_links(booking)
    return render(request, "coaching/my_bookings.html", {"bookings": bookings, "now": timezone.now()})


_ACTIONS = {
    "cancel": lambda booking, user: services.booking_cancel(booking=booking, by=user),
    "accept": lambda booking, user: services.offer_accept(booking=booking, by=user),
    "decline": lambda booking, user: services.offer_decline(booking=booking, by=user),
}
_DONE = {
    "cancel": gettext_lazy("已取消预约。"),
    "accept": gettext_lazy("已确认名额，期待与您见面！"),
    "decline": gettext_lazy("已放弃该名额。"),
}


@login_required
@require_POST
def booking_action(request, pk, action):
    if action not in _ACTIONS:
        raise Http404
    booking = get_object_or_404(selectors.my_bookings(request.user), pk=pk)
    try:
        _ACTIONS[action](booking, request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _DONE[action])
    return redirect("coaching:my_bookings")


@login_required
def coach_home(request):
    slots = (
        selectors.slots_managed_by(request.user)
        .filter(ends_at__gte=timezone.now() - timedelta(days=7))
        .order_by("starts_at")[:100]
    )
    return render(request, "coaching/coach_home.html", {"slots": slots})


def _checkin_url(slot: Slot) -> str:
    return settings.SITE_URL + reverse("coaching:checkin", args=[slot.checkin_token])


@login_required
def attendance_sheet(request, pk):
    slot = get_object_or_404(selectors.slots_managed_by(request.user), pk=pk)
    if request.method == "POST":
        booking = get_object_or_404(slot.bookings.all(), pk=request.POST.get("booking"))
        present = request.POST.get("present") == "1"
        try:
            services.attendance_mark(booking=booking, by=request.user, present=present)
        except ApplicationError as exc:
            messages.error(
                request,
                _("还不能点名：签到在上课前 30 分钟开放。") if exc.code == "too_early" else exc.message,
            )
        else:
            name = booking.trainee.user.name
            messages.success(
                request,
                (_("已记 %(name)s 到课。") if present else _("已记 %(name)s 缺课。")) % {"name": name},
            )
        return HttpResponseRedirect(request.path)
    bookings = slot.bookings.filter(status__in=["confirmed", "offered", "waitlisted"]).select_related(
        "trainee__user"
    )
    qr = segno.make(_checkin_url(slot), error="m").svg_inline(scale=5, title=_("签到二维码"))
    return render(
        request,
        "coaching/attendance_sheet.html",
        {
            "slot": slot,
            "bookings": bookings.order_by("status", "priority", "created_at"),
            "qr": qr,
            "checkin_url": _checkin_url(slot),
            "too_early": timezone.now() < slot.starts_at - services.CHECKIN_OPENS_BEFORE,
        },
    )


def checkin(request, token):
    """The trainee scans the station's QR code and confirms attendance. Someone not signed in proves
    their number with an SMS code right here (phone → code → checked in), instead of the login form."""
    slot = get_object_or_404(Slot.objects.select_related("program"), checkin_token=token)
    done = None
    error = None
    errors: dict = {}
    phone = ""
    code_sent = False
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        phone = request.POST.get("phone", "").strip()[:20]
        try:
            if not request.user.is_authenticated and action == "send_code":
                signin.phone_code_request(phone=phone, ip=client_ip(request))
                code_sent = True
            elif not request.user.is_authenticated and action == "verify_code":
                code_sent = True
                user = signin.phone_code_verify(phone=phone, code=request.POST.get("code", "")[:12])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                done = services.booking_check_in(token=token, by=user)
            elif request.user.is_authenticated:
                done = services.booking_check_in(token=token, by=request.user)
        except RateLimited as exc:
            errors, status = _fields(exc) or {"phone": [exc.message]}, 429
            code_sent = code_sent and action == "verify_code"
        except ApplicationError as exc:
            if exc.code in ("code_invalid", "code_expired", "code_locked") or exc.fields:
                errors, status = _fields(exc) or {"code": [exc.message]}, 400
                code_sent = code_sent and "phone" not in errors
            else:
                error = exc.message
    return render(
        request,
        "coaching/checkin.html",
        {
            "slot": slot,
            "done": done,
            "error": error,
            "errors": errors,
            "phone": phone,
            "phone_masked": cn_mobile_mask(phone.replace(" ", "")),
            "code_sent": code_sent,
        },
        status=status,
    )


@login_required
def program_stats(request, pk):
    """Organizer's outcome page: attendance, completion, first livestreams — per program and per coach."""
    program = get_object_or_404(selectors.programs_managed_by(request.user), pk=pk)
    coaches = {slot.coach for slot in program.slots.select_related("coach__user")}
    trainees = Trainee.objects.filter(bookings__slot__program=program).select_related("user").distinct()[:200]
    return render(
        request,
        "coaching/program_stats.html",
        {
            "program": program,
            "stats": selectors.program_stats(program),
            "coach_stats": [selectors.coach_stats(c) for c in sorted(coaches, key=lambda c: c.pk)],
            "progress": [selectors.trainee_progress(t) for t in trainees],
        },
    )
