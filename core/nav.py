"""The role-aware navigation every page shows.

Each app declares its own entries in ``<app>/nav.py`` as ``ITEMS = [NavItem(...), ...]``; core collects
them through app discovery, so core never imports an app (see the dependency order in
docs/architecture.md) and an app adds a page to the header without touching anyone else's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str  # a gettext_lazy string
    url_name: str
    roles: frozenset[str]  # User.Role values that see the entry
    order: int = 100
    testid: str = ""


@cache
def _all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.nav":
                raise
            continue
        items.extend(getattr(module, "ITEMS", ()))
    return tuple(sorted(items, key=lambda item: item.order))


def nav_for(user, path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    role = "organizer" if user.is_superuser and not user.role else user.role
    entries = []
    for item in _all_items():
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append(
            {"label": item.label, "url": url, "active": path.startswith(url), "testid": item.testid}
        )
    # Only the longest matching prefix is marked active ("/coaching/" and "/coaching/me/" both match).
    active = [e for e in entries if e["active"]]
    if len(active) > 1:
        best = max(active, key=lambda e: len(e["url"]))
        for e in active:
            e["active"] = e is best
    return entries


def nav(request) -> dict:
    """Context processor: ``nav_items`` for the header."""
    return {"nav_items": nav_for(request.user, request.path)}
