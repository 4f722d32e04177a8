"""The organizer's workspace for sessions and series: home, lists, the session and lineup editor.

Each view translates one form into one service call (``livestreams.services``), exactly as the API does;
scoping comes from the selectors (another union's session or series is a 404).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import organizer_required
from core.errors import ApplicationError
from core.listing import choice_param, paginate, pick, tabs, text_param
from core.models import User
from livestreams import hooks, selectors, services
from livestreams.live import refresh
from livestreams.models import LiveSession, Segment, Series, SessionResult
from livestreams.organizer_forms import (
    PostponeForm,
    ReasonForm,
    SegmentForm,
    SeriesForm,
    SessionForm,
    apply_service_error,
    service_error_text,
    to_local_input,
)

S = LiveSession.Status
STATUS_TABS = [S.DRAFT, S.SCHEDULED, S.LIVE, S.ENDED, S.CANCELLED]


def _sections(name: str, *args) -> list:
    return [html for html in hooks.run(name, *args) if html]


def _union_people(user: User):
    """People an organizer may put on air: the union's members and hosts (superusers: everyone)."""
    qs = User.objects.filter(is_active=True).order_by("display_name", "username")
    if user.is_superuser:
        return qs
    return qs.filter(Q(union_id=user.union_id) | Q(hosted_sessions__union_id=user.union_id)).distinct()


def _hosts_qs(user: User):
    return _union_people(user).filter(role__in=[User.Role.HOST, User.Role.ORGANIZER])


def _sellers_qs(user: User):
    return User.objects.filter(is_active=True, role=User.Role.TRAINEE).order_by("display_name", "username")


def _series_qs(user: User):
    qs = Series.objects.order_by("-created_at")
    return qs if user.is_superuser else qs.filter(union_id=user.union_id)


def _flash_error(request, exc: ApplicationError) -> None:
    messages.error(request, service_error_text(exc))


# --- Home -------------------------------------------------------------------------------------------


@organizer_required
def home(request):
    now = timezone.now()
    mine = selectors.sessions_editable_by(request.user)
    week_end = now + timedelta(days=7)
    context = {
        "live_now": list(mine.filter(status=S.LIVE).order_by("starts_at")),
        "next_sessions": list(
            mine.filter(status=S.SCHEDULED, starts_at__lt=week_end).order_by("starts_at")[:10]
        ),
        "drafts": mine.filter(status=S.DRAFT).count(),
        "unrecomputed": list(
            mine.filter(status=S.ENDED, result__isnull=True).order_by("-ended_at", "-starts_at")[:10]
        ),
        "sections": _sections("organizer_home_sections", request),
    }
    return render(request, "livestreams/organizer/home.html", context)


# --- Session list -------------------------------------------------------------------------------------


@organizer_required
def session_list(request):
    mine = selectors.sessions_editable_by(request.user)
    status = choice_param(request, "status", S.values)
    kind = choice_param(request, "kind", LiveSession.Kind.values)
    query = text_param(request)
    series_options = list(_series_qs(request.user))
    series = pick(series_options, request.GET.get("series", ""))

    filtered = mine
    if kind:
        filtered = filtered.filter(kind=kind)
    if query:
        filtered = filtered.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if series is not None:
        filtered = filtered.filter(series=series)
    counts = dict(filtered.order_by().values_list("status").annotate(n=Count("id")))
    rows = filtered.filter(status=status) if status else filtered
    order = "-starts_at" if status in (S.ENDED, S.CANCELLED) else "starts_at"
    rows = rows.select_related("series", "result").order_by(order)
    keep = {"q": query, "kind": kind, "series": str(series.pk) if series else ""}
    listing = paginate(request, rows, keep={**keep, "status": status})
    context = {
        "listing": listing,
        "page": listing.page,
        "tabs": tabs(
            choices=[("", _("全部")), *((value, S(value).label) for value in STATUS_TABS)],
            counts=counts,
            current=status,
            keep=keep,
        ),
        "status": status,
        "kind": kind,
        "query": query,
        "series": series,
        "series_options": series_options,
        "kinds": LiveSession.Kind.choices,
        "here": request.get_full_path(),
    }
    # Filters and paging swap the list in place (htmx); the same URL without htmx is the whole page.
    template = (
        "livestreams/organizer/_session_list.html"
        if request.htmx
        else "livestreams/organizer/session_list.html"
    )
    return render(request, template, context)


