"""Idempotent demo data. Each app contributes through its own ``<app>/demo.py: seed(ctx)``; an
optional ``finish(ctx)`` runs after every app has seeded (livestreams publishes the invites then)."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import banner

DEMO_APPS = ["livestreams", "jobs", "coaching", "invites"]


class Command(BaseCommand):
    help = "Create (or refresh) demo data: a union, organizer, host, series, sessions, and each app's extras."

    def handle(self, *args, **options):
        ctx: dict = {}
        modules = []
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(ctx, stdout=self.stdout)
                modules.append(module)
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(banner(ctx, site_url=settings.SITE_URL))
