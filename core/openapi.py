"""OpenAPI: the one error shape, declared on every operation.

Every error the API answers has the body ``{"error": {"code", "message", "fields"}}`` (core.errors).
This drf-spectacular postprocessing hook adds that ``Error`` component and the error statuses to every
operation, so clients (and the schema-conformance test) know each possible answer.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API (core/errors.py).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Field name → messages (nested objects for nested input).",
                    "additionalProperties": True,
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

ERROR_STATUSES = {
    "400": "Invalid input: field messages in error.fields; nothing was stored.",
    "401": "Not signed in (send `Authorization: Token …`).",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not visible to you (another tenant's objects are 404).",
    "405": "Method not allowed.",
    "409": "The object is in the wrong state for this operation.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
    "503": "Busy (a lock or a backing service); retry after the Retry-After header's seconds.",
}


def postprocess_errors(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
