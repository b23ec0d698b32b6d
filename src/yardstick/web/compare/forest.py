"""The comparison's forest plot, drawn on the server as inline SVG.

One row per alias: its mean paired difference (candidate − baseline) as a dot and its confidence
interval as a line, against a vertical line at zero; dot and line take the verdict's class
(`verdict-improved`, `verdict-regressed`, `verdict-changed`, `verdict-no_significant_difference`,
coloured in static/pages.css for both colour schemes). The axis is symmetric around zero, so a
difference's side of the line reads at once. Aliases without a mean difference (categorical, or
no pair with a result on both sides) get a row with a note instead of marks.
"""

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

ROW = 28
TOP = 8
AXIS = 22
LABEL_WIDTH = 180
PLOT_WIDTH = 420
VALUE_WIDTH = 200
WIDTH = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
LABEL_CHARS = 24


def _fmt(value: float) -> str:
    return f"{value:+.3g}"


def _extent(metrics: Sequence[dict[str, Any]]) -> float:
    """Half the axis: the largest distance from zero of any delta or interval end, padded."""
    ends = [
        abs(float(m[key]))
        for m in metrics
        for key in ("delta", "ci_low", "ci_high")
        if m.get(key) is not None and math.isfinite(float(m[key]))
    ]
    largest = max(ends, default=0.0)
    return largest * 1.1 if largest > 0 else 1.0


def forest_plot(metrics: Sequence[dict[str, Any]]) -> Markup:
    """`metrics`: the comparison's entries (`alias`, `delta`, `ci_low`, `ci_high`, `verdict`)."""
    half = _extent(metrics)
    zero = LABEL_WIDTH + PLOT_WIDTH / 2
    height = TOP + ROW * max(1, len(metrics)) + AXIS

    def x(value: float) -> float:
        return zero + (value / half) * (PLOT_WIDTH / 2 - 6)

    parts = [
        (
            f'<svg class="chart forest" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="img" aria-label="Forest plot: the mean difference of '
            f'{len(metrics)} aliases with their confidence intervals">'
        ),
        f'<line class="chart-zero" x1="{zero}" y1="{TOP / 2}" x2="{zero}" y2="{height - AXIS}"/>',
    ]
    for i, metric in enumerate(metrics):
        alias = str(metric["alias"])
        y = TOP + i * ROW + ROW / 2
        shown = alias if len(alias) <= LABEL_CHARS else alias[: LABEL_CHARS - 1] + "…"
        verdict = str(metric.get("verdict") or "no_significant_difference")
        css = f"verdict-{verdict}"
        parts.append(
            f'<g class="forest-row" data-alias="{escape(alias)}" data-verdict="{escape(verdict)}">'
            f'<text class="chart-text" x="0" y="{y + 4}">{escape(shown)}</text>'
        )
        delta, low, high = metric.get("delta"), metric.get("ci_low"), metric.get("ci_high")
        if delta is None:
            parts.append(
                f'<text class="chart-text" x="{LABEL_WIDTH + 6}" y="{y + 4}">no mean difference '
                f"({escape(str(metric.get('kind', '')))})</text></g>"
            )
            continue
        title = f"{alias}: {_fmt(delta)}"
        if low is not None and high is not None:
            title += f" [{_fmt(low)}, {_fmt(high)}]"
            parts.append(
                f'<line class="forest-ci {css}" x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" '
                f'y2="{y}"/>'
                f'<line class="forest-ci {css}" x1="{x(low):.1f}" y1="{y - 5}" '
                f'x2="{x(low):.1f}" y2="{y + 5}"/>'
                f'<line class="forest-ci {css}" x1="{x(high):.1f}" y1="{y - 5}" '
                f'x2="{x(high):.1f}" y2="{y + 5}"/>'
            )
        parts.append(
            f'<circle class="forest-dot {css}" cx="{x(delta):.1f}" cy="{y}" r="5">'
            f"<title>{escape(title)}</title></circle>"
            f'<text class="chart-text" x="{LABEL_WIDTH + PLOT_WIDTH + 10}" y="{y + 4}">'
            f"{escape(title.split(': ', 1)[1])}</text></g>"
        )
    base = height - AXIS + 14
    parts.append(
        f'<text class="chart-text" x="{LABEL_WIDTH}" y="{base}">{escape(_fmt(-half))}</text>'
        f'<text class="chart-text" x="{zero}" y="{base}" text-anchor="middle">0</text>'
        f'<text class="chart-text" x="{LABEL_WIDTH + PLOT_WIDTH}" y="{base}" '
        f'text-anchor="end">{escape(_fmt(half))}</text></svg>'
    )
    return Markup("".join(parts))
