"""One comparison (`POST /v5/comparisons`) as a self-contained HTML page: `yardstick compare --html`.

The page fetches nothing: the CSS is inline, the charts are inline SVG, and there is no script,
font, image or link, so the file opens the same offline, attached to a CI run or mailed. It has:
a header (the two evaluations, alpha, the pairing), the warnings, a forest plot of every alias's
mean difference, and a section per alias (its statistics, a bar of its paired changes, its
categories when categorical, its errored cells and most changed items).

Every string that comes from the response (ids, aliases, messages, category values, item ids)
is escaped: element text by `_text`, attribute values by `_tag`, which builds every element
that has attributes. The page is also well-formed XML (void elements closed, no entities but
XML's own), so a strict parser can check it. Jinja2 is not a dependency of Yardstick, and a page
this size does not need one: it is built by small functions.
"""

import math
from collections.abc import Sequence
from html import escape

from yardstick.compare.schemas import ComparisonOut, MetricComparisonOut, Verdict

VERDICT_COLOURS: dict[Verdict, str] = {
    "improved": "#1a7f37",
    "regressed": "#cf222e",
    "changed": "#9a6700",
    "no_significant_difference": "#6e7781",
}
VERDICT_LABELS: dict[Verdict, str] = {
    "improved": "improved",
    "regressed": "regressed",
    "changed": "changed",
    "no_significant_difference": "no significant difference",
}
UNCHANGED_COLOUR = "#d0d7de"
MUTED = "#59636e"
MISSING = "—"
# The page lists this many of each side's most changed items (the response holds up to 50).
SHOWN_ITEMS = 10

# The forest plot's geometry, in SVG user units: a label column, the plot, a value column.
_ROW = 30
_TOP = 34
_LABEL_X = 8
_PLOT_LEFT = 240
_PLOT_WIDTH = 360
_ZERO_X = _PLOT_LEFT + _PLOT_WIDTH / 2
_VALUE_X = 620
_WIDTH = 840
_LABEL_CHARS = 34
# The paired-changes bar.
_BAR_WIDTH = 480
_BAR_HEIGHT = 18
# Histograms: the plot area, and the axis labels' band below it.
_HISTOGRAM_HEIGHT = 90
_AXIS_HEIGHT = 16

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
  max-width: 60rem; padding: 0 1rem; color: #1f2328; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1rem 0 0.25rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.9em;
  overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2rem 0.6rem; text-align: left; }
th { background: #f6f8fa; font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; color: #fff;
  font-size: 0.85rem; font-weight: 600; }
.warnings li { margin: 0.2rem 0; }
.note { color: #59636e; font-size: 0.9rem; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 12px; }
svg text.small { font-size: 9px; }
"""


def render_report(comparison: ComparisonOut) -> str:
    """The comparison as one HTML document (UTF-8 text)."""
    title = (
        f"Comparison: {comparison.baseline_evaluation_id} → {comparison.candidate_evaluation_id}"
    )
    parts = [
        _header(comparison),
        _warnings(comparison),
        '<h2 id="differences">Mean differences</h2>',
        _forest(comparison.metrics),
        *(_metric_section(metric) for metric in comparison.metrics),
    ]
    body = "\n".join(part for part in parts if part)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        f"<title>{_text(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def number(value: float | None, *, signed: bool = False) -> str:
    """A float in 4 significant digits, or a dash when the response has none."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def p_value(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return MISSING
    return f"[{number(low, signed=True)}, {number(high, signed=True)}]"


def undirected_changes(metric: MetricComparisonOut) -> int:
    """Pairs that changed with no direction: a categorical metric's answers that moved.

    A change has a direction only where values have an order, so the pairs of a categorical
    metric that changed count neither as improved nor as regressed.
    """
    return max(0, metric.n - metric.improved - metric.regressed - metric.unchanged)


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _tag(name: str, content: str | None = None, /, **attributes: object) -> str:
    """An element whose attribute values are escaped here; `content` is markup, escaped already.

    Attribute names are the keywords with `_` as `-` and a trailing `_` dropped (`class_`).
    Floats are rounded to a tenth of a unit: finer is invisible and only makes the file larger.
    """
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{_text(_attribute(value))}"'
        for key, value in attributes.items()
    )
    return f"<{name}{attrs} />" if content is None else f"<{name}{attrs}>{content}</{name}>"


