"""Server-rendered pages: the one-minute apply page (mobile first), QR images, fair lineup, employer inbox."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from jobs import qr, selectors, services
from jobs.models import Application, JobPosting, ShortLink
from jobs.ratelimit import apply_rate_check, client_ip
from jobs.validators import mask_phone
from livestreams.selectors import sessions_visible_to


def _apply(request, *, posting: JobPosting, session, link: ShortLink | None):
    context = {"posting": posting, "session": session, "link": link, "errors": {}, "values": {}}
    if not services.posting_is_open(posting):
        context["closed"] = True
    if request.method == "POST" and not context.get("closed"):
        values = {k: request.POST.get(k, "") for k in ("name", "phone", "note")}
        context["values"] = values
        try:
            try:
                name, phone, note = services._validate_applicant(
                    values["name"], values["phone"], values["note"]
                )
            except ApplicationError:
                apply_rate_check(ip=client_ip(request), phone=None)  # hostile junk still counts per IP
                raise
            apply_rate_check(ip=client_ip(request), phone=phone)
            application, created = services.application_submit(
                posting=posting, session=session, name=name, phone=phone, note=note, validated=True
            )
        except ApplicationError as exc:
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


@login_required
def employer_inbox(request):
    membership = selectors.membership_of(request.user)
    if membership is None:
        return HttpResponseForbidden(gettext("Only employer members can see this page."))
    qs = selectors.applications_of(membership.employer)
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "jobs/inbox.html",
        {
            "employer": membership.employer,
            "applications": qs[:500],
            "status": status,
            "statuses": Application.Status.choices,
        },
    )
