"""Bench-only URLconf: the bare baselines under /bench/, then every production route unchanged."""

from django.urls import path

from benchmarks import baselines
from config.urls import urlpatterns as production

urlpatterns = [
    path("bench/json", baselines.small_json),
    path("bench/pid", baselines.worker_pid),
    path("bench/insert", baselines.insert_one),
    path("bench/claim/<int:seat_id>", baselines.claim_seat),
    *production,
]
