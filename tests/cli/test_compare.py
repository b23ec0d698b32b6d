"""`yardstick compare BASELINE CANDIDATE` against a running server, by URL.

Two evaluations of the same 40 rows, made through the official client: the baseline answers
every row right, the candidate only the first 4 (an f1 of 2/3 on the other 36), and a reviewer's
label (prefilled) moves from "yes" to "no" on 10 rows. A third alias scores the reference against
itself, so it is the same on both sides. The rows differ between the runs, so they pair by their
`id` column. As in the other CLI tests, one case runs the command as a subprocess whose
environment has no usable database URL (it must talk HTTP only), the others in this process.
"""

import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scale_gp_beta import SGPClient
from typer.testing import CliRunner, Result

from tests.agreement.helpers import contributor_task
from tests.cli.helpers import cli_env
from tests.conftest import make_client
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, free_port
from yardstick.cli.main import app

N = 40
RIGHT = 4  # rows the candidate still answers right
FLIPPED = 10  # rows whose label the candidate turns from yes to no
# Wide enough that no table cell wraps.
WIDE = {"COLUMNS": "250"}


@dataclass(frozen=True)
class Runs:
    baseline: str
    candidate: str


def rows(*, candidate: bool) -> list[dict[str, object]]:
    def row(i: int) -> dict[str, object]:
        worse = candidate and i >= RIGHT
        flipped = candidate and i >= N - FLIPPED
        return {
            "id": f"row-{i}",
            "expected": "a b c d",
            "answer": "a b" if worse else "a b c d",
            "label": "no" if flipped else "yes",
        }

    return [row(i) for i in range(N)]


