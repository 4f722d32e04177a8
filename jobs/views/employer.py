"""The employer's workspace: sign-up, team, postings, fair slot requests, applicant inbox, results.

Each view turns a form into one service call and redirects after a successful POST; every queryset is
scoped to the signed-in member's company, so another employer's object is a 404.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.phones import cn_mobile_mask
from jobs import exports, selectors, services
from jobs.forms import INSURANCE_FIELDS, InviteForm, NoteForm, PostingForm, SignupForm
from jobs.models import Application, EmployerInvitation, JobPosting, LineupRequest
from jobs.services.common import PIPELINE, POSTING_TRANSITIONS
from livestreams.models import LiveSession, Segment

PAGE_SIZE = 50


def employer_member(view):
    """Signed in (else the login page) and a member of a company (else 403); sets request.membership."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = selectors.membership_of(request.user)
        if membership is None:
            return HttpResponseForbidden(gettext("只有企业成员可以查看此页面。"))
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def _form_errors(form, exc: ApplicationError, aliases: dict | None = None) -> None:
    """Put a service's field messages on the form's fields (unknown fields go on top of the form)."""
    aliases = aliases or {}
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for field, problems in exc.fields.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, list(problems))


def _error_text(exc: ApplicationError) -> str:
    return " ".join(m for ms in exc.fields.values() for m in ms) or str(exc.message)


# --- Sign-up and team ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if selectors.membership_of(request.user) is not None:
        return redirect("jobs:employer-welcome")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employer = services.employer_signup(
                username=data["contact_email"],
                password=data["password"],
                email=data["contact_email"],
                display_name=data["contact_name"],
                name=data["name"],
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc, {"username": "contact_email"})
        else:
            user = employer.memberships.get().user
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("jobs:employer-welcome")
    status = 400 if request.method == "POST" else 200
    return render(request, "jobs/employer/signup.html", {"form": form}, status=status)


@employer_member
def welcome(request):
    """Where the company stands (awaiting verification or verified) and what it can do now."""
    employer = request.membership.employer
    return render(
        request,
        "jobs/employer/welcome.html",
        {"employer": employer, "drafts": employer.postings.filter(status="draft").count()},
    )


@employer_member
def team(request):
    employer = request.membership.employer
    context = {
        "employer": employer,
        "is_owner": request.membership.role == "owner",
        "members": employer.memberships.select_related("user").order_by("created_at"),
        "invitations": employer.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("-created_at"),
        "form": InviteForm(),
    }
    return render(request, "jobs/employer/team.html", context)


@employer_member
@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.employer_invite(
                employer=request.membership.employer,
                by=request.user,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ApplicationError as exc:
            messages.error(request, _error_text(exc))
        else:
            sent_to = invitation.email or cn_mobile_mask(invitation.phone)
            messages.success(request, gettext("邀请已发送到 %(email)s。") % {"email": sent_to})
            return redirect("jobs:employer-team")
    for problems in form.errors.values():
        messages.error(request, " ".join(problems))
    return redirect("jobs:employer-team")


def _invitation(request, pk) -> EmployerInvitation:
    return get_object_or_404(EmployerInvitation, pk=pk, employer=request.membership.employer)


@employer_member
@require_POST
def invitation_resend(request, pk):
    invitation = _invitation(request, pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("已重新发送邀请给 %(email)s。") % {"email": invitation.email})
    return redirect("jobs:employer-team")


@employer_member
@require_POST
def invitation_revoke(request, pk):
    invitation = _invitation(request, pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("已撤回给 %(email)s 的邀请。") % {"email": invitation.email})
    return redirect("jobs:employer-team")


@employer_member
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(request.membership.employer.memberships.select_related("user"), pk=pk)
    try:
        services.team_member_remove(membership=membership, by=request.user)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("已将 %(name)s 移出团队。") % {"name": membership.user.name})
    return redirect("jobs:employer-team")


# --- Postings --------------------------------------------------------------------------------------

