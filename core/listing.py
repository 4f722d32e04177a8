"""Filters, status tabs and paging of the organizer's lists, read the same way everywhere.

A list view reads its filters from the query string with ``text_param``/``choice_param``/``pick``,
narrows its queryset, and hands it to ``paginate`` with the filters to carry along; the template
includes ``core/_pager.html`` (and ``core/_tabs.html``). Links keep every filter, so a page opened from
a link, a bookmark or an htmx swap shows the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

PAGE_SIZE = 20
TEXT_MAX = 100


def text_param(request, name: str = "q", *, max_length: int = TEXT_MAX) -> str:
    """A free-text filter: NUL removed (PostgreSQL refuses it), trimmed, cut to ``max_length``."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def choice_param(request, name: str, allowed: Iterable[str], *, default: str = "") -> str:
    """A filter that must be one of ``allowed``; anything else reads as ``default``."""
    value = request.GET.get(name, default)
    return value if value in set(allowed) else default


def pick(options: Iterable, value: str, *, key: Callable = lambda option: str(option.pk)):
    """The option whose key is ``value`` (e.g. a series chosen by id from the organizer's own), or None."""
    return next((option for option in options if key(option) == value), None) if value else None


def query_string(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@dataclass
class Listing:
    page: Page
    keep: dict = field(default_factory=dict)

    @property
    def page_query(self) -> str:
        """The filters for paging links (the template appends ``page=N``)."""
        return query_string(self.keep)

    def url(self, **changes) -> str:
        return "?" + query_string({**self.keep, **changes})


def paginate(request, rows, *, keep: dict | None = None, per_page: int = PAGE_SIZE) -> Listing:
    """One page of ``rows`` (a bad or too-large page number shows the nearest page, never an error)."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return Listing(page=page, keep={k: v for k, v in (keep or {}).items() if v not in (None, "")})


def tabs(
    *, choices: Iterable[tuple[str, str]], counts: dict, current: str, keep: dict, param: str = "status"
) -> list[dict]:
    """Tabs for ``choices`` (value, label) with their counts; the other filters stay as they are."""
    return [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0) if value else sum(counts.values()),
            "url": "?" + query_string({**keep, param: value}),
            "on": current == value,
        }
        for value, label in choices
    ]
