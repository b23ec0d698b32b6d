"""`yardstick datasets import FILE --name NAME` (JSONL or CSV → a new dataset) against a running
server, by URL.

The command runs in a working directory of its own, with no usable database URL (`cli_env`): it
must talk HTTP only.
"""

import csv
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scale_gp_beta import NotFoundError, SGPClient
from typer.testing import CliRunner

from tests.cli.helpers import cli_env
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, free_port, run_server
from yardstick.cli.main import app
from yardstick.cli.remote import RemoteError

ROWS: list[dict[str, Any]] = [
    {"input": "What is 2+2?", "expected": "4", "meta": {"level": 1}},
    {"input": "Capital of France?", "expected": "Paris", "meta": None},
    {"input": "ünïcode ✓", "expected": "", "meta": {"tags": ["a", "b"]}},
]


def run_cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "datasets", "import", *args],
        check=False,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def unique_name() -> str:
    return f"imported-{uuid.uuid4().hex[:12]}"


def items_of(client: SGPClient, dataset_id: str) -> list[Any]:
    return [item.data for item in client.dataset_items.list(dataset_id=dataset_id, limit=1000)]


def by_name(client: SGPClient, name: str) -> list[str]:
    return [d.id for d in client.datasets.list(name=name, include_archived=True)]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's message: exactly one line on stderr, nothing on stdout, exit status 1."""
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="session")
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Another server, on a database of its own: where the command goes is the URL's doing.
    Session-scoped: started once, however the tests of both backends are ordered."""
    yield from run_server("sqlite", tmp_path_factory.mktemp("second"))


def test_import_jsonl_from_another_directory(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.jsonl").write_text(
        "\n".join(json.dumps(row) for row in ROWS) + "\n\n", encoding="utf-8"
    )
    name = unique_name()
    result = run_cli(cli_env(server), tmp_path, "rows.jsonl", "--name", name)
    assert result.returncode == 0, result.stderr
    dataset = client.datasets.retrieve(result.stdout.strip())
    assert (dataset.name, dataset.current_version_num) == (name, 1)
    assert items_of(client, dataset.id) == ROWS
    assert f"imported 3 items into dataset '{name}' ({dataset.id})" in result.stderr


def test_the_url_decides_the_server(
    server: Server, second: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.jsonl").write_text('{"where": "second"}\n')
    second_client = SGPClient(
        api_key=second.keys[ACCOUNT_A], account_id=ACCOUNT_A, base_url=second.base_url
    )
    # By the environment alone, then by flags that override an environment naming `server`.
    for env, flags in (
        (cli_env(second), []),
        (cli_env(server), ["--url", second.base_url, "--api-key", second.keys[ACCOUNT_A]]),
    ):
        name = unique_name()
        result = run_cli(env, tmp_path, "rows.jsonl", "--name", name, *flags)
        assert result.returncode == 0, result.stderr
        assert items_of(second_client, result.stdout.strip()) == [{"where": "second"}]
        assert by_name(client, name) == []


def test_a_large_file_goes_in_batches(server: Server, client: SGPClient, tmp_path: Path) -> None:
    rows = [{"n": n, "text": f"row {n}"} for n in range(2500)]
    (tmp_path / "big.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli(cli_env(server), tmp_path, "big.jsonl", "--name", unique_name())
    assert result.returncode == 0, result.stderr
    dataset = client.datasets.retrieve(result.stdout.strip())
    # 1,000 items a request: one create, then two batches, each a version.
    assert dataset.current_version_num == 3
    assert [item["n"] for item in items_of(client, dataset.id)] == list(range(2500))


def test_import_csv_with_tags_and_description(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.csv").write_text(
        '\ufeffinput,expected\nWhat is 2+2?,4\n"Hello, world","multi\nline"\nünïcode,✓\n',
        encoding="utf-8",
    )
    name = unique_name()
    result = run_cli(
        cli_env(server),
        tmp_path,
        "rows.csv",
        "--name",
        name,
        "--description",
        "from csv",
        "--tag",
        "imported",
        "--tag",
        "csv",
        "--batch-size",
        "2",
    )
    assert result.returncode == 0, result.stderr
    dataset = client.datasets.retrieve(result.stdout.strip())
    assert (dataset.description, dataset.tags) == ("from csv", ["imported", "csv"])
    assert dataset.current_version_num == 2
    assert "imported 3 items" in result.stderr
    assert items_of(client, dataset.id) == [
        {"input": "What is 2+2?", "expected": "4"},
        {"input": "Hello, world", "expected": "multi\nline"},
        {"input": "ünïcode", "expected": "✓"},
    ]


def test_format_option_overrides_the_extension(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.txt").write_text('{"a": 1}\n{"a": 2}\n')
    env = cli_env(server)
    message = one_line(run_cli(env, tmp_path, "rows.txt", "--name", unique_name()))
    assert "cannot tell the format of rows.txt" in message
    result = run_cli(env, tmp_path, "rows.txt", "--name", unique_name(), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert items_of(client, result.stdout.strip()) == [{"a": 1}, {"a": 2}]


def test_import_into_another_account(
    server: Server, client: SGPClient, other_client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "b.jsonl").write_text('{"x": "b"}\n')
    env = cli_env(server, YARDSTICK_API_KEY=server.keys[ACCOUNT_B])
    result = run_cli(env, tmp_path, "b.jsonl", "--name", unique_name(), "--account", ACCOUNT_B)
    assert result.returncode == 0, result.stderr
    dataset_id = result.stdout.strip()
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
        # What the server refuses, found before any batch (the first batches were written,
        # then the partial dataset archived).
        ("big.jsonl", '{"a": 1}\n{"a": {"b": 99999999999999999999}}\n', "line 2: a.b: integer"),
        ("nul.jsonl", '{"a": 1}\n{"a": "x\\u0000y"}\n', "line 2: a: the NUL character"),
        ("nul.csv", "a,b\n1,2\nx\x00y,3\n", "line 3: a: the NUL character"),
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
    # A batch of one item: a bad line after good ones is found before anything is sent.
    result = run_cli(cli_env(server), tmp_path, filename, "--name", name, "--batch-size", "1")
    assert message in one_line(result)
    assert by_name(client, name) == []


def refused_csv(server: Server, client: SGPClient, tmp_path: Path, content: str) -> str:
    """Import `content` as bad.csv, one item a batch; returns the failure's one line, having
    checked that no dataset was created."""
    (tmp_path / "bad.csv").write_bytes(content.encode())
    name = unique_name()
    result = run_cli(cli_env(server), tmp_path, "bad.csv", "--name", name, "--batch-size", "1")
    message = one_line(result)
    assert by_name(client, name) == []
    return message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("q,q\nfirst,second\n", "bad.csv: the header repeats column 'q'"),
        ("a,b,a,c,b,\n1,2,3,4,5,6\n", "bad.csv: the header repeats columns 'a', 'b'"),
        ("a,,\n1,2,3\n", "bad.csv: the header repeats column ''"),
    ],
)
def test_csv_repeated_header_names_import_nothing(
    server: Server, client: SGPClient, tmp_path: Path, content: str, message: str
) -> None:
    # As a dict, the row would keep the last such column's value alone.
    assert refused_csv(server, client, tmp_path, content) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,2\n1\n", "bad.csv: line 3: fewer fields than the header has"),
        ("a,b\n1,2\n \n", "bad.csv: line 3: fewer fields than the header has"),
        # A record's first line, whatever lines its quoted fields take or blank lines before it.
        ('a,b\n1,2\n\n"x\ny"\n3,4\n', "bad.csv: line 4: fewer fields than the header has"),
        ('a,b\n1,2\n"x\ny",2,3\n', "bad.csv: line 3: more fields than the header has"),
    ],
)
def test_csv_rows_of_fewer_fields_import_nothing(
    server: Server, client: SGPClient, tmp_path: Path, content: str, message: str
) -> None:
    # Refused like a row of more fields, not stored with nulls for the missing values.
    assert refused_csv(server, client, tmp_path, content) == message


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('a\n"unterminated\nx\n', 2),
        ('a\nok\n"unterminated', 3),
        # The quote opens on the record's third line, after a quoted field that is closed.
        ('a,b\r\n1,2\r\n"ok\r\nfine","never\r\nclosed ""quoted""\r\n3,4\r\n', 4),
        ('"a\nb\n1\n', 1),
    ],
)
def test_csv_unterminated_quote_imports_nothing(
    server: Server, client: SGPClient, tmp_path: Path, content: str, line: int
) -> None:
    # Not the rest of the file as one value.
    message = refused_csv(server, client, tmp_path, content)
    assert message == (
        f"bad.csv: line {line}: a quoted field is never closed (it runs to the end of the file)"
    )


def test_csv_field_over_131072_characters_imports_as_jsonl_does(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    row = {"prompt": "x" * 200_000, "quoted": 'a "b",\n' * 30_000}
    with (tmp_path / "big.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    (tmp_path / "big.jsonl").write_text(json.dumps(row) + "\n")
    limit = csv.field_size_limit()
    env = {
        "YARDSTICK_URL": server.base_url,
        "YARDSTICK_API_KEY": server.keys[ACCOUNT_A],
        "YARDSTICK_ACCOUNT_ID": ACCOUNT_A,
    }
    for source in ("big.csv", "big.jsonl"):
        # In this process: the command puts back the csv module's (process-wide) field limit.
        args = ["datasets", "import", str(tmp_path / source), "--name", unique_name()]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.stderr
        assert items_of(client, result.stdout.strip()) == [row]
        assert csv.field_size_limit() == limit


def test_valid_csv_quoting_imports_as_before(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.csv").write_bytes(
        b'a,b\r\n"say ""hi""","x,\r\ny"\r\n\r\n"",\r\nlast,"""quoted"" at the end"'
    )
    result = run_cli(cli_env(server), tmp_path, "rows.csv", "--name", unique_name())
    assert result.returncode == 0, result.stderr
    assert items_of(client, result.stdout.strip()) == [
        {"a": 'say "hi"', "b": "x,\r\ny"},
        {"a": "", "b": ""},
        {"a": "last", "b": '"quoted" at the end'},
    ]


def test_a_byte_order_mark_is_read_past_in_jsonl_as_in_csv(
    server: Server, client: SGPClient, tmp_path: Path
) -> None:
    (tmp_path / "rows.jsonl").write_bytes(b'\xef\xbb\xbf{"q": "a"}\n{"q": "b"}\n')
    result = run_cli(cli_env(server), tmp_path, "rows.jsonl", "--name", unique_name())
    assert result.returncode == 0, result.stderr
    assert items_of(client, result.stdout.strip()) == [{"q": "a"}, {"q": "b"}]


def test_refusals_are_one_line(server: Server, client: SGPClient, tmp_path: Path) -> None:
    (tmp_path / "rows.jsonl").write_text('{"a": 1}\n')
    name = unique_name()

    wrong_key = cli_env(server, YARDSTICK_API_KEY="not-a-key")
    message = one_line(run_cli(wrong_key, tmp_path, "rows.jsonl", "--name", name))
    assert f"{server.base_url} refused the API key (401)" in message

    foreign = cli_env(server)
    result = run_cli(foreign, tmp_path, "rows.jsonl", "--name", name, "--account", "nobody")
    assert "the API key is not valid for account 'nobody' (403)" in one_line(result)

    # A 422: the server's detail, in one line.
    message = one_line(run_cli(cli_env(server), tmp_path, "rows.jsonl", "--name", ""))
    assert message.startswith(f"{server.base_url} answered 422: body.name: "), message
    assert by_name(client, name) == []

    # A file that cannot be read: one line and status 1 (typer's box said it with status 2).
    message = one_line(run_cli(cli_env(server), tmp_path, "missing.jsonl", "--name", "x"))
    assert message == "cannot read missing.jsonl: No such file or directory"
    (tmp_path / "folder.jsonl").mkdir()
    message = one_line(run_cli(cli_env(server), tmp_path, "folder.jsonl", "--name", "x"))
    assert message == "cannot read folder.jsonl: Is a directory"


def test_unreachable_server_and_missing_settings(tmp_path: Path) -> None:
    (tmp_path / "rows.jsonl").write_text('{"a": 1}\n')
    url = f"http://127.0.0.1:{free_port()}"
    env = cli_env(None, YARDSTICK_URL=url, YARDSTICK_API_KEY="k", YARDSTICK_ACCOUNT_ID="a")
    message = one_line(run_cli(env, tmp_path, "rows.jsonl", "--name", "x"))
    assert message.startswith(f"{url} did not answer (ConnectError: "), message

    env = cli_env(None, YARDSTICK_ACCOUNT_ID="a")
    message = one_line(run_cli(env, tmp_path, "rows.jsonl", "--name", "x"))
    assert message == "no API key: set YARDSTICK_API_KEY or pass --api-key"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["rows.jsonl"]


def test_a_batch_refused_half_way_archives_the_partial_dataset(
    server: Server, client: SGPClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(f'{{"n": {n}}}\n' for n in range(5)))
    from yardstick.cli import datasets

    real = datasets.send_json
    calls: list[str] = []

    def failing_second_batch(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])
        if len(calls) == 2:
            raise RemoteError("the server refused the batch")
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "send_json", failing_second_batch)
    name = unique_name()
    result = CliRunner().invoke(
        app,
        ["datasets", "import", str(source), "--name", name, "--batch-size", "2"],
        env={
            "YARDSTICK_URL": server.base_url,
            "YARDSTICK_API_KEY": server.keys[ACCOUNT_A],
            "YARDSTICK_ACCOUNT_ID": ACCOUNT_A,
        },
    )
    assert result.exit_code == 1
    assert calls == ["/v5/datasets", "/v5/dataset-items/batch"]
    [dataset_id] = by_name(client, name)
    assert result.stderr == (
        f"the server refused the batch; the partial dataset {dataset_id} was archived\n"
    )
    assert client.datasets.retrieve(dataset_id, include_archived=True).archived_at is not None
