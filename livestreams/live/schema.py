"""Output serializers that document the live-tracking API's answers in OpenAPI.

The views build these answers as plain dicts on purpose (hot paths, no per-item serializer); each class
here states the shape the dict has, and the schema-conformance test holds the two together.
"""

from __future__ import annotations

from rest_framework import serializers


class CredentialOut(serializers.Serializer):
    key_id = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class CredentialIssuedOut(CredentialOut):
    token = serializers.CharField(help_text="Shown once: send as `Authorization: Bearer …`.")
    signing_secret = serializers.CharField(help_text="Shown once: HMAC key for the webhook signature.")


class LiveStatsOut(serializers.Serializer):
    session = serializers.UUIDField()
    status = serializers.CharField()
    went_live_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateTimeField()
    counters = serializers.ChoiceField(choices=["ok", "degraded"], help_text="degraded: Redis unreachable")
    applications = serializers.IntegerField(allow_null=True)
    # …plus the live counters (views, viewers, concurrent, peak, comments, orders, gmv, per-minute …)


class QuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField()
    ts = serializers.DateTimeField()
    viewer = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class QuestionAnsweredOut(serializers.Serializer):
    id = serializers.IntegerField()
    answered_at = serializers.DateTimeField()
    changed = serializers.BooleanField(help_text="false: it was already answered (nothing changed)")


class ResultOut(serializers.Serializer):
    session = serializers.UUIDField()
    computed_at = serializers.DateTimeField()
    scorecard = serializers.DictField(help_text="Numerators, denominators and rates (docs/live.md).")
    breakdowns = serializers.DictField(help_text="Per segment, per job and per product.")
    timeline = serializers.ListField(child=serializers.DictField(), help_text="One row per live minute.")


class ResultQueuedOut(serializers.Serializer):
    queued = serializers.BooleanField()


class SeriesSessionOut(serializers.Serializer):
    session = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    result = serializers.DictField(allow_null=True, help_text="The session's scorecard; null: no result yet.")


class SeriesResultOut(serializers.Serializer):
    series = serializers.UUIDField()
    title = serializers.CharField()
    totals = serializers.DictField()
    sessions = SeriesSessionOut(many=True)


# --- The bridge endpoints ------------------------------------------------------------------------------
# events/, events/webhook/ and orders/ are plain Django views (no DRF, no per-item serializer: the
# ingest hot path). This drf-spectacular postprocessing hook describes them in the same schema.

_ERR = {"$ref": "#/components/schemas/Error"}
_EVENT = {
    "type": "object",
    "required": ["id", "type", "ts"],
    "additionalProperties": False,
    "properties": {
        "id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": "Idempotency key per session",
        },
        "type": {
            "type": "string",
            "enum": [
                "join",
                "leave",
                "heartbeat",
                "comment",
                "like",
                "share",
                "follow",
                "job_card_click",
                "product_click",
            ],
        },
        "ts": {"type": "string", "format": "date-time", "description": "ISO 8601 with a time zone"},
        "member_id": {"type": "string", "maxLength": 128},
        "device_id": {"type": "string", "maxLength": 128},
        "text": {"type": "string", "maxLength": 2000},
        "question": {"type": "boolean"},
        "posting": {"type": "string", "format": "uuid"},
        "product": {"type": "string", "format": "uuid"},
    },
}
_BATCH_IN = {
    "oneOf": [
        {
            "type": "object",
            "required": ["events"],
            "properties": {"events": {"type": "array", "items": _EVENT, "maxItems": 1000}},
        },
        {"type": "array", "items": _EVENT, "maxItems": 1000},
        _EVENT,
    ]
}
_BATCH_OUT = {
    "type": "object",
    "required": ["accepted", "duplicates", "rejected", "counters", "results"],
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {"type": "integer"},
        "counters": {"type": "string", "enum": ["ok", "degraded"]},
        "results": {
            "type": "array",
            "description": "One entry per input index.",
            "items": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
                    "reason": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_ORDER_IN = {
    "type": "object",
    "required": ["order_id"],
    "additionalProperties": False,
    "properties": {
        "order_id": {"type": "string"},
        "product": {"type": "string", "format": "uuid"},
        "sku": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "amount": {"type": "string", "description": "CNY, decimal string"},
        "buyer": {"type": "string"},
        "ts": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["paid", "refunded"]},
    },
}
_ORDER_OUT = {
    "type": "object",
    "required": ["outcome", "order"],
    "properties": {
        "outcome": {"type": "string"},
        "order": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string"},
                "status": {"type": "string"},
                "amount": {"type": "string"},
                "quantity": {"type": "integer"},
                "channel": {"type": "string", "enum": ["live", "replay"]},
                "minute_offset": {"type": "integer", "nullable": True},
                "segment": {"type": "string", "format": "uuid", "nullable": True},
            },
        },
    },
}


def _operation(op_id: str, summary: str, body: dict, ok: dict, *, security: list, extra_ok=None) -> dict:
    responses = {"200": {"description": "Taken", "content": {"application/json": {"schema": ok}}}}
    if extra_ok:
        responses.update(extra_ok)
    for status, text in (
        ("400", "Bad body"),
        ("401", "Bad or missing credential"),
        ("404", "No session"),
        ("405", "Use POST"),
        ("413", "Body or batch too large"),
        ("422", "An event id reused with another body"),
        ("429", "Too many requests"),
    ):
        responses[status] = {"description": text, "content": {"application/json": {"schema": _ERR}}}
    return {
        "post": {
            "operationId": op_id,
            "summary": summary,
            "tags": ["bridge"],
            "security": security,
            "parameters": [
                {
                    "name": "session_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                }
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": responses,
        }
    }


def postprocess_bridge(result, generator, request, public):
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["ingestBearer"] = {"type": "http", "scheme": "bearer", "description": "yzi_… ingest token"}
    schemes["ingestSignature"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Yizhan-Signature",
        "description": "HMAC-SHA256 of `<X-Yizhan-Timestamp>.<body>` with the signing secret; key id in X-Yizhan-Key",
    }
    paths = result.setdefault("paths", {})
    base = "/api/v1/sessions/{session_id}/"
    paths[base + "events/"] = _operation(
        "live_events_ingest",
        "Push viewer events (bearer token)",
        _BATCH_IN,
        _BATCH_OUT,
        security=[{"ingestBearer": []}],
    )
    paths[base + "events/webhook/"] = _operation(
        "live_events_webhook",
        "Push viewer events (signed webhook)",
        _BATCH_IN,
        _BATCH_OUT,
        security=[{"ingestSignature": []}],
    )
    created = {"201": {"description": "Recorded", "content": {"application/json": {"schema": _ORDER_OUT}}}}
    paths[base + "orders/"] = _operation(
        "live_order_record",
        "Record one order (bearer token)",
        _ORDER_IN,
        _ORDER_OUT,
        security=[{"ingestBearer": []}],
        extra_ok=created,
    )
    return result