def _attribute(value: object) -> object:
    return f"{value:.1f}" if isinstance(value, float) else value


def _header(comparison: ComparisonOut) -> str:
    pairing = comparison.pairing
    rows = [
        ("baseline", f"<code>{_text(comparison.baseline_evaluation_id)}</code>"),
        ("candidate", f"<code>{_text(comparison.candidate_evaluation_id)}</code>"),
        ("alpha", _text(f"{comparison.alpha:g}")),
        ("paired by", f"<code>{_text(pairing.by)}</code>"),
        (
            "pairs",
            (
                f"{pairing.pairs:,} ({pairing.baseline_only:,} only in the baseline, "
                f"{pairing.candidate_only:,} only in the candidate)"
            ),
        ),
    ]
    table = "\n".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return (
        f"<header>\n<h1>Comparison of two evaluations</h1>\n<table>\n{table}\n</table>\n"
        '<p class="note">Deltas are candidate − baseline over the pairs with a result on both '
        "sides; p adjusted is Holm's, over every test of the comparison.</p>\n</header>"
    )


def _warnings(comparison: ComparisonOut) -> str:
    if not comparison.warnings:
        return ""
    items = "\n".join(
        f"<li><strong>{_text(warning.type)}</strong>: {_text(warning.message)}</li>"
        for warning in comparison.warnings
    )
    return f'<h2 id="warnings">Warnings</h2>\n<ul class="warnings">\n{items}\n</ul>'


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _extent(metric: MetricComparisonOut) -> float:
    """How far from zero a row's point and interval reach."""
    values = (_finite(metric.delta), _finite(metric.ci_low), _finite(metric.ci_high))
    return max((abs(value) for value in values if value is not None), default=0.0)


def _nice(limit: float) -> float:
    """`limit` rounded up to 1, 2 or 5 times a power of ten (1 when there is nothing to show)."""
    if limit <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(limit))
    return next(step * power for step in (1, 2, 5, 10) if limit <= step * power * (1 + 1e-9))


def _scales(metrics: Sequence[MetricComparisonOut]) -> list[float]:
    """Each row's half-width: its axis runs from -scale to +scale, zero in the middle.

    Binary metrics share one scale: their deltas are differences of proportions, one unit, so
    rows side by side compare honestly. A numeric metric gets a scale of its own: an F1 score, a
    1-10 rating and a latency in ms have nothing in common, and on a shared axis the largest unit
    would flatten every other row to a dot. Dividing each by its spread to make them "comparable"
    would need each metric's standard deviation, which the response does not carry, and would
    hide the units the tables report. Every axis is symmetric, so zero is one vertical line
    through all the rows: which side of it a point falls on, and whether its interval crosses
    it, is what the plot is for. Each row prints its own limits.
    """
    binary = _nice(max((_extent(m) for m in metrics if m.kind == "binary"), default=0.0))
    return [binary if m.kind == "binary" else _nice(_extent(m)) for m in metrics]


def _x(value: float, scale: float) -> float:
    clamped = max(-scale, min(scale, value))
    return _PLOT_LEFT + _PLOT_WIDTH / 2 * (1 + clamped / scale)


def _short(alias: str) -> str:
    """The alias cut to fit the label column (the row's tooltip has it whole)."""
    return alias if len(alias) <= _LABEL_CHARS else alias[: _LABEL_CHARS - 1] + "…"


