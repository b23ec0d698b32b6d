"""`yardstick datasets import FILE --name NAME` (JSONL or CSV → a new dataset)."""

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from scale_gp_beta import NotFoundError, SGPClient

from tests.fixtures.server import ACCOUNT_B, Server

ROWS: list[dict[str, Any]] = [
    {"input": "What is 2+2?", "expected": "4", "meta": {"level": 1}},
    {"input": "Capital of France?", "expected": "Paris", "meta": None},
    {"input": "ünïcode ✓", "expected": "", "meta": {"tags": ["a", "b"]}},
]


def run_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", *args],
        check=False,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def unique_name() -> str:
    return f"imported-{uuid.uuid4().hex[:12]}"


def items_of(client: SGPClient, dataset_id: str) -> list[Any]:
    return [item.data for item in client.dataset_items.list(dataset_id=dataset_id)]


def by_name(client: SGPClient, name: str) -> list[str]:
    return [d.id for d in client.datasets.list(name=name)]


def test_import_jsonl(server: Server, client: SGPClient, tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n\n", encoding="utf-8")
    name = unique_name()
    dataset_id = server.cli("datasets", "import", str(source), "--name", name).strip()
    dataset = client.datasets.retrieve(dataset_id)
    assert (dataset.name, dataset.current_version_num) == (name, 1)
    assert dataset.created_by_user_id == "cli"
    assert items_of(client, dataset_id) == ROWS


def test_import_csv_with_tags_and_description(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        '\ufeffinput,expected\nWhat is 2+2?,4\n"Hello, world","multi\nline"\nünïcode,✓\n',
        encoding="utf-8",
    )
    name = unique_name()
    result = run_cli(
        server,
        "datasets",
        "import",
        str(source),
        "--name",
        name,
        "--description",
        "from csv",
        "--tag",
        "imported",
        "--tag",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    dataset = client.datasets.retrieve(result.stdout.strip())
    assert (dataset.description, dataset.tags) == ("from csv", ["imported", "csv"])
    assert "imported 3 items" in result.stderr
    assert items_of(client, dataset.id) == [
        {"input": "What is 2+2?", "expected": "4"},
        {"input": "Hello, world", "expected": "multi\nline"},
        {"input": "ünïcode", "expected": "✓"},
    ]


def test_format_option_overrides_the_extension(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    source = tmp_path / "rows.txt"
    source.write_text('{"a": 1}\n{"a": 2}\n')
    assert (
        run_cli(server, "datasets", "import", str(source), "--name", unique_name()).returncode == 1
    )
    dataset_id = server.cli(
        "datasets", "import", str(source), "--name", unique_name(), "--format", "jsonl"
    ).strip()
    assert items_of(client, dataset_id) == [{"a": 1}, {"a": 2}]


def test_import_into_another_account(
    server: Server, client: SGPClient, other_client: SGPClient, tmp_path: Path
) -> None:
    source = tmp_path / "b.jsonl"
    source.write_text('{"x": "b"}\n')
    dataset_id = server.cli(
        "datasets", "import", str(source), "--name", unique_name(), "--account", ACCOUNT_B
    ).strip()
    assert items_of(other_client, dataset_id) == [{"x": "b"}]
    with pytest.raises(NotFoundError):
        client.datasets.retrieve(dataset_id)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("bad.jsonl", '{"a": 1}\n{not json}\n', "line 2: not JSON"),
        ("list.jsonl", '{"a": 1}\n[1, 2]\n', "line 2: an item must be a JSON object"),
        ("empty.jsonl", "\n\n", "no items"),
        ("empty.csv", "a,b\n", "no items"),
        ("ragged.csv", "a,b\n1,2\n1,2,3\n", "line 3: more fields than the header"),
        ("latin1.csv", "a\n\xe9\n", "not UTF-8"),
    ],
)
def test_bad_input_imports_nothing(
    server: Server, client: SGPClient, tmp_path: Path, filename: str, content: str, message: str
) -> None:
    source = tmp_path / filename
    source.write_bytes(
        content.encode("latin-1") if filename.startswith("latin1") else content.encode()
    )
    name = unique_name()
    result = run_cli(server, "datasets", "import", str(source), "--name", name)
    assert result.returncode == 1
    assert message in result.stderr
    assert by_name(client, name) == []


def test_unknown_account_and_missing_file(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"a": 1}\n')
    result = run_cli(
        server, "datasets", "import", str(source), "--name", unique_name(), "--account", "nobody"
    )
    assert result.returncode == 1
    assert "no account 'nobody'" in result.stderr
    assert (
        run_cli(
            server, "datasets", "import", str(tmp_path / "missing.jsonl"), "--name", "x"
        ).returncode
        != 0
    )


def test_empty_name_is_refused(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"a": 1}\n')
    result = run_cli(server, "datasets", "import", str(source), "--name", "")
    assert result.returncode == 1
    assert "name" in result.stderr
