"""{% load fmt %}: the page side of core.formatting (one module for pages, emails and exports).

{{ card.apply_rate|percent }}            12.3%
{{ card.average_watch_seconds|duration }} 4:05
{{ card.gmv_net|yuan }}                  ¥1,234.50
{{ session.timezone|zone_name }}         北京时间
{{ slot.starts_at|when:slot.timezone }}  2026-12-02 10:00 北京时间
{{ seg.ends_at|clock:session.timezone }}  10:30 北京时间
{% when_range s.starts_at s.ends_at s.timezone %}
{% clock_range seg.starts_at seg.ends_at session.timezone %}   10:00–10:30 北京时间
"""

from django import template

from core import formatting

register = template.Library()

# The filters are the formatting functions themselves: one rule for pages, emails and exports.
register.filter("percent", formatting.percent)
register.filter("duration", formatting.duration)
register.filter("yuan", formatting.yuan)
register.filter("figure", formatting.decimal)
register.filter("zone_name", formatting.zone_name)
register.filter("when", formatting.when)
register.filter("clock", formatting.clock)


@register.filter
def local_time(dt, tz):
    """Local wall-clock time without the zone (where the zone is named once nearby)."""
    return formatting.local_text(dt, tz) or formatting.MISSING


@register.simple_tag
def when_range(start, end, tz):
    return formatting.when_range(start, end, tz)


@register.simple_tag
def clock_range(start, end, tz):
    return formatting.clock_range(start, end, tz)
