"""Charts drawn on the server as inline SVG: no chart library, nothing to download.

Each function returns markup ready for a template. Colours are CSS classes (`chart-bar`,
`chart-axis`, `share-0`...), defined in `static/app.css` for both colour schemes, never inline
styles (the pages' CSP refuses those). Every mark has a `<title>`, so hovering tells its exact
figure, and every chart a text alternative (`aria-label`).
"""

from collections.abc import Sequence

from markupsafe import Markup, escape

SHARE_CLASSES = 8  # share-0 ... share-7 in app.css


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _at(low: float, high: float, share: float) -> float:
    """The point `share` of the way from `low` to `high`; a weighted sum, not `low` plus a share
    of `high - low`, which passes a double's range for values of both signs near its ends."""
    return low * (1 - share) + high * share


def histogram(
    counts: Sequence[int],
    low: float,
    high: float,
    *,
    label: str,
    width: int = 320,
    height: int = 110,
) -> Markup:
    """Bars of `counts` over equal bins of [low, high], with the two ends written below."""
    plot_height = height - 18
    peak = max(counts) if counts and max(counts) > 0 else 1
    step = width / max(1, len(counts))
    total = sum(counts)
    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{escape(label)}: histogram of {total} values from '
            f'{_fmt(low)} to {_fmt(high)}">'
        )
    ]
    for i, count in enumerate(counts):
        bar = 0.0 if count == 0 else max(1.0, plot_height * count / peak)
        start = _at(low, high, i / len(counts))
        end = _at(low, high, (i + 1) / len(counts))
        parts.append(
            f'<rect class="chart-bar" x="{i * step + 1:.1f}" y="{plot_height - bar:.1f}" '
            f'width="{max(1.0, step - 2):.1f}" height="{bar:.1f}"><title>'
            f"{_fmt(start)} – {_fmt(end)}: {count}</title></rect>"
        )
    parts.append(
        f'<line class="chart-axis" x1="0" y1="{plot_height + 0.5}" x2="{width}" '
        f'y2="{plot_height + 0.5}"/>'
        f'<text class="chart-text" x="0" y="{height - 3}">{escape(_fmt(low))}</text>'
        f'<text class="chart-text" x="{width}" y="{height - 3}" text-anchor="end">'
        f"{escape(_fmt(high))}</text></svg>"
    )
    return Markup("".join(parts))


def shares(values: Sequence[tuple[str, int, float]], *, label: str, width: int = 320) -> Markup:
    """One horizontal bar per (value, count, share), longest first as given."""
    row = 20
    height = row * max(1, len(values))
    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{escape(label)}: shares of {len(values)} values">'
        )
    ]
    label_width = width * 0.4
    bar_space = width - label_width - 60
    for i, (name, count, share) in enumerate(values):
        y = i * row
        shown = name if len(name) <= 24 else name[:23] + "…"
        parts.append(
            f"<g><title>{escape(name)}: {count} ({share * 100:.1f} %)</title>"
            f'<text class="chart-text" x="0" y="{y + 14}">{escape(shown)}</text>'
            f'<rect class="share-{i % SHARE_CLASSES}" x="{label_width:.1f}" y="{y + 3}" '
            f'width="{max(1.0, bar_space * share):.1f}" height="{row - 6}"/>'
            f'<text class="chart-text" x="{width}" y="{y + 14}" text-anchor="end">'
            f"{share * 100:.1f} %</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
