"""Rebuild the Redis live counters of sessions from PostgreSQL (after a Redis loss)."""

from django.core.management.base import BaseCommand

from livestreams.live import counters
from livestreams.models import LiveSession


class Command(BaseCommand):
    help = "Rebuild Redis live counters from PostgreSQL for the given sessions (default: all live ones)."

    def add_arguments(self, parser):
        parser.add_argument("sessions", nargs="*")

    def handle(self, *args, sessions, **options):
        ids = sessions or list(
            LiveSession.objects.filter(status=LiveSession.Status.LIVE).values_list("pk", flat=True)
        )
        for session_id in ids:
            c = counters.rebuild(session_id)
            self.stdout.write(
                f"{session_id}: views {c.get('views', 0)}, orders {c['orders']}, peak {c['peak']}"
            )
