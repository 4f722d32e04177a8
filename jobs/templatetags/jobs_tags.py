"""{% load jobs_tags %}{% jobs_lineup session %} renders a session's employer lineup (for the session page)."""

from django import template

from core import formatting
from jobs import selectors

register = template.Library()


@register.inclusion_tag("jobs/_lineup.html")
def jobs_lineup(session):
    return {"session": session, "lineup": selectors.public_lineup(session)}


@register.filter
def percent(value, digits: int = 1):
    """0.1234 → "12.3%"; None → "—" (no denominator yet). The rule lives in core.formatting."""
    return formatting.percent(value, digits)