STATUS_GROUPS = [("draft",), ("open", "paused"), ("closed", "filled")]


@employer_member
def postings(request):
    rows = list(selectors.postings_with_counts(request.membership.employer))
    labels = dict(JobPosting.Status.choices)
    groups = [
        {"label": labels[group[0]], "status": group[0], "postings": [p for p in rows if p.status in group]}
        for group in STATUS_GROUPS
    ]
    return render(
        request,
        "jobs/employer/postings.html",
        {"employer": request.membership.employer, "groups": groups, "total": len(rows)},
    )


def _own_posting(request, pk) -> JobPosting:
    return get_object_or_404(selectors.postings_of(request.membership.employer), pk=pk)


def _posting_form_page(request, form, *, posting=None, status=200):
    return render(
        request,
        "jobs/employer/posting_form.html",
        {"form": form, "posting": posting, "insurance": [form[name] for name in INSURANCE_FIELDS]},
        status=status,
    )


@employer_member
@require_http_methods(["GET", "POST"])
def posting_new(request):
    form = PostingForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                posting = services.posting_create(
                    employer=request.membership.employer,
                    by=request.user,
                    publish="publish" in request.POST,
                    **form.service_fields(),
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, gettext("岗位已保存。"))
                return redirect("jobs:employer-posting", pk=posting.pk)
        return _posting_form_page(request, form, status=400)
    return _posting_form_page(request, form)


@employer_member
@require_http_methods(["GET", "POST"])
def posting_edit(request, pk):
    posting = _own_posting(request, pk)
    form = PostingForm(request.POST or None, instance=posting)
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.service_fields().items() if k in form.changed_data}
            try:
                services.posting_update(posting=posting, by=request.user, **changes)
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, gettext("岗位已更新。"))
                return redirect("jobs:employer-posting", pk=posting.pk)
        return _posting_form_page(request, form, posting=posting, status=400)
    return _posting_form_page(request, form, posting=posting)


@employer_member
def posting_detail(request, pk):
    posting = _own_posting(request, pk)
    link = None
    if services.posting_is_open(posting):
        # Idempotent get-or-create: the direct link (no session) exists once the posting is open.
        link = services.shortlink_get_or_create(posting=posting, session=None)
    labels = {
        "open": gettext("发布") if posting.status == "draft" else gettext("重新开放"),
        "paused": gettext("暂停招聘"),
        "closed": gettext("关闭"),
        "filled": gettext("标记为已招满"),
    }
    actions = [
        (code, labels[code])
        for code in JobPosting.Status.values
        if code in POSTING_TRANSITIONS[posting.status]
    ]
    return render(
        request,
        "jobs/employer/posting_detail.html",
        {
            "posting": posting,
            "link": link,
            "link_url": services.shortlink_url(link) if link else "",
            "actions": actions,
            "applicants": posting.applications.count(),
        },
    )


@employer_member
@xframe_options_sameorigin
def posting_preview(request, pk):
    """The apply page exactly as a viewer's phone shows it (drafts too), inside the editor's phone frame."""
    posting = _own_posting(request, pk)
    context = {"posting": posting, "session": None, "link": None, "errors": {}, "values": {}, "preview": True}
    # A viewer is anonymous: the header shows no account and no employer navigation.
    context.update(user=AnonymousUser(), nav_items=[])
    return render(request, "jobs/apply.html", context)


@employer_member
@require_POST
def posting_status(request, pk):
    posting = _own_posting(request, pk)
    try:
        posting = services.posting_set_status(
            posting=posting, by=request.user, status=request.POST.get("status", "")
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("岗位状态：%(status)s") % {"status": posting.get_status_display()})
    return redirect("jobs:employer-posting", pk=posting.pk)


@employer_member
@require_POST
def posting_duplicate(request, pk):
    copy = services.posting_duplicate(posting=_own_posting(request, pk), by=request.user)
    messages.success(request, gettext("已复制为草稿，请检查后发布。"))
    return redirect("jobs:employer-posting-edit", pk=copy.pk)


