"""One application error type and one JSON error shape.

{"error": {"code": "invalid", "message": "…", "fields": {"starts_at": ["…"]}}}
"""

from __future__ import annotations

import orjson
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict | None = None,
        status_code: int | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.headers = headers or {}
        if status_code is not None:
            self.status_code = status_code


class Conflict(ApplicationError):
    """The object is in the wrong state for the operation (409)."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", **kwargs):
        super().__init__(message, code=code, **kwargs)


class Forbidden(ApplicationError):
    """The requester may not do this (403). Always raised, never returned as a body."""

    status_code = 403

    def __init__(self, message: str | None = None, *, code: str = "permission_denied", **kwargs):
        super().__init__(message or gettext("You are not allowed to do this."), code=code, **kwargs)


class NotFound(ApplicationError):
    status_code = 404

    def __init__(self, message: str | None = None, *, code: str = "not_found", **kwargs):
        super().__init__(message or gettext("Not found."), code=code, **kwargs)


class Busy(ApplicationError):
    """A lock could not be taken in time; the client should retry."""

    status_code = 503

    def __init__(self, message: str | None = None, *, code: str = "busy", **kwargs):
        kwargs.setdefault("headers", {"Retry-After": "1"})
        super().__init__(message or gettext("Busy, please retry."), code=code, **kwargs)


def _as_list(value) -> list:
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            out.extend(_as_list(item) if isinstance(item, list | tuple) else [item])
        return out
    return [value]


def _normalize_fields(detail) -> dict:
    if isinstance(detail, dict):
        fields = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                fields[key] = _normalize_fields(value)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                fields[key] = [_normalize_fields(v) for v in value]
            else:
                fields[key] = [str(v) for v in _as_list(value)]
        return fields
    return {"non_field_errors": [str(v) for v in _as_list(detail)]}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def error_response(exc: ApplicationError) -> HttpResponse:
    """An ApplicationError as the plain Django response the DRF handler below renders for it (same
    status, body and headers), for the few plain views on hot paths."""
    response = HttpResponse(
        orjson.dumps(error_body(exc.code, exc.message, exc.fields)),
        status=exc.status_code,
        content_type="application/json",
    )
    for name, value in exc.headers.items():
        response[name] = value
    return response


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=exc.headers
        )
    if isinstance(exc, RequestDataTooBig):  # a chunked body with no Content-Length, over the limit
        return Response(error_body("payload_too_large", gettext("Request body too large.")), status=413)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("invalid", gettext("Invalid input."), fields), status=400)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ParseError):  # DRF's own text quotes the parser's English
        response.data = error_body("parse_error", gettext("The request body could not be read."))
    elif isinstance(exc, drf_exceptions.ValidationError):
        response.data = error_body("invalid", gettext("Invalid input."), _normalize_fields(exc.detail))
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response
