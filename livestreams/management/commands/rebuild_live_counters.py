"""Rebuild the Redis live counters of sessions from PostgreSQL (after a Redis loss)."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from livestreams.live import counters
from livestreams.models import LiveSession


class Command(BaseCommand):
    help = "Rebuild Redis live counters from PostgreSQL for the given sessions (default: all live ones)."

    def add_arguments(self, parser):
        parser.add_argument("sessions", nargs="*")

    def handle(self, *args, sessions, **options):
        try:
            sessions = [str(uuid.UUID(given)) for given in sessions]
        except ValueError as exc:
            raise CommandError(f"Not a session id among {sessions!r}.") from exc
        unknown = set(sessions) - {
            str(pk) for pk in LiveSession.objects.filter(pk__in=sessions).values_list("pk", flat=True)
        }
        if unknown:
            raise CommandError(f"Unknown session(s): {', '.join(sorted(unknown))}.")
        ids = sessions or list(
            LiveSession.objects.filter(status=LiveSession.Status.LIVE).values_list("pk", flat=True)
        )
        for session_id in ids:
            c = counters.rebuild(session_id)
            self.stdout.write(
                f"{session_id}: views {c.get('views', 0)}, orders {c['orders']}, peak {c['peak']}"
            )
