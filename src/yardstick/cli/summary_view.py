"""An evaluation summary as terminal tables (what `yardstick evaluations watch` prints at the end)."""

from rich.console import Group
from rich.table import Table

from yardstick.evaluation.summary import AliasSummary, EvaluationSummary

SHOWN_VALUES = 3


def _result(alias: AliasSummary) -> str:
    parts = []
    if alias.numeric is not None:
        n = alias.numeric
        ci = f" [{n.ci95[0]:.4g}, {n.ci95[1]:.4g}]" if n.ci95 is not None else ""
        std = f" ± {n.std:.3g} sd" if n.std is not None else ""
        parts.append(
            f"mean {n.mean:.4g}{std}{ci}; min {n.min:.4g} p50 {n.p50:.4g} p90 {n.p90:.4g} max {n.max:.4g}"
        )
    if alias.categorical is not None:
        c = alias.categorical
        shown = ", ".join(f"{v.value} {v.share:.0%}" for v in c.values[:SHOWN_VALUES])
        more = len(c.values) - SHOWN_VALUES + (1 if c.other else 0)
        parts.append(shown + (f", +{more} more" if more > 0 else ""))
    return "\n".join(parts)


def _latency(alias: AliasSummary) -> str:
    latency = alias.latency_ms
    if latency is None:
        return ""
    return f"{latency.p50:.0f} / {latency.p90:.0f} / {latency.p99:.0f}"


def _usage(alias: AliasSummary) -> str:
    tokens = alias.prompt_tokens + alias.completion_tokens
    text = f"{tokens:,}" if tokens else ""
    if alias.cost_usd is not None:
        text += f" (${alias.cost_usd:,.4f})"
    return text


def summary_tables(summary: EvaluationSummary) -> Group:
    table = Table(title=f"{summary.items:,} items", title_justify="left")
    for column in ("alias", "done", "errored", "pending", "result", "latency ms p50/p90/p99", "tokens"):
        table.add_column(column, justify="right" if column in ("done", "errored", "pending") else "left")
    errors = Table(title="errors", title_justify="left")
    errors.add_column("alias")
    errors.add_column("type")
    errors.add_column("cells", justify="right")
    for alias in summary.aliases:
        cells = alias.cells
        done = cells["completed"] + cells["skipped"] + cells["prefilled"]
        table.add_row(
            alias.alias,
            f"{done:,}",
            f"{cells['errored']:,}",
            f"{cells['pending']:,}",
            _result(alias),
            _latency(alias),
            _usage(alias),
        )
        for kind, count in sorted(alias.errors.items(), key=lambda entry: -entry[1]):
            errors.add_row(alias.alias, kind, f"{count:,}")
    return Group(table, errors) if errors.row_count else Group(table)