@organizer_required
@require_POST
def session_recompute(request, pk):
    """Recompute an ended session's results now (the same service the beat's debounced refresh uses)."""
    session = selectors.session_for_organizer(request.user, pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = session_url(session)
    if session.status != S.ENDED:
        if request.htmx:
            return HttpResponse(status=409)
        messages.error(request, _("只有已结束的场次可以计算成绩。"))
        return redirect(back)
    refresh.result_refresh_compute(session_id=session.pk)
    if request.htmx:  # the row (or the results card) shows the new time itself
        session = selectors.sessions_editable_by(request.user).select_related("series", "result").get(pk=pk)
        in_row = request.POST.get("fragment") == "row"  # the list swaps the whole row: export links too
        template = (
            "livestreams/organizer/_session_row.html"
            if in_row
            else "livestreams/organizer/_result_state.html"
        )
        return render(request, template, {"session": session, "here": back})
    messages.success(request, _("成绩已重新计算。"))
    return redirect(back)


# --- Session editor ---------------------------------------------------------------------------------


def _session_form(request, data=None, initial=None):
    return SessionForm(
        data, initial=initial, series_qs=_series_qs(request.user), hosts_qs=_hosts_qs(request.user)
    )


@organizer_required
def session_create(request):
    initial = {"timezone": "Asia/Shanghai", "kind": request.GET.get("kind", LiveSession.Kind.JOB_FAIR)}
    series_id = request.GET.get("series", "")
    if _is_uuid(series_id) and _series_qs(request.user).filter(pk=series_id).exists():
        initial["series"] = series_id
    form = _session_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(by=request.user, **form.service_fields())
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("草稿已保存。安排好节目单后点击“安排开播”。"))
            return redirect("livestreams_org:session", pk=session.pk)
    return render(request, "livestreams/organizer/session_form.html", {"form": form, "session": None})


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@organizer_required
def session_edit(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    if session.status in (S.ENDED, S.CANCELLED):
        messages.error(request, _("已结束或已取消的场次不能再修改。"))
        return redirect("livestreams_org:session", pk=session.pk)
    form = _session_form(request, request.POST or None, initial=SessionForm.initial_for(session))
    if session.status == S.LIVE:
        for name in ("kind", "starts_at"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = form.service_fields()
        if session.status == S.LIVE:
            changes.pop("kind", None)
            changes.pop("starts_at", None)
        try:
            services.session_update(session=session, by=request.user, **changes)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("场次已保存。"))
            return redirect("livestreams_org:session", pk=session.pk)
    return render(request, "livestreams/organizer/session_form.html", {"form": form, "session": session})


def _session_context(request, session, *, segment_form=None) -> dict:
    segments = list(
        session.segments.select_related("seller").order_by("starts_at")
        if session.pk
        else Segment.objects.none()
    )
    return {
        "session": session,
        "segments": segments,
        "hosts": list(session.hosts.all()),
        "segment_form": segment_form
        or SegmentForm(
            session=session,
            sellers_qs=_sellers_qs(request.user),
            initial=_next_segment_initial(session, segments),
        ),
        "editable_lineup": session.status in (S.DRAFT, S.SCHEDULED, S.LIVE),
        "sections": _sections("organizer_session_sections", session, request),
        "has_result": _has_result(session),
        "here": session_url(session),
    }


def _has_result(session) -> bool:
    return SessionResult.objects.filter(session=session).exists()


def _next_segment_initial(session, segments) -> dict:
    start = segments[-1].ends_at if segments else session.starts_at
    end = min(start + timedelta(minutes=30), session.ends_at)
    if end <= start:
        return {}
    return {
        "starts_at": to_local_input(start, session.timezone),
        "ends_at": to_local_input(end, session.timezone),
    }


@organizer_required
def session_detail(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    return render(request, "livestreams/organizer/session.html", _session_context(request, session))


@organizer_required
@require_POST
def session_schedule(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    try:
        services.session_schedule(session=session, by=request.user)
    except ApplicationError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("已安排开播：主播和节目单上的人收到了日历邀请。"))
    return redirect("livestreams_org:session", pk=session.pk)


def _who_is_told(session) -> list[dict]:
    people: dict[str, dict] = {}
    for _user, email, name in services.reminder_recipients(session):
        if email:
            people.setdefault(email.lower(), {"name": name, "email": email})
    return list(people.values())


@organizer_required
def session_cancel(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("场次已取消，已通知相关人员。"))
            return redirect("livestreams_org:session", pk=session.pk)
    return render(
        request,
        "livestreams/organizer/confirm.html",
        {
            "session": session,
            "form": form,
            "action": "cancel",
            "people": _who_is_told(session),
            "allowed": session.status in (S.DRAFT, S.SCHEDULED),
        },
    )


@organizer_required
def session_postpone(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    initial = {"starts_at": to_local_input(session.starts_at + timedelta(days=1), session.timezone)}
    form = PostponeForm(request.POST or None, session=session, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_postpone(session=session, by=request.user, delta=form.cleaned_data["delta"])
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("场次和整个节目单已顺延，已向所有相关人员发送日历更新。"))
            return redirect("livestreams_org:session", pk=session.pk)
    return render(
        request,
        "livestreams/organizer/confirm.html",
        {
            "session": session,
            "form": form,
            "action": "postpone",
            "people": _who_is_told(session),
            "segments": session.segments.count(),
            "allowed": session.status in (S.DRAFT, S.SCHEDULED),
        },
    )


def _lifecycle(request, pk, *, action: str):
    session = selectors.session_for_organizer(request.user, pk)
    allowed = session.status == (S.SCHEDULED if action == "go_live" else S.LIVE)
    if request.method == "POST":
        try:
            if action == "go_live":
                services.session_go_live(session=session, by=request.user)
                messages.success(request, _("已手动开播。"))
            else:
                services.session_end(session=session, by=request.user)
                messages.success(request, _("已结束直播，成绩将自动计算。"))
        except ApplicationError as exc:
            _flash_error(request, exc)
        return redirect("livestreams_org:session", pk=session.pk)
    return render(
        request,
        "livestreams/organizer/confirm.html",
        {"session": session, "action": action, "allowed": allowed, "people": []},
    )


@organizer_required
def session_go_live(request, pk):
    return _lifecycle(request, pk, action="go_live")


@organizer_required
def session_end(request, pk):
    return _lifecycle(request, pk, action="end")


# --- Lineup segments ----------------------------------------------------------------------------------


def _lineup_response(request, session):
    """htmx asks for the lineup fragment; a plain form post is redirected to the session page."""
    if request.htmx:
        session.refresh_from_db()
        return render(request, "livestreams/organizer/_lineup.html", _session_context(request, session))
    return redirect(f"{session_url(session)}#lineup")


def session_url(session) -> str:
    return reverse("livestreams_org:session", args=[session.pk])


@organizer_required
@require_POST
def segment_add(request, pk):
    session = selectors.session_for_organizer(request.user, pk)
    form = SegmentForm(request.POST, session=session, sellers_qs=_sellers_qs(request.user))
    if form.is_valid():
        try:
            services.segment_create(session=session, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            if not request.htmx:  # an htmx swap shows the new row itself; no message left for later
                messages.success(request, _("环节已添加。"))
            return _lineup_response(request, session)
    context = _session_context(request, session, segment_form=form)
    template = "livestreams/organizer/_lineup.html" if request.htmx else "livestreams/organizer/session.html"
    return render(request, template, context, status=400)


def _segment(request, pk) -> Segment:
    return get_object_or_404(
        Segment.objects.select_related("session"),
        pk=pk,
        session__in=selectors.sessions_editable_by(request.user),
    )


@organizer_required
def segment_edit(request, pk):
    segment = _segment(request, pk)
    session = segment.session
    form = SegmentForm(
        request.POST or None,
        session=session,
        sellers_qs=_sellers_qs(request.user),
        initial=SegmentForm.initial_for(segment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_update(segment=segment, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("环节已保存。"))
            return redirect(f"{session_url(session)}#lineup")
    return render(
        request,
        "livestreams/organizer/segment_form.html",
        {"form": form, "segment": segment, "session": session},
        status=400 if request.method == "POST" else 200,
    )


@organizer_required
@require_POST
def segment_delete(request, pk):
    segment = _segment(request, pk)
    try:
        services.segment_delete(segment=segment, by=request.user)
    except ApplicationError as exc:
        _flash_error(request, exc)
    else:
        if not request.htmx:
            messages.success(request, _("环节已删除。"))
    return _lineup_response(request, segment.session)


@organizer_required
@require_POST
def segment_move(request, pk, direction):
    segment = _segment(request, pk)
    try:
        services.segment_move(segment=segment, by=request.user, direction=direction)
    except ApplicationError as exc:
        _flash_error(request, exc)
    return _lineup_response(request, segment.session)


# --- Series -------------------------------------------------------------------------------------------


@organizer_required
def series_list(request):
    series = (
        _series_qs(request.user)
        .annotate(
            n_sessions=Count("sessions", distinct=True),
            n_ended=Count("sessions", filter=Q(sessions__status=S.ENDED), distinct=True),
        )
        .prefetch_related(
            Prefetch("sessions", queryset=LiveSession.objects.order_by("starts_at"), to_attr="ordered")
        )
    )
    listing = paginate(request, series)
    return render(
        request, "livestreams/organizer/series_list.html", {"listing": listing, "page": listing.page}
    )


@organizer_required
def series_create(request):
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("系列已创建。"))
            return redirect(f"{_url('livestreams_org:series')}#series-{series.pk}")
    return render(request, "livestreams/organizer/series_form.html", {"form": form, "series": None})


def _url(name, *args) -> str:
    return reverse(name, args=args)


@organizer_required
def series_edit(request, pk):
    series = selectors.series_for_organizer(request.user, pk)
    form = SeriesForm(
        request.POST or None,
        initial={"title": series.title, "description": series.description, "is_public": series.is_public},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.series_update(series=series, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("系列已保存。"))
            return redirect(f"{_url('livestreams_org:series')}#series-{series.pk}")
    return render(request, "livestreams/organizer/series_form.html", {"form": form, "series": series})


# --- Results overview (成效) ------------------------------------------------------------------------


@organizer_required
def results_index(request):
    mine = selectors.sessions_editable_by(request.user)
    ended = mine.filter(status=S.ENDED).select_related("series", "result").order_by("-starts_at")
    listing = paginate(request, ended)
    return render(
        request,
        "livestreams/organizer/results_index.html",
        {
            "listing": listing,
            "page": listing.page,
            "here": request.get_full_path(),
            "series": list(_series_qs(request.user)),
            "sections": _sections("organizer_results_sections", request),
        },
    )
