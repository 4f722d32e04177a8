"""Small server-side SVG charts: no JavaScript, no CDN, readable without styles (titles + <desc>)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#c0392b", "#2471a3", "#28b463", "#b7950b", "#7d3c98", "#ca6f1e"]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 5:
            return step * 5 if value > step * 4 else step * ((value // step) + 1)
    return value * 1.1


def line_chart(
    *, title: str, series: list[tuple[str, list[float]]], bands=(), height: int = 220, width: int = 760
) -> SafeString:
    """Lines over minutes; ``bands`` = [(first_minute, last_minute, label)] drawn as shaded segments."""
    left, right, top, bottom = 48, 12, 24, 28
    n = max((len(values) for _, values in series), default=0)
    peak = _nice_max(max((max(values, default=0) for _, values in series), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: float) -> float:
        return left + (plot_w * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg class="chart chart-line" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%" data-points="{n}">',
        f"<title>{escape(title)}</title>",
    ]
    for k, (first, last, label) in enumerate(bands):
        x0, x1 = x(max(0, first)), x(min(max(n - 1, 0), last))
        if x1 <= x0:
            continue
        fill = "#f4d03f" if k % 2 == 0 else "#aed6f1"
        parts.append(
            f'<rect class="band" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}" '
            f'fill="{fill}" fill-opacity="0.25"><title>{escape(label)}</title></rect>'
            f'<text x="{x0 + 3:.1f}" y="{top + 11}" font-size="10" fill="#555">{escape(label[:18])}</text>'
        )
    for frac in (0, 0.5, 1):
        yy = y(peak * frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{yy + 4:.1f}" font-size="10" text-anchor="end" fill="#555">'
            f"{int(peak * frac)}</text>"
        )
    for tick in range(0, max(n, 1), max(1, n // 8 or 1)):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#555">'
            f"{tick}′</text>"
        )
    for k, (name, values) in enumerate(series):
        if not values:
            continue
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        color = PALETTE[k % len(PALETTE)]
        parts.append(
            f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2" points="{pts}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.append(
            f'<text x="{width - right - 4}" y="{top + 12 + 12 * k}" font-size="11" text-anchor="end" '
            f'fill="{color}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_chart(
    *, title: str, series: list[tuple[str, list[float]]], height: int = 180, width: int = 760
) -> SafeString:
    """Grouped vertical bars per minute (e.g. orders and applications per minute)."""
    left, right, top, bottom = 48, 12, 24, 28
    n = max((len(v) for _, v in series), default=0)
    peak = _nice_max(max((max(v, default=0) for _, v in series), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(n, 1)
    bar = max(slot / max(len(series), 1) - 0.5, 0.5)
    parts = [
        f'<svg class="chart chart-bars" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end" fill="#555">{int(peak)}</text>',
    ]
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        for i, v in enumerate(values):
            if not v:
                continue
            h = plot_h * v / peak
            parts.append(
                f'<rect class="bar" x="{left + i * slot + k * bar:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{color}"><title>{escape(name)} · {i}′: {v:g}</title></rect>'
            )
        parts.append(
            f'<text x="{width - right - 4}" y="{top + 12 + 12 * k}" font-size="11" text-anchor="end" '
            f'fill="{color}">{escape(name)}</text>'
        )
    for tick in range(0, max(n, 1), max(1, n // 8 or 1)):
        parts.append(
            f'<text x="{left + tick * slot:.1f}" y="{height - 8}" font-size="10" fill="#555">{tick}′</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def hbar_chart(*, title: str, rows: list[tuple[str, float, str]], width: int = 760) -> SafeString:
    """Horizontal bars: rows = [(label, value, shown value)]."""
    rows = rows[:15]
    row_h, label_w, top = 22, 200, 8
    height = top * 2 + row_h * max(len(rows), 1)
    peak = max((v for _, v, _ in rows), default=0) or 1
    plot_w = width - label_w - 90
    parts = [
        f'<svg class="chart chart-hbars" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * float(value) / float(peak)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(label[:24])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{max(w, 0.5):.1f}" height="{row_h - 6}" '
            f'fill="{PALETTE[1]}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
