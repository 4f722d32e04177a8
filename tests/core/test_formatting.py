"""Figures people read: one module for pages, emails and exports (core.formatting, {% load fmt %})."""

from datetime import UTC, datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from core import formatting

NOON_UTC = datetime(2026, 3, 1, 2, 5, tzinfo=UTC)  # 10:05 in Beijing


def test_rates_durations_and_money_read_as_people_say_them():
    assert formatting.percent(0.1234) == "12.3%"
    assert formatting.percent(Decimal("0.5"), 0) == "50%"
    assert formatting.duration(75) == "1:15"
    assert formatting.duration(3723) == "1:02:03"
    assert formatting.yuan(Decimal("1234.5")) == "¥1,234.50"
    assert formatting.yuan("0") == "¥0.00"
    assert [formatting.percent(None), formatting.duration(None), formatting.yuan(None)] == ["—"] * 3


def test_times_are_local_with_the_zone_named_in_the_readers_language():
    with translation.override("zh-hans"):
        assert formatting.when(NOON_UTC, "Asia/Shanghai") == "2026-03-01 10:05 北京时间"
        assert formatting.zone_name("Asia/Tokyo") == "东京时间"
    with translation.override("en"):
        assert formatting.when(NOON_UTC, "Asia/Shanghai") == "2026-03-01 10:05 Beijing time"
    # A zone without a name reads as its offset, never as the raw IANA name.
    assert formatting.zone_name("Asia/Kolkata", NOON_UTC) == "UTC+05:30"
    later = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert formatting.when_range(NOON_UTC, later, "Asia/Shanghai") == "2026-03-01 10:05–12:00 北京时间"


def test_template_filters_use_the_same_rules():
    with translation.override("zh-hans"):
        html = Template(
            "{% load fmt %}{{ r|percent }}|{{ s|duration }}|{{ m|yuan }}|{{ t|when:z }}|{{ z|zone_name }}"
        ).render(Context({"r": 0.25, "s": 245, "m": "88.8", "t": NOON_UTC, "z": "Asia/Shanghai"}))
    assert html == "25.0%|4:05|¥88.80|2026-03-01 10:05 北京时间|北京时间"


def test_times_of_day_name_the_zone():
    later = datetime(2026, 3, 1, 2, 35, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert formatting.clock(NOON_UTC, "Asia/Shanghai") == "10:05 北京时间"
        assert formatting.clock_range(NOON_UTC, later, "Asia/Shanghai") == "10:05–10:35 北京时间"
        html = Template("{% load fmt %}{{ t|clock:z }}|{% clock_range t u z %}").render(
            Context({"t": NOON_UTC, "u": later, "z": "Asia/Shanghai"})
        )
    assert html == "10:05 北京时间|10:05–10:35 北京时间"
    assert formatting.clock_range(None, later, "Asia/Shanghai") == "—"
