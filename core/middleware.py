"""Hostile input stopped at the door, for every view: NUL characters in the query string and bodies
over the upload limit.

PostgreSQL cannot store or compare text with NUL (``DataError`` → 500), and a view that forgets to check
one query parameter is enough, so no view sees one: the request is answered 400. A body (other than a
file upload) larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 before anything reads it (Django's own
check says 400). API
paths answer in the one JSON error shape; pages with plain text.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_lazy

from core.errors import error_body

NUL = "\x00"


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request, status: int, code: str, message: str, fields: dict | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(error_body(code, message, fields or {}), status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class HostileRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # File uploads (multipart) stream to disk and each view limits its file, as Django's own check does.
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if limit is not None and not multipart and length.isdigit() and int(length) > limit:
            return _refuse(
                request,
                413,
                "payload_too_large",
                gettext("Request body over %(limit)d bytes.") % {"limit": limit},
            )
        if NUL in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            bad = {
                key.replace(NUL, "\\0"): [gettext("May not contain NUL characters.")]
                for key, values in request.GET.lists()
                if NUL in key or any(NUL in v for v in values)
            }
            if bad:
                return _refuse(
                    request, 400, "invalid", gettext("Query parameters may not contain NUL characters."), bad
                )
        return self.get_response(request)


_CODES = {
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("Method not allowed.")),
}


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is the one JSON error shape, also the ones Django answers before a DRF
    view runs (a URL that matches no route, e.g. a malformed id, is Django's HTML 404 page otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/v1/")
            and response.status_code in _CODES
            and response.get("Content-Type", "").startswith("text/html")
        ):
            code, message = _CODES[response.status_code]
            return JsonResponse(error_body(code, str(message)), status=response.status_code)
        return response
