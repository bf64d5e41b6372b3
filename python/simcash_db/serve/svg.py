"""Small line charts as inline SVG, with the value under the pointer (a <title> per point).

No styles inside (the page's stylesheet colours the series by class), so the
pages keep a Content-Security-Policy that allows nothing inline.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

#: Points of a chart that get a marker and a tooltip, across its series; the
#: others are sampled evenly.
MARKED_POINTS = 600
#: Points of a chart drawn at most, across its series (it is 900 pixels wide).
DRAWN_POINTS = 6_000
_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 80, 150, 28, 36


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high == low:
        return [low]
    step = (high - low) / (count - 1)
    ticks = [low + i * step for i in range(count)]
    # The values shown are ticks, iterations, counts and cents: whole numbers
    # label a span of a few units or more.
    return [float(round(t)) for t in ticks] if high - low >= count else ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 900,
    height: int = 320,
    emphasise: str | None = None,
) -> str:
    """An SVG line chart of ``series`` (name -> (x, y) points, x ascending)."""
    points = [p for values in series.values() for p in values]
    label = html.escape(title)
    if not points:
        return (f'<svg class="chart" role="img" viewBox="0 0 {width} 60" width="{width}" '
                f'height="60"><title>{label}</title>'
                '<text x="10" y="35">no data yet</text></svg>')  # fmt: skip
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(min(ys), 0), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    plot_w = width - _PAD_LEFT - _PAD_RIGHT
    plot_h = height - _PAD_TOP - _PAD_BOTTOM

    def sx(x: float) -> float:
        return _PAD_LEFT + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return _PAD_TOP + plot_h - (y - y0) / (y1 - y0) * plot_h

    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
           f"<title>{label}</title>"]  # fmt: skip
    bottom, right = _PAD_TOP + plot_h, _PAD_LEFT + plot_w
    left, top = _PAD_LEFT, _PAD_TOP
    out.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    for y in _ticks(y0, y1):
        out.append(f'<text class="tick" x="{_PAD_LEFT - 6}" y="{sy(y) + 4:.1f}" '
                   f'text-anchor="end">{_number(y)}</text>')  # fmt: skip
    for x in _ticks(x0, x1):
        out.append(f'<text class="tick" x="{sx(x):.1f}" y="{bottom + 16}" '
                   f'text-anchor="middle">{_number(x)}</text>')  # fmt: skip
    out.append(f'<text class="label" x="{_PAD_LEFT + plot_w / 2:.0f}" y="{height - 4}" '
               f'text-anchor="middle">{html.escape(x_label)}</text>')  # fmt: skip
    out.append(f'<text class="label" x="4" y="14">{html.escape(y_label)}</text>')
    drawn_each = max(2, DRAWN_POINTS // len(series))
    marked_each = max(2, MARKED_POINTS // len(series))
    for index, (name, values) in enumerate(series.items()):
        kind = "emphasis" if name == emphasise else f"s{index % 8}"
        drawn = values[:: max(1, len(values) // drawn_each)]
        line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in drawn)
        out.append(f'<g class="series {kind}"><polyline points="{line}"/>')
        stride = max(1, -(-len(values) // marked_each))
        for x, y in values[::stride]:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3">'
                       f"<title>{html.escape(name)}: {html.escape(x_label)} {_number(x)}, "
                       f"{_number(y)}</title></circle>")  # fmt: skip
        out.append(f'<text class="legend" x="{right + 10}" y="{_PAD_TOP + 14 + 16 * index}">'
                   f"{html.escape(name)}</text></g>")  # fmt: skip
    out.append("</svg>")
    return "".join(out)


def sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> str:
    """A tiny line of ``values`` (the experiments list's cost trend)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(values) - 1)
    line = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
    )
    return (f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f"<title>{_number(values[0])} to {_number(values[-1])}</title>"
            f'<polyline points="{line}"/></svg>')  # fmt: skip
