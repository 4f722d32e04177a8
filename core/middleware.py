"""Hostile input stopped at the door, for every view: NUL characters in the query string and bodies
over the upload limit.

PostgreSQL cannot store or compare text with NUL (``DataError`` → 500), and a view that forgets to check
one query parameter is enough, so no view sees one: the request is answered 400. A body (other than a
file upload) larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 before anything reads it (Django's own
check says 400). API
paths answer in the one JSON error shape; pages with plain text.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views.defaults import page_not_found, permission_denied, server_error

from core.errors import error_body

logger = logging.getLogger("django.request")

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


class StyledErrorPagesMiddleware:
    """The styled 403/404/500 pages also while ``DEBUG`` is on (the dev server, ``make run``), so a
    newcomer sees what a user sees. ``DEBUG_TECHNICAL_ERRORS=1`` brings back Django's debug pages; a
    500 always logs its traceback. Without DEBUG this does nothing: Django's handlers render the same
    templates. API paths are left to DRF and ApiJsonErrorsMiddleware (one JSON error shape)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _active(self, request) -> bool:
        return settings.DEBUG and not settings.DEBUG_TECHNICAL_ERRORS and not _api(request)

    def __call__(self, request):
        response = self.get_response(request)
        # A URL no route matches never reaches a view (so not process_exception): Django's technical
        # 404 page comes back here with no resolver match.
        if (
            response.status_code == 404
            and self._active(request)
            and getattr(request, "resolver_match", None) is None
        ):
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not self._active(request):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request}
        )
        return server_error(request)
