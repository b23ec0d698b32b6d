"""The dashboard widgets' charts, drawn on the server as inline SVG (see web/charts.py for the
conventions: CSS classes for colour in both schemes, never inline styles, a `<title>` on every
mark and an `aria-label` on every chart).

Each function takes plain numbers and labels; web/dashboard/service.py reads them out of a
widget's computed rows. Series colours are `share-N` (fills) and `line-N` (strokes), N < 8.
"""

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

from yardstick.web.charts import SHARE_CLASSES

WIDTH = 560
HEIGHT = 240
LEFT = 52
RIGHT = 12
TOP = 12
BOTTOM = 40
LABEL_CHARS = 14


def fmt(value: float) -> str:
    return f"{value:.4g}"


def _short(text: str, chars: int = LABEL_CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _open(label: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart widget-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
    )


def _span(values: Sequence[float], *, with_zero: bool) -> tuple[float, float]:
    low, high = min(values, default=0.0), max(values, default=1.0)
    if with_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high <= low:
        high = low + 1.0
    return low, high


def _y_axis(low: float, high: float, y: "Scale") -> str:
    parts = []
    for value in sorted({low, high, 0.0} if low < 0 < high else {low, high}):
        parts.append(
            f'<line class="chart-axis" x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y(value):.1f}"/>'
            f'<text class="chart-text" x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(value))}</text>"
        )
    return "".join(parts)


class Scale:
    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _legend(names: Sequence[str], y: float) -> str:
    if len(names) < 2:
        return ""
    parts, x = [], float(LEFT)
    for i, name in enumerate(names):
        parts.append(
            f'<rect class="share-{i % SHARE_CLASSES}" x="{x:.1f}" y="{y - 9:.1f}" width="10" '
            f'height="10"/><text class="chart-text" x="{x + 14:.1f}" y="{y:.1f}">'
            f"{escape(_short(name, 20))}</text>"
        )
        x += 24 + 7 * min(20, len(name))
    return "".join(parts)


def bars(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, label: str
) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series."""
    values = [v for _, vs in series for v in vs if v is not None]
    low, high = _span(values, with_zero=True)
    legend = 16 if len(series) > 1 else 0
    y = Scale(low, high, HEIGHT - BOTTOM, TOP + legend)
    plot = WIDTH - LEFT - RIGHT
    group = plot / max(1, len(categories))
    bar = max(1.0, (group - 4) / max(1, len(series)))
    every = max(1, math.ceil(len(categories) / 12))  # label at most ~12 categories
    parts = [_open(f"{label}: bar chart of {len(categories)} categories"), _y_axis(low, high, y)]
    for i, category in enumerate(categories):
        x0 = LEFT + i * group + 2
        for j, (name, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            top, bottom = sorted((y(value), y(0.0)))
            title = (
                f"{category} · {name}: {fmt(value)}"
                if len(series) > 1
                else f"{category}: {fmt(value)}"
            )
            parts.append(
                f'<rect class="share-{j % SHARE_CLASSES}" x="{x0 + j * bar:.1f}" y="{top:.1f}" '
                f'width="{max(1.0, bar - 1):.1f}" height="{max(0.5, bottom - top):.1f}">'
                f"<title>{escape(title)}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text class="chart-text" x="{x0 + (group - 4) / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                f'text-anchor="middle">{escape(_short(category))}</text>'
            )
    parts.append(_legend([name for name, _ in series], TOP + 8))
    parts.append("</svg>")
    return Markup("".join(parts))


def donut(slices: Sequence[tuple[str, float]], *, label: str) -> Markup:
    """A ring of the slices' shares (negative and zero values are left out), with a legend."""
    shown = [(name, value) for name, value in slices if value > 0]
    total = sum(value for _, value in shown)
    size, cx, cy, outer, inner = 200, 100.0, 100.0, 90.0, 52.0
    height = max(size, 20 * len(shown) + 10)
    parts = [_open(f"{label}: donut of {len(shown)} values", WIDTH, height)]
    angle = -math.pi / 2
    for i, (name, value) in enumerate(shown):
        share = value / total
        css = f"share-{i % SHARE_CLASSES}"
        title = f"{name}: {fmt(value)} ({share * 100:.1f} %)"
        if share >= 0.9999:  # a full ring: two half arcs, since one arc cannot close on itself
            parts.append(
                f'<path class="{css}" fill-rule="evenodd" d="M {cx} {cy - outer} '
                f"A {outer} {outer} 0 1 1 {cx} {cy + outer} A {outer} {outer} 0 1 1 {cx} "
                f"{cy - outer} M {cx} {cy - inner} A {inner} {inner} 0 1 0 {cx} {cy + inner} "
                f'A {inner} {inner} 0 1 0 {cx} {cy - inner} Z"><title>{escape(title)}</title></path>'
            )
        else:
            end = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            points = [
                (cx + outer * math.cos(angle), cy + outer * math.sin(angle)),
                (cx + outer * math.cos(end), cy + outer * math.sin(end)),
                (cx + inner * math.cos(end), cy + inner * math.sin(end)),
                (cx + inner * math.cos(angle), cy + inner * math.sin(angle)),
            ]
            (x1, y1), (x2, y2), (x3, y3), (x4, y4) = points
            parts.append(
                f'<path class="{css}" d="M {x1:.2f} {y1:.2f} A {outer} {outer} 0 {large} 1 '
                f"{x2:.2f} {y2:.2f} L {x3:.2f} {y3:.2f} A {inner} {inner} 0 {large} 0 {x4:.2f} "
                f'{y4:.2f} Z"><title>{escape(title)}</title></path>'
            )
            angle = end
        parts.append(
            f'<rect class="{css}" x="{size + 20}" y="{10 + i * 20}" width="10" height="10"/>'
            f'<text class="chart-text" x="{size + 36}" y="{19 + i * 20}">'
            f"{escape(_short(name, 32))} · {share * 100:.1f} %</text>"
        )
    if not shown:
        parts.append(
            f'<text class="chart-text" x="{cx}" y="{cy}" text-anchor="middle">no values</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def scatter(
    points: Sequence[tuple[float, float, str]], *, x_name: str, y_name: str, label: str
) -> Markup:
    """Dots at (x, y); each titled with its label and both values."""
    x_low, x_high = _span([p[0] for p in points], with_zero=False)
    y_low, y_high = _span([p[1] for p in points], with_zero=False)
    x = Scale(x_low, x_high, LEFT + 4, WIDTH - RIGHT - 4)
    y = Scale(y_low, y_high, HEIGHT - BOTTOM, TOP)
    parts = [_open(f"{label}: scatter of {len(points)} points"), _y_axis(y_low, y_high, y)]
    for px, py, name in points:
        title = f"{name + ': ' if name else ''}{x_name} {fmt(px)}, {y_name} {fmt(py)}"
        parts.append(
            f'<circle class="scatter-dot" cx="{x(px):.1f}" cy="{y(py):.1f}" r="3.5">'
            f"<title>{escape(title)}</title></circle>"
        )
    parts.append(_x_ends(fmt(x_low), fmt(x_high), x_name))
    parts.append("</svg>")
    return Markup("".join(parts))


def _x_ends(low: str, high: str, name: str) -> str:
    base = HEIGHT - BOTTOM + 14
    return (
        f'<text class="chart-text" x="{LEFT}" y="{base}">{escape(low)}</text>'
        f'<text class="chart-text" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{base + 16}" '
        f'text-anchor="middle">{escape(_short(name, 40))}</text>'
        f'<text class="chart-text" x="{WIDTH - RIGHT}" y="{base}" text-anchor="end">'
        f"{escape(high)}</text>"
    )


def timeseries(
    times: Sequence[float],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    x_name: str,
    dates: bool,
    label: str,
) -> Markup:
    """One line per series over `times` (ascending: seconds since the epoch when `dates`)."""
    values = [v for _, vs in series for v in vs if v is not None]
    low, high = _span(values, with_zero=False)
    t_low, t_high = _span(times, with_zero=False)
    legend = 16 if len(series) > 1 else 0
    x = Scale(t_low, t_high, LEFT + 4, WIDTH - RIGHT - 4)
    y = Scale(low, high, HEIGHT - BOTTOM, TOP + legend)

    def when(t: float) -> str:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M") if dates else fmt(t)

    parts = [
        _open(f"{label}: {len(series)} series over {len(times)} points"),
        _y_axis(low, high, y),
    ]
    for j, (name, vs) in enumerate(series):
        points = [(x(t), y(v), t, v) for t, v in zip(times, vs, strict=True) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(
                f'<polyline class="line-{j % SHARE_CLASSES}" fill="none" points="{path}"/>'
            )
        for px, py, t, v in points:
            parts.append(
                f'<circle class="share-{j % SHARE_CLASSES}" cx="{px:.1f}" cy="{py:.1f}" r="2.5">'
                f"<title>{escape(name)} at {escape(when(t))}: {escape(fmt(v))}</title></circle>"
            )
    parts.append(_legend([name for name, _ in series], TOP + 8))
    parts.append(_x_ends(when(t_low), when(t_high), x_name))
    parts.append("</svg>")
    return Markup("".join(parts))
