"""The personal calendar feed and the feed settings page (session and series .ics: livestreams)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_http_methods

from invites import selectors, services

ICS = "text/calendar; charset=utf-8"


def _not_modified(request, etag: str) -> bool:
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in tags or etag in tags


def ics_response(request, *, etag: str, body, filename: str, cache: str) -> HttpResponse:
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body(), content_type=ICS)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


def feed_url(request, user) -> str | None:
    if not user.calendar_token:
        return None
    return request.build_absolute_uri(reverse("invites:personal-feed", args=[user.calendar_token]))


@require_GET
def personal_feed(request, token: str):
    user = selectors.feed_user_for_token(token)
    if user is None:
        # Unknown and revoked tokens get the very same bytes; a calendar app has no use for an HTML page.
        return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")
    now = timezone.now()
    return ics_response(
        request,
        etag=selectors.personal_feed_etag(user=user, now=now),
        body=lambda: selectors.personal_feed_body(user=user, now=now),
        filename="yizhan.ics",
        cache="private, no-cache",
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            services.calendar_token_rotate(user=request.user)
        elif action == "revoke":
            services.calendar_token_revoke(user=request.user)
        else:
            return render(
                request,
                "invites/settings.html",
                {"feed_url": feed_url(request, request.user), "error": "unknown action"},
                status=400,
            )
        return redirect("invites:settings")
    return render(request, "invites/settings.html", {"feed_url": feed_url(request, request.user)})
