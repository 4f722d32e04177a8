"""Server-rendered pages: the one-minute apply page (mobile first), QR images, fair lineup, invitations.

The employer's inbox and the rest of its workspace are in jobs/views/employer.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import login
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from jobs import qr, selectors, services
from jobs.models import Application, EmployerInvitation, JobPosting, ShortLink
from jobs.ratelimit import client_ip
from jobs.validators import mask_phone
from livestreams.selectors import sessions_visible_to

_DONE_SALT = "jobs.apply.done"


def _confirmation(request, *, posting: JobPosting, session):
    try:
        done = signing.loads(request.GET["done"], salt=_DONE_SALT, max_age=24 * 3600)
        application = Application.objects.get(pk=done["a"], posting=posting)
    except (signing.BadSignature, KeyError, ValueError, TypeError, Application.DoesNotExist):
        return None  # a stale or edited link shows the form again
    context = {
        "posting": posting,
        "session": session,
        "application": application,
        "created": bool(done.get("c")),
        "masked_phone": mask_phone(application.phone),
    }
    return render(request, "jobs/applied.html", context)


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
            applied = services.application_submit_public(
                code=link.code if link else None,
                posting_id=posting.pk,
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
            response["Cache-Control"] = "no-store"  # never restored from the back-forward cache
            return response
        # Redirect after POST: reload and back never re-send the form or show a stale error. The
        # confirmation page is the same URL with a signed "done" token (no session row per applicant).
        token = signing.dumps({"a": str(applied.id), "c": applied.created}, salt=_DONE_SALT, compress=True)
        return redirect(f"{request.path}?{urlencode({'done': token})}", permanent=False)
    if request.GET.get("done"):
        confirmation = _confirmation(request, posting=posting, session=session)
        if confirmation is not None:
            return confirmation
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
