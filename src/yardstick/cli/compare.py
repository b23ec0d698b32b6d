"""`yardstick compare BASELINE CANDIDATE`: is the candidate evaluation better than the baseline,
alias by alias?

Like `evaluations watch`, it is an HTTP client of a running server (remote.py: URL, API key,
account). It asks `POST /v5/comparisons` once, prints a table of the answer and its warnings,
and writes the HTML report (yardstick.compare.report) when `--html` names a file. The exit
status is made for gating a CI job: 0 when the comparison ran, 1 when `--fail-on-regression` is
given and some alias regressed, 2 when there is no comparison to judge (the server refused or
did not answer, or the report could not be written). That is 2 rather than the 1 of the other
HTTP commands because a gate must tell "the candidate is worse" from "we could not tell".
"""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from yardstick.cli.remote import (
    DEFAULT_URL,
    AccountIdOption,
    ApiKeyOption,
    Remote,
    RemoteError,
    UrlOption,
    describe,
    remote,
    send_json,
)
from yardstick.compare.report import (
    VERDICT_LABELS,
    interval,
    number,
    p_value,
    render_report,
    undirected_changes,
)
from yardstick.compare.schemas import ComparisonOut, MetricComparisonOut, Verdict

PATH = "/v5/comparisons"
# The server computes the comparison while the client waits, which takes a while on a large
# evaluation; a server that hangs must still not hang a CI job for ever.
READ_TIMEOUT_SECONDS = 300.0
REGRESSED_EXIT = 1
NO_COMPARISON_EXIT = 2

VERDICT_STYLES: dict[Verdict, str] = {
    "improved": "bold green",
    "regressed": "bold red",
    "changed": "bold yellow",
    "no_significant_difference": "dim",
}
COLUMNS = (
    "alias",
    "kind",
    "n",
    "baseline → candidate",
    "delta [interval]",
    "p adjusted",
    "verdict",
    "flips + = −",
)


def _request(
    baseline: str,
    candidate: str,
    aliases: list[str] | None,
    lower_is_better: list[str] | None,
    alpha: float,
    pair_by: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "baseline_evaluation_id": baseline,
        "candidate_evaluation_id": candidate,
        "alpha": alpha,
        "higher_is_better": dict.fromkeys(lower_is_better or [], False),
    }
    if aliases:
        body["aliases"] = aliases
    if pair_by is not None:
        body["pair_by"] = pair_by
    return body


def _compare(server: Remote, body: dict[str, Any]) -> ComparisonOut:
    with server.client(read_timeout=READ_TIMEOUT_SECONDS) as client:
        try:
            answer = send_json(
                client, server, "POST", PATH, json.dumps(body).encode(), what="comparison"
            )
        except RemoteError as exc:
            if exc.status != 404:
                raise
            # remote.explain words a 404 as one missing thing; here the server's detail says
            # which of the two evaluations it did not find.
            raise RemoteError(_not_found(server, exc.detail), status=404) from exc
    try:
        return ComparisonOut.model_validate(answer)
    except ValidationError as exc:
        raise RemoteError(
            f"{server.url} answered {PATH} with something other than a comparison"
        ) from exc


def _not_found(server: Remote, detail: Any) -> str:
    if detail == "Not Found":  # FastAPI's own: no such route
        return f"{server.url} has no POST {PATH} (404): is the server older than this command?"
    return f"{describe(detail)} in account {server.account_id!r} at {server.url} (404)"


def _say(console: Console, message: str, style: str | None = None) -> None:
    # Plain text: ids, aliases and server messages may hold brackets that rich reads as markup,
    # and `:name:` that it would make an emoji (`column:id:` would show as `column🆔`).
    console.print(message, style=style, markup=False, emoji=False, highlight=False, soft_wrap=True)


def _flips(metric: MetricComparisonOut) -> str:
    text = f"+{metric.improved:,} ={metric.unchanged:,} −{metric.regressed:,}"
    changed = undirected_changes(metric)
    return text + (f" ~{changed:,}" if changed else "")


def _table(comparison: ComparisonOut) -> Table:
    table = Table()
    for column in COLUMNS:
        # Text, not str: rich would read `[interval]` as markup.
        table.add_column(Text(column), justify="right" if column in ("n", "p adjusted") else "left")
    for metric in comparison.metrics:
        means = f"{number(metric.baseline_mean)} → {number(metric.candidate_mean)}"
        if metric.baseline_mean is None and metric.candidate_mean is None:
            means = "—"
        effect = f"{number(metric.delta, signed=True)} {interval(metric.ci_low, metric.ci_high)}"
        alias = metric.alias + ("" if metric.higher_is_better else " (lower is better)")
        table.add_row(
            Text(alias),
            metric.kind,
            f"{metric.n:,}",
            means,
            effect if metric.delta is not None else "—",
            p_value(metric.p_adjusted),
            Text(VERDICT_LABELS[metric.verdict], style=VERDICT_STYLES[metric.verdict]),
            _flips(metric),
        )
    return table


