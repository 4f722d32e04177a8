"""The Celery app. Beat only says "look at the database now"; each tick claims due rows itself."""

import os
from logging.config import dictConfig

from celery import Celery, signals
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("yizhan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Worker and beat log through settings.LOGGING (LOG_LEVEL, the quiet defaults), not Celery's own."""
    dictConfig(settings.LOGGING)


_TICK = float(os.environ.get("TICK_SECONDS", "2"))
app.conf.beat_schedule = {
    "livestreams-tick": {"task": "livestreams.tick", "schedule": _TICK, "options": {"expires": _TICK * 3}},
    "livestreams-live-aggregates-fold": {
        "task": "livestreams.live_aggregates_fold",
        "schedule": _TICK,
        "options": {"expires": _TICK * 3},
    },
    "livestreams-live-counters-repair": {"task": "livestreams.live_counters_repair", "schedule": _TICK * 5},
    "jobs-tick": {"task": "jobs.tick", "schedule": _TICK * 15, "options": {"expires": _TICK * 30}},
    "coaching-tick": {"task": "coaching.tick", "schedule": _TICK, "options": {"expires": _TICK * 3}},
    "livestreams-results-refresh": {
        "task": "livestreams.results_refresh",
        "schedule": _TICK * 10,
        "options": {"expires": _TICK * 20},
    },
    "core-outbox-sweep": {
        "task": "core.outbox_sweep",
        "schedule": _TICK * 5,
        "options": {"expires": _TICK * 10},
    },
    "livestreams-results-missing-sweep": {
        "task": "livestreams.results_missing_sweep",
        "schedule": _TICK * 30,
        "options": {"expires": _TICK * 60},
    },
}
