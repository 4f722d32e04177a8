"""The organizer's queues: employers' slot requests per fair, and employers to verify.

Each action is one service call (``jobs.services``); another union's request or fair is a 404, an
employer outside the organizer's scope is a 404 in the list and a 403 from the service.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import organizer_required
from core.errors import ApplicationError
from core.listing import choice_param, paginate, text_param
from jobs import selectors, services
from jobs.models import Employer, LineupRequest
from jobs.organizer_forms import ApproveForm, BulkApproveForm, ReasonForm, UnverifyForm
from livestreams.models import LiveSession, Segment
from livestreams.organizer_forms import apply_service_error, service_error_text

L = LineupRequest.Status
ERROR_TEXT = {
    "employer_not_verified": gettext_lazy("企业尚未通过认证，不能放入节目单。"),
    "invalid_state": gettext_lazy("这个申请的状态已经变化，请刷新后再操作。"),
    "permission_denied": gettext_lazy("这家企业也参加其他工会的场次，认证由平台管理员决定。"),
}


def _error_text(exc: ApplicationError) -> str:
    if exc.code in ERROR_TEXT:
        return str(ERROR_TEXT[exc.code])
    return service_error_text(exc)


def _fair(request, pk) -> LiveSession:
    return get_object_or_404(selectors.fairs_for_organizer(request.user), pk=pk)


def _request(request, pk) -> LineupRequest:
    return get_object_or_404(selectors.lineup_requests_visible_to(request.user), pk=pk)


def _free_segments(session):
    return Segment.objects.filter(session=session, seller__isnull=True, lineup_request__isnull=True).order_by(
        "starts_at"
    )


def _queue_url(session) -> str:
    return reverse("jobs_org:fair-requests", args=[session.pk])


# --- Slot requests --------------------------------------------------------------------------------


@organizer_required
def requests_index(request):
    fairs = (
        selectors.fairs_for_organizer(request.user)
        .filter(status__in=("draft", "scheduled", "live"))
        .annotate(
            n_requested=Count("lineup_requests", filter=Q(lineup_requests__status=L.REQUESTED)),
            n_approved=Count("lineup_requests", filter=Q(lineup_requests__status=L.APPROVED)),
        )
        .order_by("starts_at")
    )
    return render(
        request,
        "jobs/organizer/requests_index.html",
        {"fairs": list(fairs), "pending": list(selectors.pending_requests_for_organizer(request.user)[:50])},
    )


def _queue_context(request, session, *, forms: dict | None = None) -> dict:
    rows = list(
        selectors.lineup_requests_visible_to(request.user)
        .filter(session=session)
        .select_related("segment", "preferred_segment__seller", "preferred_segment__lineup_request__employer")
        .order_by("created_at")
    )
    forms = forms or {}
    free = _free_segments(session)
    free_ids = {segment.pk for segment in free}
    pending = []
    for row in rows:
        if row.status == L.REQUESTED:
            preferred = row.preferred_segment
            row.preferred_free = preferred is not None and preferred.pk in free_ids
            row.preferred_holder = (
                _holder(preferred) if preferred is not None and not row.preferred_free else ""
            )
            row.approve_form = forms.get(("approve", row.pk)) or ApproveForm(
                session=session,
                free_segments=free,
                prefix=f"a{row.pk.hex[:8]}",
                initial={"segment": preferred.pk} if row.preferred_free else None,
            )
            row.decline_form = forms.get(("decline", row.pk)) or ReasonForm(prefix=f"d{row.pk.hex[:8]}")
            pending.append(row)
        elif row.status == L.APPROVED:
            row.remove_form = forms.get(("remove", row.pk)) or ReasonForm(prefix=f"r{row.pk.hex[:8]}")
    return {
        "session": session,
        "pending": pending,
        "approved": sorted(
            (r for r in rows if r.status == L.APPROVED),
            key=lambda r: r.segment.starts_at if r.segment else session.starts_at,
        ),
        "closed": [r for r in rows if r.status not in (L.REQUESTED, L.APPROVED)],
        "can_decide": session.status in ("draft", "scheduled", "live"),
    }


def _holder(segment) -> str:
    """Who has the segment an employer asked for (shown when it is taken)."""
    held = getattr(segment, "lineup_request", None)
    if held is not None and held.status == L.APPROVED:
        return held.employer.name
    if segment.seller_id:
        return segment.seller.name
    return segment.title


def _queue_page(request, session, *, forms: dict | None = None, status: int = 200):
    """The whole page, or (htmx) just the queue, which the decision forms swap in place."""
    context = _queue_context(request, session, forms=forms)
    template = "jobs/organizer/_queue.html" if request.htmx else "jobs/organizer/fair_requests.html"
    return render(request, template, context, status=status)


def _queue_done(request, session):
    """After a decision: htmx gets the fresh queue (with the message); a plain form post is redirected."""
    if request.htmx:
        return _queue_page(request, session)
    return redirect(_queue_url(session))


@organizer_required
def fair_requests(request, pk):
    session = _fair(request, pk)
    return _queue_page(request, session)


def _queue_invalid(request, session, key, form):
    return _queue_page(request, session, forms={key: form}, status=400)


@organizer_required
@require_POST
def request_approve(request, pk):
    obj = _request(request, pk)
    session = obj.session
    form = ApproveForm(
        request.POST, session=session, free_segments=_free_segments(session), prefix=f"a{obj.pk.hex[:8]}"
    )
    if obj.status == L.REQUESTED and obj.preferred_segment_id:
        # The employer's choice is offered even when it was taken since: the service answers why not.
        form.fields["segment"].queryset = _free_segments(session) | Segment.objects.filter(
            pk=obj.preferred_segment_id
        )
    if not form.is_valid():
        return _queue_invalid(request, session, ("approve", obj.pk), form)
    data = form.cleaned_data
    try:
        if data.get("segment"):
            services.lineup_approve(request=obj, by=request.user, segment=data["segment"])
        else:
            services.lineup_approve(
                request=obj,
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                title=data.get("title") or "",
            )
    except ApplicationError as exc:
        if exc.fields and set(exc.fields) <= set(form.fields):
            apply_service_error(form, exc)
            return _queue_invalid(request, session, ("approve", obj.pk), form)
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已批准 %(name)s，已发送日历邀请。") % {"name": obj.employer.name})
    return _queue_done(request, session)


@organizer_required
@require_POST
def requests_approve_selected(request, pk):
    """Approve every ticked request into its preferred segment: one decision (and notice) each."""
    session = _fair(request, pk)
    pending = (
        selectors.lineup_requests_visible_to(request.user)
        .filter(session=session, status=L.REQUESTED)
        .select_related("preferred_segment", "employer")
    )
    form = BulkApproveForm(request.POST, pending=pending)
    if not form.is_valid():
        for error in form.errors.get("requests", []):
            messages.error(request, error)
        return _queue_done(request, session)
    chosen = sorted(form.cleaned_data["requests"], key=lambda r: r.created_at)
    try:
        outcome = services.lineup_approve_preferred_many(requests=chosen, by=request.user)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return _queue_done(request, session)
    if outcome.approved:
        names = _("、").join(r.employer.name for r in outcome.approved)
        messages.success(
            request,
            _("已批准 %(n)s 个申请（%(names)s），已分别发送日历邀请。")
            % {"n": len(outcome.approved), "names": names},
        )
    for skipped, why in outcome.skipped:
        messages.error(request, _("%(name)s 未批准：%(why)s") % {"name": skipped.employer.name, "why": why})
    return _queue_done(request, session)


def _reason_action(request, pk, *, action: str):
    obj = _request(request, pk)
    prefix = {"decline": "d", "remove": "r"}[action] + obj.pk.hex[:8]
    form = ReasonForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _queue_invalid(request, obj.session, (action, obj.pk), form)
    service = services.lineup_decline if action == "decline" else services.lineup_remove
    try:
        service(request=obj, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if action == "decline":
            messages.success(request, _("已拒绝 %(name)s 的申请。") % {"name": obj.employer.name})
        else:
            messages.success(request, _("已将 %(name)s 移出节目单。") % {"name": obj.employer.name})
    return _queue_done(request, obj.session)


@organizer_required
@require_POST
def request_decline(request, pk):
    return _reason_action(request, pk, action="decline")


@organizer_required
@require_POST
def request_remove(request, pk):
    return _reason_action(request, pk, action="remove")


def _employer_people(employer) -> list[str]:
    emails = [m.user.email for m in employer.memberships.select_related("user") if m.user.email]
    if employer.contact_email and employer.contact_email.lower() not in {e.lower() for e in emails}:
        emails.append(employer.contact_email)
    return emails


@organizer_required
def request_reinstate(request, pk):
    """Confirm, then give a suspended request its segment back (or return it to the queue)."""
    obj = _request(request, pk)
    if obj.status != L.SUSPENDED:
        messages.error(request, _("只有已暂停的申请可以恢复。"))
        return redirect(_queue_url(obj.session))
    if request.method == "POST":
        try:
            done = services.lineup_reinstate(request=obj, by=request.user)
        except ApplicationError as exc:
            messages.error(request, service_error_text(exc))  # the service's own field message says why
        else:
            if done.status == L.APPROVED:
                messages.success(
                    request,
                    _("%(name)s 已恢复到原环节，已发送日历更新。") % {"name": obj.employer.name},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s 的原时段已被占用：申请已回到待处理队列，请重新安排。")
                    % {"name": obj.employer.name},
                )
        return redirect(_queue_url(obj.session))
    return render(
        request,
        "jobs/organizer/reinstate.html",
        {
            "r": obj,
            "session": obj.session,
            "plan": services.lineup_reinstate_plan(obj),
            "people": _employer_people(obj.employer),
        },
    )


# --- Employers ------------------------------------------------------------------------------------


@organizer_required
def employer_list(request):
    tab = choice_param(request, "tab", ("pending", "verified", "all"), default="pending")
    query = text_param(request)
    scoped = selectors.employers_for_organizer(request.user)
    counts = {
        "pending": scoped.filter(verified=False).count(),
        "verified": scoped.filter(verified=True).count(),
    }
    rows = scoped
    if tab == "pending":
        rows = rows.filter(verified=False)
    elif tab == "verified":
        rows = rows.filter(verified=True)
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
    union_filter = (
        Q() if request.user.is_superuser else Q(lineup_requests__session__union_id=request.user.union_id)
    )
    rows = rows.annotate(
        n_fairs=Count("lineup_requests__session", filter=union_filter, distinct=True)
    ).order_by("verified", "-created_at")
    listing = paginate(request, rows, keep={"tab": tab, "q": query})
    page = listing.page
    unions = services.employers_fair_unions([e.pk for e in page])
    for employer in page:
        employer.can_decide = services.can_verify_employer(request.user, employer, unions=unions[employer.pk])
        employer.unverify_form = UnverifyForm(prefix=f"u{employer.pk.hex[:8]}")
    # Search, tabs and paging swap the list in place (htmx); without htmx the same URL is the whole page.
    template = "jobs/organizer/_employer_list.html" if request.htmx else "jobs/organizer/employers.html"
    return render(
        request, template, {"listing": listing, "page": page, "tab": tab, "query": query, "counts": counts}
    )


def _employer(request, pk) -> Employer:
    return get_object_or_404(selectors.employers_for_organizer(request.user), pk=pk)


@organizer_required
@require_POST
def employer_verify(request, pk):
    employer = _employer(request, pk)
    verified = request.POST.get("verified") != "false"
    reason = ""
    if not verified:
        form = UnverifyForm(request.POST, prefix=f"u{employer.pk.hex[:8]}")
        if not form.is_valid():
            messages.error(request, _("撤销认证需要填写原因。"))
            return redirect(reverse("jobs_org:employers") + "?tab=verified")
        reason = form.cleaned_data["reason"]
    try:
        services.employer_verify(employer=employer, by=request.user, verified=verified, reason=reason)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if verified:
            messages.success(request, _("%(name)s 已通过认证。") % {"name": employer.name})
        else:
            messages.success(
                request,
                _("%(name)s 的认证已撤销：未结束场次中的环节已暂停，企业已收到原因。")
                % {"name": employer.name},
            )
    return redirect(reverse("jobs_org:employers") + ("?tab=verified" if not verified else ""))
