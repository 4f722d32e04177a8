"""Server-rendered pages: the one-minute apply page (mobile first), QR images, fair lineup, employer inbox."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseForbidden, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from jobs import qr, selectors, services
from jobs.models import Application, EmployerInvitation, JobPosting, ShortLink
from jobs.ratelimit import client_ip
from jobs.validators import mask_phone
from livestreams.models import LiveSession
from livestreams.selectors import sessions_visible_to


def _apply(request, *, posting: JobPosting, session, link: ShortLink | None):
    """The phone form: one service call (validate, rate-limit, submit), the same answers as the API."""
    context = {"posting": posting, "session": session, "link": link, "errors": {}, "values": {}}
    if not services.posting_is_open(posting):
        # Closed (also when the form was opened before it closed): the API's 409, and the fair's other jobs.
        context.update(closed=True, other_jobs=selectors.other_open_jobs(posting=posting, session=session))
        status = services.posting_closed_error().status_code if request.method == "POST" else 200
        return render(request, "jobs/apply.html", context, status=status)
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "phone", "note")}
        context["values"] = values
        try:
            application, created = services.application_submit_public(
                posting=posting,
                session=session,
                name=values["name"],
                phone=values["phone"],
                note=values["note"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            if exc.code == "posting_closed":  # closed between the check above and the insert
                context.update(
                    closed=True, other_jobs=selectors.other_open_jobs(posting=posting, session=session)
                )
            context["errors"] = exc.fields
            context["message"] = exc.message
            response = render(request, "jobs/apply.html", context, status=exc.status_code)
            for header, value in exc.headers.items():
                response[header] = value
            return response
        return render(
            request,
            "jobs/applied.html",
            {
                "posting": posting,
                "session": session,
                "application": application,
                "created": created,
                "masked_phone": mask_phone(application.phone),
            },
            status=201 if created else 200,
        )
    return render(request, "jobs/apply.html", context)


@require_http_methods(["GET", "POST"])
def apply_short(request, code):
    link = get_object_or_404(ShortLink.objects.select_related("posting__employer", "session"), code=code)
    return _apply(request, posting=link.posting, session=link.session, link=link)


@require_http_methods(["GET", "POST"])
def apply_direct(request, pk):
    posting = get_object_or_404(JobPosting.objects.select_related("employer").exclude(status="draft"), pk=pk)
    return _apply(request, posting=posting, session=None, link=None)


@cache_control(public=True, max_age=86400)
def qr_image(request, code, kind):
    link = get_object_or_404(ShortLink, code=code)
    url = services.shortlink_url(link)
    if kind == "png":
        return HttpResponse(qr.qr_png(url), content_type="image/png")
    return HttpResponse(qr.qr_svg(url), content_type="image/svg+xml")


def fair_lineup(request, pk):
    session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
    return render(request, "jobs/fair.html", {"session": session, "lineup": selectors.public_lineup(session)})


def _inbox_filters(request, employer) -> dict:
    """The inbox's filters (status, posting, session) from the query string; unknown values are ignored."""
    postings = list(JobPosting.objects.filter(employer=employer).order_by("-created_at").only("id", "title"))
    sessions = list(
        LiveSession.objects.filter(applications__posting__employer=employer)
        .distinct()
        .order_by("-starts_at")
        .only("id", "title", "starts_at")
    )
    chosen = {
        "status": request.GET.get("status", ""),
        "posting": request.GET.get("posting", ""),
        "session": request.GET.get("session", ""),
    }
    if chosen["status"] not in Application.Status.values:
        chosen["status"] = ""
    if chosen["posting"] not in {str(p.pk) for p in postings}:
        chosen["posting"] = ""
    if chosen["session"] not in {str(s.pk) for s in sessions}:
        chosen["session"] = ""
    return {"chosen": chosen, "postings": postings, "sessions": sessions}


@login_required
def employer_inbox(request):
    """The employer's applicants: filter by status, posting and session; move each along the pipeline."""
    membership = selectors.membership_of(request.user)
    if membership is None:
        return HttpResponseForbidden(gettext("Only employer members can see this page."))
    filters = _inbox_filters(request, membership.employer)
    chosen = filters["chosen"]
    qs = selectors.applications_of(membership.employer)
    if chosen["status"]:
        qs = qs.filter(status=chosen["status"])
    if chosen["posting"]:
        qs = qs.filter(posting_id=chosen["posting"])
    if chosen["session"]:
        qs = qs.filter(session_id=chosen["session"])
    applications = list(qs[:500])
    labels = dict(Application.Status.choices)
    for application in applications:
        application.next_statuses = [
            (code, labels[code])
            for code in Application.Status.values
            if code in services.PIPELINE[application.status]
        ]
    return render(
        request,
        "jobs/inbox.html",
        {
            "employer": membership.employer,
            "applications": applications,
            "status": chosen["status"],
            "statuses": Application.Status.choices,
            "query": urlencode({k: v for k, v in chosen.items() if v}),
            **filters,
        },
    )


@login_required
@require_http_methods(["POST"])
def employer_inbox_status(request, pk):
    """One pipeline step from the inbox (a form per row); the rules live in services.application_set_status."""
    membership = selectors.membership_of(request.user)
    if membership is None:
        return HttpResponseForbidden(gettext("Only employer members can see this page."))
    application = get_object_or_404(selectors.applications_of(membership.employer), pk=pk)
    try:
        services.application_set_status(
            application=application,
            by=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", "")[:500],
        )
    except ApplicationError as exc:
        problems = [m for messages_ in (exc.fields or {}).values() for m in messages_] or [str(exc.message)]
        messages.error(request, f"{application.name}: " + " ".join(problems))
    else:
        messages.success(
            request,
            gettext("%(name)s：已更新为「%(status)s」")
            % {"name": application.name, "status": application.get_status_display()},
        )
    # Back to the same filtered list: only the inbox's own filter keys survive the round trip.
    back = QueryDict(request.POST.get("back", ""))
    query = urlencode({k: back[k] for k in ("status", "posting", "session") if back.get(k)})
    return redirect(reverse("jobs:inbox") + (f"?{query}" if query else ""))


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """A recruiter accepts the owner's emailed invitation: choose a username and password, then the inbox."""
    invitation = EmployerInvitation.objects.select_related("employer").filter(token=token).first()
    valid = invitation is not None and not invitation.accepted_at and invitation.expires_at > timezone.now()
    if not valid:  # unknown, used and expired tokens all look the same
        return render(request, "jobs/invitation.html", {"invalid": True}, status=404)
    context = {"invitation": invitation, "errors": {}, "values": {}}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("username", "display_name")}
        context["values"] = values
        try:
            membership = services.invitation_accept(
                token=token,
                username=values["username"],
                password=request.POST.get("password", ""),
                display_name=values["display_name"],
            )
        except ApplicationError as exc:
            context["errors"] = exc.fields or {"token": [str(exc.message)]}
            return render(request, "jobs/invitation.html", context, status=400)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("jobs:inbox")
    return render(request, "jobs/invitation.html", context)
