"""The organizer's coaching setup: programs, classes (one-off or weekly), coach availability, cancelling.

One service call per action (``coaching.services``); another union's program, class or coach is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching import selectors, services
from coaching.models import ACTIVE_STATUSES, Booking, Slot
from coaching.organizer_forms import AvailabilityForm, CancelSlotForm, ProgramForm, SlotForm
from core.access import organizer_required
from core.errors import ApplicationError
from core.listing import choice_param, paginate, tabs, text_param
from livestreams.organizer_forms import apply_service_error


def _program(request, pk):
    return get_object_or_404(selectors.programs_managed_by(request.user), pk=pk)


def _coaches(request):
    return selectors.coaches_visible_to(request.user).order_by("user__display_name", "user__username")


@organizer_required
def program_list(request):
    now = timezone.now()
    state = choice_param(request, "state", ("published", "draft"))
    query = text_param(request)
    managed = selectors.programs_managed_by(request.user)
    if query:
        managed = managed.filter(Q(title__icontains=query) | Q(description__icontains=query))
    counts = dict(managed.order_by().values_list("is_published").annotate(n=Count("id", distinct=True)))
    counts = {"published": counts.get(True, 0), "draft": counts.get(False, 0)}
    rows = managed.filter(is_published=state == "published") if state else managed
    rows = rows.annotate(
        upcoming=Count(
            "slots",
            filter=Q(slots__status=Slot.Status.SCHEDULED, slots__starts_at__gte=now),
            distinct=True,
        ),
        total=Count("slots", distinct=True),
    ).order_by("-created_at")
    listing = paginate(request, rows, keep={"q": query, "state": state})
    context = {
        "listing": listing,
        "programs": listing.page,
        "query": query,
        "state": state,
        "tabs": tabs(
            choices=[("", _("全部")), ("published", _("已发布")), ("draft", _("未发布"))],
            counts=counts,
            current=state,
            keep={"q": query},
            param="state",
        ),
    }
    # Filters and paging swap the list in place (htmx); the same URL without htmx is the whole page.
    template = "coaching/organizer/_program_list.html" if request.htmx else "coaching/organizer/programs.html"
    return render(request, template, context)


@organizer_required
def program_create(request):
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            program = services.program_create(by=request.user, **data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("课程已创建，接下来添加课节。"))
            return redirect("coaching_org:program", pk=program.pk)
    return render(request, "coaching/organizer/program_form.html", {"form": form, "program": None})


@organizer_required
def program_edit(request, pk):
    program = _program(request, pk)
    form = ProgramForm(request.POST or None, initial=ProgramForm.initial_for(program))
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(program=program, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("课程已保存。"))
            return redirect("coaching_org:program", pk=program.pk)
    return render(request, "coaching/organizer/program_form.html", {"form": form, "program": program})


def _program_context(request, program, *, slot_form=None) -> dict:
    now = timezone.now()
    slots = program.slots.select_related("coach__user").order_by("starts_at")
    return {
        "program": program,
        "upcoming": list(slots.filter(ends_at__gte=now)),
        "past": list(slots.filter(ends_at__lt=now).order_by("-starts_at")[:20]),
        "slot_form": slot_form or SlotForm(program=program, coaches_qs=_coaches(request)),
        "coaches": list(_coaches(request)),
    }


@organizer_required
def program_detail(request, pk):
    program = _program(request, pk)
    return render(request, "coaching/organizer/program.html", _program_context(request, program))


@organizer_required
def slot_add(request, pk):
    program = _program(request, pk)
    if request.method != "POST":
        return redirect("coaching_org:program", pk=program.pk)
    form = SlotForm(request.POST, program=program, coaches_qs=_coaches(request))
    if form.is_valid():
        fields = form.service_fields()
        try:
            if form.cleaned_data.get("repeat_weekly"):
                created = services.slots_create_weekly(
                    by=request.user, program=program, until=form.cleaned_data["until"], **fields
                )
            else:
                created = [services.slot_create(by=request.user, program=program, **fields)]
        except ApplicationError as exc:
            week = exc.fields.pop("week", None)
            if week:
                form.add_error(
                    None, _("%(date)s 这一周的课节有冲突，所有课节都没有添加。") % {"date": week[0]}
                )
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已添加 %(n)d 节课。") % {"n": len(created)})
            return redirect(reverse("coaching_org:program", args=[program.pk]) + "#slots")
    context = _program_context(request, program, slot_form=form)
    return render(request, "coaching/organizer/program.html", context, status=400)


@organizer_required
def slot_cancel(request, pk):
    slot = get_object_or_404(
        Slot.objects.select_related("program", "coach__user").filter(
            program__in=selectors.programs_managed_by(request.user)
        ),
        pk=pk,
    )
    form = CancelSlotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_cancel(slot=slot, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("课节已取消，已通知学员并发送日历取消。"))
            return redirect(reverse("coaching_org:program", args=[slot.program_id]) + "#slots")
    booked = list(
        Booking.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).select_related("trainee__user")
    )
    return render(
        request,
        "coaching/organizer/slot_cancel.html",
        {
            "slot": slot,
            "form": form,
            "booked": booked,
            "allowed": slot.status == Slot.Status.SCHEDULED and slot.ends_at > timezone.now(),
        },
    )


@organizer_required
def coach_list(request):
    return render(request, "coaching/organizer/coaches.html", {"coaches": list(_coaches(request))})


@organizer_required
def coach_edit(request, pk):
    coach = get_object_or_404(_coaches(request), pk=pk)
    initial = {
        "buffer_minutes": coach.buffer_minutes,
        "min_notice_hours": coach.min_notice_hours,
        "horizon_days": coach.horizon_days,
        "specialties": coach.specialties,
    }
    form = AvailabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.coach_update(coach=coach, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s 的可约时间规则。") % {"name": coach.user.name})
            return redirect("coaching_org:coaches")
    return render(request, "coaching/organizer/coach_form.html", {"form": form, "coach": coach})
