"""Bare endpoints: the floor each hot path is measured against, in the same run, on the same server.

Each does the least its real counterpart must do and nothing else (no auth, no validation rules, no
ORM): read the body, the essential SQL, a small JSON answer. Served only by benchmarks/urls.py.
"""

from __future__ import annotations

import os

import orjson
from django.db import connection, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


def _json(data, status=200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


def worker_pid(request):
    """Which worker process answered: the harness waits until every worker has booted."""
    return _json({"pid": os.getpid()})


@csrf_exempt
def small_json(request):
    """Floor for single-event ingest and live stats: read the body, answer a small JSON."""
    _ = request.body
    return _json({"ok": True, "accepted": 1})


@csrf_exempt
def insert_one(request):
    """Floor for apply: parse a small JSON body, insert one row (unique key), answer its id."""
    data = orjson.loads(request.body)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_row (ref, name, phone) VALUES (%s, %s, %s) "
            "ON CONFLICT (ref, phone) DO NOTHING RETURNING id",
            [data["code"], data["name"], data["phone"]],
        )
        row = cur.fetchone()
    return _json({"id": row[0] if row else None}, status=201 if row else 200)


@csrf_exempt
def claim_seat(request, seat_id: int):
    """Floor for booking: one conditional UPDATE claims a seat, one INSERT records who has it."""
    who = orjson.loads(request.body)["who"]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE bench_seat SET taken = taken + 1 WHERE id = %s AND taken < capacity RETURNING taken",
            [seat_id],
        )
        if cur.fetchone() is None:
            return _json({"status": "full"}, status=200)
        cur.execute("INSERT INTO bench_claim (seat_id, who) VALUES (%s, %s)", [seat_id, who])
    return _json({"status": "confirmed"}, status=201)