# --- Fairs -----------------------------------------------------------------------------------------


@employer_member
def fairs(request):
    employer = request.membership.employer
    requests = list(selectors.requests_of(employer))
    active = {r.session_id for r in requests if r.status in LineupRequest.ACTIVE}
    upcoming = [s for s in selectors.fairs_taking_requests(request.user) if s.pk not in active]
    for r in requests:
        if r.status == LineupRequest.Status.APPROVED:
            r.links = {
                link.posting_id: link
                for link in r.session.job_links.filter(posting__in=[p.pk for p in r.postings.all()])
            }
            r.featured = [(p, r.links.get(p.pk)) for p in r.postings.all()]
    return render(
        request,
        "jobs/employer/fairs.html",
        {"employer": employer, "requests": requests, "upcoming": upcoming},
    )


def _free_segments(session):
    return Segment.objects.filter(session=session, seller__isnull=True, lineup_request__isnull=True).order_by(
        "starts_at"
    )


@employer_member
@require_http_methods(["GET", "POST"])
def fair_request(request, pk):
    employer = request.membership.employer
    session = get_object_or_404(selectors.fairs_taking_requests(request.user), pk=pk)
    choosable = list(
        selectors.postings_of(employer).exclude(status__in=["closed", "filled"]).order_by("-created_at")
    )
    segments = list(_free_segments(session))
    errors: dict = {}
    values = {"postings": [], "preferred_segment": "", "note": ""}
    if request.method == "POST":
        values = {
            "postings": request.POST.getlist("postings"),
            "preferred_segment": request.POST.get("preferred_segment", ""),
            "note": request.POST.get("note", "")[:500],
        }
        chosen = [p for p in choosable if str(p.pk) in values["postings"]]
        segment = next((s for s in segments if str(s.pk) == values["preferred_segment"]), None)
        try:
            services.lineup_request_submit(
                employer=employer,
                by=request.user,
                session=session,
                postings=chosen,
                preferred_segment=segment,
                note=values["note"],
            )
        except ApplicationError as exc:
            errors = exc.fields or {"session": [str(exc.message)]}
        else:
            messages.success(request, gettext("申请已提交，等待组织方审核。"))
            return redirect("jobs:employer-fairs")
    context = {
        "session": session,
        "postings": choosable,
        "segments": segments,
        "errors": errors,
        "values": values,
        "employer": employer,
    }
    return render(request, "jobs/employer/fair_request.html", context, status=400 if errors else 200)


@employer_member
@require_POST
def fair_withdraw(request, pk):
    lineup = get_object_or_404(selectors.requests_of(request.membership.employer), pk=pk)
    try:
        services.lineup_withdraw(request=lineup, by=request.user, reason=request.POST.get("reason", "")[:500])
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("已撤回「%(title)s」的申请。") % {"title": lineup.session.title})
    return redirect("jobs:employer-fairs")


# --- Applicants ------------------------------------------------------------------------------------


def _filter_choices(employer) -> dict:
    return {
        "postings": list(
            JobPosting.objects.filter(employer=employer).order_by("-created_at").only("id", "title")
        ),
        "sessions": list(
            LiveSession.objects.filter(applications__posting__employer=employer)
            .distinct()
            .order_by("-starts_at")
            .only("id", "title", "starts_at")
        ),
    }


def _with_next_statuses(applications: list[Application]) -> list[Application]:
    labels = dict(Application.Status.choices)
    for application in applications:
        application.next_statuses = [
            (code, labels[code]) for code in Application.Status.values if code in PIPELINE[application.status]
        ]
    return applications


