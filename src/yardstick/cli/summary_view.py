"""An evaluation summary as terminal tables (what `yardstick evaluations watch` prints at the end).

The input is the JSON of `GET /v5/evaluations/{id}/summary` (`summary.summary_json`): the CLI
reads it over HTTP like any other client. Every cell is plain `Text`: aliases, error types and
results are the data's own (a model's `[/INST]`), never rich markup.
"""

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

SHOWN_VALUES = 3
COUNTS = ("done", "errored", "pending")
COLUMNS = ("alias", *COUNTS, "result", "latency ms p50/p90/p99", "tokens")


def _result(alias: dict[str, Any]) -> str:
    parts = []
    numeric = alias["numeric"]
    if numeric is not None:
        ci95 = numeric["ci95"]
        ci = f" [{ci95[0]:.4g}, {ci95[1]:.4g}]" if ci95 is not None else ""
        std = f" ± {numeric['std']:.3g} sd" if numeric["std"] is not None else ""
        parts.append(
            f"mean {numeric['mean']:.4g}{std}{ci}; min {numeric['min']:.4g} "
            f"p50 {numeric['p50']:.4g} p90 {numeric['p90']:.4g} max {numeric['max']:.4g}"
        )
    categorical = alias["categorical"]
    if categorical is not None:
        values = categorical["values"]
        shown = ", ".join(f"{v['value']} {v['share']:.0%}" for v in values[:SHOWN_VALUES])
        # Values beyond the top ones the server tallies count as one more.
        more = len(values) - SHOWN_VALUES + (1 if categorical["other"]["count"] else 0)
        parts.append(shown + (f", +{more} more" if more > 0 else ""))
    return "\n".join(parts)


def _latency(alias: dict[str, Any]) -> str:
    latency = alias["latency_ms"]
    if latency is None:
        return ""
    return f"{latency['p50']:.0f} / {latency['p90']:.0f} / {latency['p99']:.0f}"


def _usage(alias: dict[str, Any]) -> str:
    usage = alias["usage"]
    tokens = usage["total_tokens"]
    text = f"{tokens:,}" if tokens else ""
    if usage["cost_usd"] is not None:
        text += f" (${usage['cost_usd']:,.4f})"
    return text


def summary_tables(summary: dict[str, Any]) -> Group:
    table = Table(title=f"{summary['items']:,} items", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="right" if column in COUNTS else "left")
    errors = Table(title="errors", title_justify="left")
    errors.add_column("alias")
    errors.add_column("type")
    errors.add_column("cells", justify="right")
    for name, alias in summary["aliases"].items():
        cells = alias["cells"]
        done = cells["completed"] + cells["skipped"] + cells["prefilled"]
        table.add_row(
            Text(name),
            f"{done:,}",
            f"{cells['errored']:,}",
            f"{cells['pending']:,}",
            Text(_result(alias)),
            _latency(alias),
            Text(_usage(alias)),
        )
        for kind, count in sorted(alias["errors"].items(), key=lambda entry: -entry[1]):
            errors.add_row(Text(name), Text(kind), f"{count:,}")
    return Group(table, errors) if errors.row_count else Group(table)
