"""Under /api/ every error is the one JSON error shape, also the ones Django answers before a DRF view
runs (a URL that matches no route, e.g. a malformed id, is Django's HTML 404 page otherwise)."""

from __future__ import annotations

from django.http import JsonResponse

from core.errors import error_body

_CODES = {404: ("not_found", "Not found."), 405: ("method_not_allowed", "Method not allowed.")}


class ApiJsonErrorsMiddleware:
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
            return JsonResponse(error_body(code, message), status=response.status_code)
        return response