def _forest(metrics: Sequence[MetricComparisonOut]) -> str:
    if not metrics:
        return '<p class="note">No metric to compare.</p>'
    height = _TOP + _ROW * len(metrics) + 10
    parts = [
        _tag("text", "alias", x=_LABEL_X, y=16, font_weight=600),
        _tag(
            "text", "candidate − baseline", x=_ZERO_X, y=16, text_anchor="middle", font_weight=600
        ),
        _tag("text", "delta [interval]", x=_VALUE_X, y=16, font_weight=600),
        # Drawn before the rows so their points and intervals lie on top of it.
        _tag(
            "line",
            class_="zero",
            x1=_ZERO_X,
            y1=_TOP - 8,
            x2=_ZERO_X,
            y2=height - 6,
            stroke="#1f2328",
        ),
    ]
    for index, (metric, scale) in enumerate(zip(metrics, _scales(metrics), strict=True)):
        parts.append(_forest_row(metric, scale, _TOP + _ROW * index))
    svg = _tag(
        "svg",
        "\n" + "\n".join(parts) + "\n",
        class_="forest",
        width=_WIDTH,
        height=height,
        viewBox=f"0 0 {_WIDTH} {height}",
        role="img",
        aria_label="Mean difference and interval per alias",
    )
    return (
        f"{svg}\n"
        '<p class="note">A point is the mean paired difference and its line the interval, '
        "coloured by verdict. Each row has its own axis, symmetric around zero, with its limits "
        "printed under it; binary metrics (differences of proportions) share one.</p>"
    )


def _forest_row(metric: MetricComparisonOut, scale: float, top: int) -> str:
    colour = VERDICT_COLOURS[metric.verdict]
    middle = top + _ROW / 2
    parts = [
        f"<title>{_text(metric.alias)}: {VERDICT_LABELS[metric.verdict]}</title>",
        _tag("text", _text(_short(metric.alias)), x=_LABEL_X, y=middle + 4),
        _tag(
            "line",
            x1=_PLOT_LEFT,
            y1=middle,
            x2=_PLOT_LEFT + _PLOT_WIDTH,
            y2=middle,
            stroke="#eaeef2",
        ),
    ]
    if not metric.higher_is_better:
        parts.append(
            _tag("text", "lower is better", class_="small", x=_LABEL_X, y=middle + 13, fill=MUTED)
        )
    delta, low, high = _finite(metric.delta), _finite(metric.ci_low), _finite(metric.ci_high)
    if delta is not None:
        parts.append(
            _tag("text", f"{-scale:g}", class_="small", x=_PLOT_LEFT, y=middle + 13, fill=MUTED)
        )
        parts.append(
            _tag(
                "text",
                f"{scale:+g}",
                class_="small",
                x=_PLOT_LEFT + _PLOT_WIDTH,
                y=middle + 13,
                fill=MUTED,
                text_anchor="end",
            )
        )
        if low is not None and high is not None:
            parts.append(
                _tag(
                    "line",
                    class_="ci",
                    x1=_x(low, scale),
                    y1=middle,
                    x2=_x(high, scale),
                    y2=middle,
                    stroke=colour,
                    stroke_width=3,
                    stroke_linecap="round",
                )
            )
        parts.append(
            _tag("circle", class_="delta", cx=_x(delta, scale), cy=middle, r=5, fill=colour)
        )
        value = f"{number(delta, signed=True)} {interval(low, high)}"
    else:
        reason = "categorical: no mean difference" if metric.kind == "categorical" else "no pairs"
        parts.append(_tag("text", reason, x=_ZERO_X + 8, y=middle + 4, fill=MUTED))
        value = VERDICT_LABELS[metric.verdict]
    parts.append(_tag("text", _text(value), x=_VALUE_X, y=middle + 4, fill=colour))
    return _tag(
        "g",
        "\n" + "\n".join(parts) + "\n",
        class_="forest-row",
        data_alias=metric.alias,
        data_verdict=metric.verdict,
    )


