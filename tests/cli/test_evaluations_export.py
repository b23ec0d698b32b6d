"""`yardstick evaluations export ID --format ... -o FILE` against a running server, by URL.

The command's environment has no usable database URL: it must talk HTTP only.
"""

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.cli.helpers import cli_env
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, free_port

ROWS = [{"input": f"row {n}", "n": n, "meta": {"ok": n % 2 == 0}} for n in range(1500)]


def export(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "evaluations", "export", *args],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def evaluation_id(server: Server) -> str:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    response = httpx.post(
        f"{server.base_url}/v5/evaluations",
        json={"name": f"cli-export-{uuid.uuid4().hex[:8]}", "data": ROWS},
        headers=headers,
        timeout=60,
    )
    return str(response.raise_for_status().json()["id"])


def streamed(http: httpx.Client, evaluation_id: str, file_format: str) -> bytes:
    response = http.get(f"/v5/evaluations/{evaluation_id}/export", params={"format": file_format})
    return response.raise_for_status().content


@pytest.mark.parametrize("file_format", ["jsonl", "csv", "parquet"])
def test_writes_the_servers_file_from_env_settings(
    server: Server, http: httpx.Client, evaluation_id: str, tmp_path: Path, file_format: str
) -> None:
    target = tmp_path / f"out.{file_format}"
    result = export(cli_env(server), evaluation_id, "--format", file_format, "-o", str(target))
    assert result.returncode == 0, result.stderr.decode()
    assert target.read_bytes() == streamed(http, evaluation_id, file_format)
    assert not (tmp_path / f"out.{file_format}.part").exists()
    assert f"to {target}" in result.stderr.decode()
    if file_format == "parquet":
        table = pq.read_table(pa.BufferReader(target.read_bytes()))
        assert table.column("data.n").to_pylist() == list(range(len(ROWS)))


def test_flags_win_and_default_file_name(
    server: Server, http: httpx.Client, evaluation_id: str, tmp_path: Path
) -> None:
    env = cli_env(None, YARDSTICK_URL="http://127.0.0.1:9", YARDSTICK_API_KEY="wrong")
    result = export(
        env,
        evaluation_id,
        "--format",
        "csv",
        "--url",
        server.base_url,
        "--api-key",
        server.keys[ACCOUNT_A],
        "--account",
        ACCOUNT_A,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    written = tmp_path / f"evaluation-{evaluation_id}.csv"
    assert written.read_bytes() == streamed(http, evaluation_id, "csv")


def test_stdout(server: Server, http: httpx.Client, evaluation_id: str) -> None:
    result = export(cli_env(server), evaluation_id, "-o", "-")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == streamed(http, evaluation_id, "jsonl")


def test_unknown_and_foreign_evaluations_are_clear_404s(
    server: Server, evaluation_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.jsonl"
    for env, wanted in ((cli_env(server), "nope"), (cli_env(server, ACCOUNT_B), evaluation_id)):
        result = export(env, wanted, "-o", str(target))
        assert result.returncode == 1
        message = result.stderr.decode()
        assert f"no evaluation '{wanted}'" in message and "(404)" in message, message
        assert not target.exists() and not (tmp_path / "out.jsonl.part").exists()


def test_bad_key_is_a_clear_401(server: Server, evaluation_id: str, tmp_path: Path) -> None:
    env = cli_env(server, YARDSTICK_API_KEY="not-a-key")
    result = export(env, evaluation_id, "-o", str(tmp_path / "x.jsonl"))
    assert result.returncode == 1
    assert "refused the API key (401)" in result.stderr.decode()


def test_missing_settings_and_unreachable_server(evaluation_id: str, tmp_path: Path) -> None:
    result = export(cli_env(None, YARDSTICK_ACCOUNT_ID=ACCOUNT_A), evaluation_id)
    assert result.returncode == 1
    assert "no API key: set YARDSTICK_API_KEY or pass --api-key" in result.stderr.decode()

    result = export(cli_env(None, YARDSTICK_API_KEY="k"), evaluation_id)
    assert result.returncode == 1
    assert "no account: set YARDSTICK_ACCOUNT_ID" in result.stderr.decode()

    url = f"http://127.0.0.1:{free_port()}"
    env = cli_env(None, YARDSTICK_URL=url, YARDSTICK_API_KEY="k", YARDSTICK_ACCOUNT_ID="a")
    result = export(env, evaluation_id, "-o", str(tmp_path / "x.jsonl"))
    assert result.returncode == 1
    assert f"{url} did not answer (ConnectError: " in result.stderr.decode()
    assert not (tmp_path / "x.jsonl").exists()


def test_a_directory_for_a_file_is_one_line(server: Server, tmp_path: Path) -> None:
    """Typer's own check drew a box and exited 2; every other failure is one line and 1."""
    result = export(cli_env(server), "any-id", "-o", str(tmp_path))
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr.decode() == f"cannot write {tmp_path}: it is a directory\n"