def _categories(comparison: ComparisonOut) -> Table | None:
    """The categories of the categorical aliases: which answers the candidate gives more often."""
    table = Table(title="categories", title_justify="left")
    for column in ("alias", "value", "baseline → candidate share", "gained", "lost", "p"):
        table.add_column(column, justify="right" if column in ("gained", "lost", "p") else "left")
    for metric in comparison.metrics:
        for category in metric.categories or []:
            table.add_row(
                Text(metric.alias),
                Text(category.value),
                f"{category.baseline_share:.1%} → {category.candidate_share:.1%}",
                f"{category.gained:,}",
                f"{category.lost:,}",
                p_value(category.p_value),
            )
    return table if table.row_count else None


def _show(console: Console, comparison: ComparisonOut) -> None:
    pairing = comparison.pairing
    _say(
        console,
        f"baseline {comparison.baseline_evaluation_id} → candidate "
        f"{comparison.candidate_evaluation_id}, alpha {comparison.alpha:g}",
        "bold",
    )
    _say(
        console,
        f"paired by {pairing.by}: {pairing.pairs:,} pairs ({pairing.baseline_only:,} only in "
        f"the baseline, {pairing.candidate_only:,} only in the candidate)",
    )
    console.print(_table(comparison))
    categories = _categories(comparison)
    if categories is not None:
        console.print(categories)
    for warning in comparison.warnings:
        _say(console, f"warning ({warning.type}): {warning.message}", "yellow")


def compare(
    baseline: Annotated[str, typer.Argument(help="The baseline evaluation's id")],
    candidate: Annotated[str, typer.Argument(help="The candidate evaluation's id")],
    aliases: Annotated[
        list[str] | None,
        typer.Option(
            "--alias",
            help="An alias to compare (repeatable; default: every alias both have results for)",
            show_default=False,
        ),
    ] = None,
    lower_is_better: Annotated[
        list[str] | None,
        typer.Option(
            "--lower-is-better",
            help="An alias whose smaller values are better, e.g. a latency (repeatable)",
            show_default=False,
        ),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level, in (0, 0.5]")] = 0.05,
    pair_by: Annotated[
        str | None,
        typer.Option(
            help="`dataset_item_id` or a data column that identifies a row on both sides "
            "(default: the dataset item, else the row's content)",
            show_default=False,
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write a self-contained HTML report to this file", dir_okay=False
        ),
    ] = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option("--fail-on-regression", help="Exit 1 when any alias's verdict is regressed"),
    ] = False,
    url: UrlOption = DEFAULT_URL,
    api_key: ApiKeyOption = None,
    account_id: AccountIdOption = None,
) -> None:
    """Compare a candidate evaluation with a baseline, alias by alias, with paired statistics."""
    # Made here, not at import, so the terminal width (COLUMNS) is read when the command runs.
    console, errors = Console(), Console(stderr=True)
    if not 0 < alpha <= 0.5:  # NaN too, which JSON cannot carry to the server's own check
        _say(errors, f"--alpha must be in (0, 0.5], not {alpha}", "red")
        raise typer.Exit(NO_COMPARISON_EXIT)
    body = _request(baseline, candidate, aliases, lower_is_better, alpha, pair_by)
    try:
        comparison = _compare(remote(url, api_key, account_id), body)
    except RemoteError as exc:
        _say(errors, str(exc), "red")
        raise typer.Exit(NO_COMPARISON_EXIT) from exc
    _show(console, comparison)
    if html is not None:
        try:
            html.write_text(render_report(comparison), encoding="utf-8")
        except OSError as exc:
            _say(errors, f"could not write the report to {html}: {exc}", "red")
            raise typer.Exit(NO_COMPARISON_EXIT) from exc
        _say(console, f"wrote the report to {html}")
    regressed = [m.alias for m in comparison.metrics if m.verdict == "regressed"]
    if fail_on_regression and regressed:
        aliases_text = ", ".join(repr(alias) for alias in regressed)
        _say(errors, f"regressed: {aliases_text} (--fail-on-regression)", "red")
        raise typer.Exit(REGRESSED_EXIT)