def _metric_section(metric: MetricComparisonOut) -> str:
    colour = VERDICT_COLOURS[metric.verdict]
    badge = _tag(
        "span", VERDICT_LABELS[metric.verdict], class_="verdict", style=f"background: {colour}"
    )
    means = f"{number(metric.baseline_mean)} → {number(metric.candidate_mean)}"
    ci_method = f" ({metric.ci_method})" if metric.ci_method else ""
    rows = [
        ("kind", metric.kind),
        ("better", "higher" if metric.higher_is_better else "lower"),
        ("pairs (n)", f"{metric.n:,}"),
        ("mean, baseline → candidate", means),
        ("delta", number(metric.delta, signed=True)),
        ("interval", interval(metric.ci_low, metric.ci_high) + ci_method),
        ("test", metric.test or MISSING),
        ("p", p_value(metric.p_value)),
        ("p adjusted", p_value(metric.p_adjusted)),
        ("minimum detectable difference", number(metric.mde)),
    ]
    table = "\n".join(f"<tr><th>{name}</th><td>{_text(value)}</td></tr>" for name, value in rows)
    parts = [
        f"<h2>{_text(metric.alias)} {badge}</h2>",
        f'<table class="statistics">\n{table}\n</table>',
        "<h3>Paired changes</h3>",
        _changes_bar(metric),
        _histogram(metric),
        _categories(metric),
        _errored(metric),
        _items("Most regressed items (candidate ids)", metric.most_regressed),
        _items("Most improved items (candidate ids)", metric.most_improved),
    ]
    content = "\n".join(part for part in parts if part)
    return _tag("section", f"\n{content}\n", class_="metric", data_alias=metric.alias)


def _changes_bar(metric: MetricComparisonOut) -> str:
    """A stacked bar of the pairs that improved, stayed unchanged, regressed or just changed.

    The response carries these counts, not the items' values, so this is the distribution of
    the change it can show.
    """
    segments = [
        ("improved", metric.improved, VERDICT_COLOURS["improved"]),
        ("unchanged", metric.unchanged, UNCHANGED_COLOUR),
        ("regressed", metric.regressed, VERDICT_COLOURS["regressed"]),
        ("changed", undirected_changes(metric), VERDICT_COLOURS["changed"]),
    ]
    total = sum(count for _, count, _ in segments)
    if total == 0:
        return '<p class="note">No pairs.</p>'
    legend = " · ".join(f"{count:,} {name}" for name, count, _ in segments if count)
    rects, x = [], 0.0
    for name, count, colour in segments:
        if count:
            width = _BAR_WIDTH * count / total
            title = f"<title>{count:,} {name}</title>"
            rects.append(
                _tag(
                    "rect",
                    title,
                    class_=name,
                    x=x,
                    y=0,
                    width=width,
                    height=_BAR_HEIGHT,
                    fill=colour,
                )
            )
            x += width
    svg = _tag(
        "svg",
        "\n" + "\n".join(rects) + "\n",
        class_="changes",
        width=_BAR_WIDTH,
        height=_BAR_HEIGHT,
        viewBox=f"0 0 {_BAR_WIDTH} {_BAR_HEIGHT}",
        role="img",
        aria_label=legend,
    )
    return f'{svg}\n<p class="note">{legend}</p>'


def _histogram(metric: MetricComparisonOut) -> str:
    """Numeric metrics: how the paired differences spread, bins below zero red and above it green
    when higher is better (the reverse when lower is), the middle bin (no change) grey.
    Categorical metrics: each value's share on each side, side by side."""
    if metric.histogram is not None:
        return _difference_histogram(metric)
    if metric.categories:
        return _share_bars(metric)
    return ""


def _difference_histogram(metric: MetricComparisonOut) -> str:
    assert metric.histogram is not None
    edges, counts = metric.histogram.edges, metric.histogram.counts
    tallest = max(counts, default=0) or 1
    width = _BAR_WIDTH / len(counts)
    good, bad = VERDICT_COLOURS["improved"], VERDICT_COLOURS["regressed"]
    if not metric.higher_is_better:
        good, bad = bad, good
    bars = []
    for index, count in enumerate(counts):
        low, high = edges[index], edges[index + 1]
        colour = UNCHANGED_COLOUR if low <= 0 <= high else good if low > 0 else bad
        height = _HISTOGRAM_HEIGHT * count / tallest
        title = (
            f"<title>{count:,} pairs with a difference in [{number(low)}, {number(high)}]</title>"
        )
        bars.append(
            _tag(
                "rect",
                title,
                x=index * width,
                y=_HISTOGRAM_HEIGHT - height,
                width=max(width - 1, 1),
                height=height,
                fill=colour,
            )
        )
    axis = "".join(
        _tag(
            "text",
            _text(number(value, signed=True)),
            x=x,
            y=_HISTOGRAM_HEIGHT + 12,
            text_anchor=anchor,
            class_="small",
        )
        for value, x, anchor in (
            (edges[0], 0, "start"),
            (0.0, _BAR_WIDTH / 2, "middle"),
            (edges[-1], _BAR_WIDTH, "end"),
        )
    )
    legend = (
        f"Paired differences (candidate − baseline) of {metric.n:,} pairs, in {len(counts)} bins"
    )
    return "<h3>Distribution of paired differences</h3>\n" + _svg(
        "histogram", "\n".join(bars) + axis, _HISTOGRAM_HEIGHT + _AXIS_HEIGHT, legend
    )