@employer_member
def inbox(request):
    """Applicants with server-side paging, search by name or phone, and the filters kept in the URL."""
    employer = request.membership.employer
    qs, chosen = selectors.inbox_filter(employer, request.GET)
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    applications = _with_next_statuses(list(page.object_list))
    query = urlencode(chosen)
    return render(
        request,
        "jobs/employer/inbox.html",
        {
            "employer": employer,
            "applications": applications,
            "page": page,
            "chosen": chosen,
            "statuses": Application.Status.choices,
            "channels": Application.Channel.choices,
            "query": query,
            "back": urlencode({**chosen, **({"page": page.number} if page.number > 1 else {})}),
            **_filter_choices(employer),
        },
    )


def _back_to_inbox(request) -> str:
    back = QueryDict(request.POST.get("back", ""))
    query = urlencode({k: back[k] for k in (*selectors.INBOX_FILTERS, "page") if back.get(k)})
    return reverse("jobs:inbox") + (f"?{query}" if query else "")


@employer_member
@require_POST
def inbox_status(request, pk):
    """One pipeline step from the inbox or the detail page; the rules live in application_set_status."""
    application = get_object_or_404(selectors.applications_of(request.membership.employer), pk=pk)
    try:
        application = services.application_set_status(
            application=application,
            by=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", "")[:500],
        )
    except ApplicationError as exc:
        notice = {"tags": "error", "text": f"{application.name}: " + _error_text(exc)}
    else:
        notice = {
            "tags": "success",
            "text": gettext("%(name)s：已更新为「%(status)s」")
            % {"name": application.name, "status": application.get_status_display()},
        }
    if request.htmx and request.POST.get("next") != "detail":
        # htmx: only this applicant's row comes back, with the notice under it (the page stays put).
        _with_next_statuses([application])
        context = {"a": application, "row_notice": notice, "back": request.POST.get("back", "")}
        return render(request, "jobs/employer/_inbox_row.html", context)
    getattr(messages, notice["tags"])(request, notice["text"])
    if request.POST.get("next") == "detail":
        return redirect("jobs:employer-applicant", pk=application.pk)
    return redirect(_back_to_inbox(request))


@employer_member
@require_POST
def inbox_bulk(request):
    try:
        rows = services.applications_bulk_set_status(
            employer=request.membership.employer,
            by=request.user,
            ids=request.POST.getlist("ids"),
            status=request.POST.get("status", ""),
            note=request.POST.get("note", "")[:500],
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        done = [r for r in rows if r.ok]
        if done:
            messages.success(request, gettext("已更新 %(n)d 人。") % {"n": len(done)})
        for row in rows:
            if not row.ok:
                messages.error(request, f"{row.application.name}: {row.message}")
    return redirect(_back_to_inbox(request))


@employer_member
def inbox_export(request, kind):
    employer = request.membership.employer
    qs, _chosen = selectors.inbox_filter(employer, request.GET)
    return exports.applicants_response(
        qs.iterator(chunk_size=2000),
        masked=False,
        subject=employer.name,
        kind=kind,
        today=timezone.localdate(),
    )


@employer_member
@require_http_methods(["GET", "POST"])
def applicant(request, pk):
    """One applicant: where the application came from, the status history (who, when, note), notes."""
    application = get_object_or_404(selectors.applications_of(request.membership.employer), pk=pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.application_add_note(
            application=application, by=request.user, note=form.cleaned_data["note"]
        )
        messages.success(request, gettext("备注已保存。"))
        return redirect("jobs:employer-applicant", pk=application.pk)
    labels = dict(Application.Status.choices)
    events = list(application.events.select_related("by"))
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, "")
    return render(
        request,
        "jobs/employer/applicant.html",
        {
            "a": application,
            "events": events,
            "form": form,
            "next_statuses": [
                (code, labels[code])
                for code in Application.Status.values
                if code in PIPELINE[application.status]
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Results ---------------------------------------------------------------------------------------


@employer_member
def results(request):
    employer = request.membership.employer
    report = selectors.employer_results(employer)
    labels = dict(Application.Status.choices)
    return render(
        request,
        "jobs/employer/results.html",
        {
            "employer": employer,
            "report": report,
            "stages": [labels[s] for s in selectors.PIPELINE_STAGES],
        },
    )