def tasks(question_id: str) -> list[Any]:
    """Typed Any: the client types tasks as TypedDicts per task type."""
    return [
        {
            "task_type": "metric",
            "alias": "f1",
            "configuration": {
                "type": "f1",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "metric",
            "alias": "same",
            "configuration": {
                "type": "f1",
                "candidate": "item.expected",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "contributor_evaluation.question",
            "alias": "review",
            "configuration": {
                "question_id": question_id,
                "layout": {"children": [{"data": "item.answer"}]},
                "prefill_from": "label",
            },
        },
    ]


def finish(client: SGPClient, evaluation_id: str) -> str:
    deadline = time.monotonic() + 120
    while client.evaluations.retrieve(evaluation_id).status == "running":
        assert time.monotonic() < deadline, f"evaluation {evaluation_id} still running"
        time.sleep(0.2)
    assert client.evaluations.retrieve(evaluation_id).status == "completed"
    return evaluation_id


@pytest.fixture(scope="module")
def runs(server: Server) -> Runs:
    client = make_client(server)
    question = client.questions.create(
        name=f"cli-compare-{uuid.uuid4().hex[:8]}",
        prompt="Is the answer right?",
        question_type="categorical",
        configuration={"choices": ["yes", "no"]},
    )
    made = [
        client.evaluations.create(
            name=f"cli-compare-{side}-{uuid.uuid4().hex[:8]}",
            data=rows(candidate=side == "candidate"),
            tasks=tasks(question.id),
        )
        for side in ("baseline", "candidate")
    ]
    return Runs(*(finish(client, evaluation.id) for evaluation in made))


def compare_here(server: Server, *args: str, account: str = ACCOUNT_A) -> Result:
    """The command in this process, told the server by the environment."""
    env = {
        **WIDE,
        "YARDSTICK_URL": server.base_url,
        "YARDSTICK_API_KEY": server.keys[account],
        "YARDSTICK_ACCOUNT_ID": account,
    }
    return CliRunner().invoke(app, ["compare", *args], env=env)


def table_rows(output: str) -> dict[str, list[str]]:
    """The main table's cells by alias (8 columns: 9 borders)."""
    found = [line for line in output.splitlines() if line.count("│") == 9]
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in found]
    return {row[0]: row for row in cells if row[0] != "alias"}


def test_a_clear_regression_fails_the_gate_and_writes_the_report(
    server: Server, runs: Runs, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    args = [runs.baseline, runs.candidate, "--pair-by", "id", "--html", str(report)]
    result = subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "compare", *args, "--fail-on-regression"],
        env={**cli_env(server), **WIDE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr + result.stdout
    assert result.stderr == "regressed: 'f1' (--fail-on-regression)\n"
    out = result.stdout
    assert f"baseline {runs.baseline} → candidate {runs.candidate}, alpha 0.05" in out
    assert (
        f"paired by column:id: {N} pairs (0 only in the baseline, 0 only in the candidate)" in out
    )
    table = table_rows(out)
    assert list(table) == ["f1", "review", "same"]
    _, kind, n, means, delta, p_adjusted, verdict, flips = table["f1"]
    assert (kind, n, means, verdict) == ("numeric", str(N), "1 → 0.7", "regressed")
    assert delta.startswith("-0.3 [")
    assert p_adjusted == "< 0.0001"
    assert flips == f"+0 ={RIGHT} −{N - RIGHT}"
    assert table["review"][1:3] == ["categorical", str(N)]
    assert table["review"][3] == table["review"][4] == "—" and table["review"][6] == "changed"
    assert table["review"][7] == f"+0 ={N - FLIPPED} −0 ~{FLIPPED}"
    assert table["same"][4] == "+0 [+0, +0]" and table["same"][6] == "no significant difference"
    assert f"wrote the report to {report}" in out
    # The categories table of the categorical alias.
    assert "categories" in out and "100.0% → 75.0%" in out and "0.0% → 25.0%" in out

    root = ET.fromstring(report.read_text(encoding="utf-8"))
    forest = root.findall(".//svg[@class='forest']/g[@class='forest-row']")
    assert [(row.get("data-alias"), row.get("data-verdict")) for row in forest] == [
        ("f1", "regressed"),
        ("review", "changed"),
        ("same", "no_significant_difference"),
    ]
    assert runs.baseline in "".join(root.itertext())


def test_without_the_flag_a_regression_exits_0(server: Server, runs: Runs) -> None:
    result = compare_here(server, runs.baseline, runs.candidate, "--pair-by", "id")
    assert result.exit_code == 0, result.output
    assert table_rows(result.stdout)["f1"][6] == "regressed"
    assert result.stderr == ""


def test_an_improvement_passes_the_gate(server: Server, runs: Runs) -> None:
    args = [runs.candidate, runs.baseline, "--pair-by", "id", "--fail-on-regression"]
    result = compare_here(server, *args)
    assert result.exit_code == 0, result.output
    f1 = table_rows(result.stdout)["f1"]
    assert f1[3] == "0.7 → 1" and f1[6] == "improved" and f1[7] == f"+{N - RIGHT} ={RIGHT} −0"


def test_lower_is_better_and_chosen_aliases(server: Server, runs: Runs) -> None:
    args = [runs.baseline, runs.candidate, "--pair-by", "id", "--alias", "f1", "--alias", "same"]
    result = compare_here(server, *args, "--lower-is-better", "f1", "--fail-on-regression")
    assert result.exit_code == 0, result.output
    table = table_rows(result.stdout)
    assert list(table) == ["f1 (lower is better)", "same"]
    assert table["f1 (lower is better)"][6] == "improved"


def test_alpha_is_sent(server: Server, runs: Runs) -> None:
    # With alpha so small, not even 36 pairs out of 40 are significant.
    args = [runs.baseline, runs.candidate, "--pair-by", "id", "--alpha", "1e-12"]
    result = compare_here(server, *args, "--fail-on-regression")
    assert result.exit_code == 0, result.output
    assert "alpha 1e-12" in result.stdout
    assert table_rows(result.stdout)["f1"][6] == "no significant difference"


def test_warnings_are_printed(server: Server, runs: Runs) -> None:
    # By content, only the rows the candidate left as they were pair.
    result = compare_here(server, runs.baseline, runs.candidate, "--alias", "same")
    assert result.exit_code == 0, result.output
    assert f"paired by content_hash: {RIGHT} pairs" in result.stdout
    assert "warning (unpaired_items): " in result.stdout


def test_unknown_and_foreign_evaluations_exit_2_with_the_servers_detail(
    server: Server, runs: Runs
) -> None:
    result = compare_here(server, runs.baseline, "nope")
    assert result.exit_code == 2
    assert result.stderr == (
        f"evaluation 'nope' not found in account '{ACCOUNT_A}' at {server.base_url} (404)\n"
    )
    result = compare_here(server, runs.baseline, runs.candidate, account=ACCOUNT_B)
    assert result.exit_code == 2
    assert f"evaluation '{runs.baseline}' not found in account '{ACCOUNT_B}'" in result.stderr


def test_a_refused_request_exits_2_with_the_servers_detail(server: Server, runs: Runs) -> None:
    result = compare_here(server, runs.baseline, runs.candidate, "--alias", "missing")
    assert result.exit_code == 2
    assert "body.aliases.0: " in result.stderr and "'missing'" in result.stderr
    assert result.stdout == ""


def test_missing_settings_and_unreachable_server_exit_2() -> None:
    env = {"YARDSTICK_API_KEY": None, "YARDSTICK_ACCOUNT_ID": "a"}
    result = CliRunner().invoke(app, ["compare", "a", "b"], env=env)
    assert result.exit_code == 2
    assert result.stderr == "no API key: set YARDSTICK_API_KEY or pass --api-key\n"

    url = f"http://127.0.0.1:{free_port()}"
    flags = ["--url", url, "--api-key", "k", "--account", "a"]
    result = CliRunner().invoke(app, ["compare", "a", "b", *flags, "--fail-on-regression"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{url} did not answer (ConnectError: ")


def test_figures_past_a_doubles_range_print_as_missing_with_a_warning(
    server: Server, tmp_path: Path
) -> None:
    """Values near a double's maximum whose mean difference is not a double: the server nulls
    it and warns, and the command still prints and reports the comparison."""
    client = make_client(server)
    question = client.questions.create(
        name=f"cli-compare-{uuid.uuid4().hex[:8]}", prompt="?", question_type="free_text"
    )
    task: Any = contributor_task("s", question.id, "v")
    made = [
        client.evaluations.create(
            name=f"cli-compare-huge-{uuid.uuid4().hex[:8]}",
            data=[{"id": i, "v": v} for i, v in enumerate([sign * 1.7e308] * 3 + [last])],
            tasks=[task],
        ).id
        for sign, last in ((1, 1.0), (-1, 2.0))
    ]
    report = tmp_path / "report.html"
    result = compare_here(server, *made, "--pair-by", "id", "--html", str(report))
    assert result.exit_code == 0, result.output
    _, kind, n, _, delta, _, verdict, flips = table_rows(result.stdout)["s"]
    assert (kind, n, delta, verdict, flips) == (
        "numeric",
        "4",
        "—",
        "no significant difference",
        "+1 =0 −3",
    )
    assert "warning (out_of_range): 's' has values so large that its delta" in result.stdout
    root = ET.fromstring(report.read_text(encoding="utf-8"))
    assert root.find(".//section[@data-alias='s']") is not None