def _share_bars(metric: MetricComparisonOut) -> str:
    assert metric.categories is not None
    rows = len(metric.categories)
    row = 2 * _BAR_HEIGHT + 8
    half = _BAR_WIDTH / 2
    bars = []
    for index, category in enumerate(metric.categories):
        top = index * row
        bars.append(_tag("text", _text(_short(category.value)), x=0, y=top + _BAR_HEIGHT + 4))
        for offset, (side, share, colour) in enumerate(
            (
                ("baseline", category.baseline_share, UNCHANGED_COLOUR),
                ("candidate", category.candidate_share, MUTED),
            )
        ):
            title = f"<title>{_text(category.value)}: {share:.1%} of the {side}</title>"
            bars.append(
                _tag(
                    "rect",
                    title,
                    class_=side,
                    x=half,
                    y=top + offset * _BAR_HEIGHT,
                    width=half * share,
                    height=_BAR_HEIGHT - 2,
                    fill=colour,
                )
            )
    legend = "Share of pairs per value: baseline (light) above candidate (dark)"
    return "<h3>Values, baseline and candidate</h3>\n" + _svg(
        "shares", "".join(bars), rows * row, legend
    )


def _svg(class_: str, content: str, height: float, legend: str) -> str:
    svg = _tag(
        "svg",
        f"\n{content}\n",
        class_=class_,
        width=_BAR_WIDTH,
        height=height,
        viewBox=f"0 0 {_BAR_WIDTH} {height}",
        role="img",
        aria_label=legend,
    )
    return f'{svg}\n<p class="note">{_text(legend)}.</p>'


def _categories(metric: MetricComparisonOut) -> str:
    if not metric.categories:
        return ""
    head = "".join(
        f"<th>{name}</th>"
        for name in ("value", "baseline share", "candidate share", "gained", "lost", "p")
    )
    rows = "\n".join(
        f"<tr><td>{_text(category.value)}</td>"
        f'<td class="number">{category.baseline_share:.1%}</td>'
        f'<td class="number">{category.candidate_share:.1%}</td>'
        f'<td class="number">{category.gained:,}</td>'
        f'<td class="number">{category.lost:,}</td>'
        f'<td class="number">{_text(p_value(category.p_value))}</td></tr>'
        for category in metric.categories
    )
    return (
        f'<h3>Categories</h3>\n<table class="categories">\n<tr>{head}</tr>\n{rows}\n</table>\n'
        '<p class="note">Each value is tested against all the others (exact McNemar); gained '
        "and lost count the pairs whose answer moved into or out of it.</p>"
    )


def _errored(metric: MetricComparisonOut) -> str:
    cells = [(side, count) for side, count in metric.errored.items() if count]
    if not cells:
        return ""
    text = ", ".join(f"{count:,} in the {side}" for side, count in cells)
    return f'<p class="note">Errored cells of paired items, left out: {_text(text)}.</p>'


def _items(title: str, item_ids: Sequence[str]) -> str:
    if not item_ids:
        return ""
    listed = ", ".join(f"<code>{_text(item_id)}</code>" for item_id in item_ids[:SHOWN_ITEMS])
    more = len(item_ids) - SHOWN_ITEMS
    return f"<h3>{title}</h3>\n<p>{listed}" + (f" and {more} more" if more > 0 else "") + "</p>"
