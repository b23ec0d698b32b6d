"""The HTTP commands' options and answers that are not a Yardstick server's: one line and the
command's failure status, never a traceback, and for `compare` never the regression status.

Run in this process, with no server behind most of them: these checks come before any request,
or end at the first answer.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.fixtures.server import free_port
from yardstick.cli.main import app

# Each HTTP command with the arguments it needs, and the status it fails with.
COMMANDS = [
    (["evaluations", "watch", "some-id"], 1),
    (["evaluations", "export", "some-id", "-o", "-"], 1),
    (["compare", "a", "b"], 2),
    (["datasets", "import", "DATA", "--name", "n"], 1),
]


def run(args: list[str], tmp_path: Path, *, url: str, key: str = "k", account: str = "a") -> Result:
    data = tmp_path / "rows.jsonl"
    data.write_text('{"q": 1}\n')
    args = [str(data) if arg == "DATA" else arg for arg in args]
    flags = ["--url", url, "--api-key", key, "--account", account]
    return CliRunner().invoke(app, [*args, *flags])


@pytest.mark.parametrize(("args", "status"), COMMANDS, ids=[" ".join(c[:2]) for c, _ in COMMANDS])
@pytest.mark.parametrize(
    ("url", "key", "account", "said"),
    [
        ("http://127.0.0.1:abc", "k", "a", "--url 'http://127.0.0.1:abc' is not a URL: "),
        ("http://[::1", "k", "a", "--url 'http://[::1' is not a URL: "),
        ("ftp://host", "k", "a", "--url 'ftp://host' is not an http:// or https:// URL"),
        ("http://127.0.0.1:1", "clé", "a", "--api-key: only printable ASCII"),
        ("http://127.0.0.1:1", "k", "ü", "--account: only printable ASCII"),
        ("http://127.0.0.1:1", "k", " a", "--account: only printable ASCII"),
    ],
)
def test_a_bad_url_or_header_value_is_one_line(
    tmp_path: Path, args: list[str], status: int, url: str, key: str, account: str, said: str
) -> None:
    result = run(args, tmp_path, url=url, key=key, account=account)
    assert result.exit_code == status, result.output
    assert result.stderr.startswith(said) and result.stderr.count("\n") == 1, result.stderr


class _Fixed(BaseHTTPRequestHandler):
    """Answers every request 200 with the server's `body`: JSON, of no shape asked for."""

    def _answer(self) -> None:
        body = self.server.body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[tuple[str, ThreadingHTTPServer]]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Fixed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("answer", [{}, [], None, {"name": "x", "progress": []}])
def test_watch_of_a_server_answering_another_shape_is_one_line(
    tmp_path: Path, answering: tuple[str, ThreadingHTTPServer], answer: object
) -> None:
    url, server = answering
    server.body = json.dumps(answer).encode()  # type: ignore[attr-defined]
    result = run(["evaluations", "watch", "some-id", "--interval", "0.05"], tmp_path, url=url)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{url} answered with JSON that is not an evaluation")
    assert result.stderr.endswith("is it a Yardstick server?\n")


@pytest.mark.parametrize("answer", [{}, [], None, {"id": 1, "name": "x"}])
def test_import_to_a_server_answering_another_shape_is_one_line(
    tmp_path: Path, answering: tuple[str, ThreadingHTTPServer], answer: object
) -> None:
    """Said at the first batch's answer: no later batch goes to a dataset that is not there."""
    url, server = answering
    server.body = json.dumps(answer).encode()  # type: ignore[attr-defined]
    result = run(["datasets", "import", "DATA", "--name", "n"], tmp_path, url=url)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{url} answered with JSON that is not a dataset (got ")


@pytest.mark.parametrize("interval", ["inf", "1e300", "3601", "0.01"])
def test_watch_interval_is_bounded(tmp_path: Path, interval: str) -> None:
    result = run(["evaluations", "watch", "x", "--interval", interval], tmp_path, url="http://h")
    assert result.exit_code == 2 and "--interval" in result.output, result.output


@pytest.mark.parametrize("alpha", ["nan", "inf", "0", "0.6", "-0.1"])
def test_compare_alpha_is_checked_before_asking(tmp_path: Path, alpha: str) -> None:
    result = run(["compare", "a", "b", "--alpha", alpha], tmp_path, url="http://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr.startswith("--alpha must be in (0, 0.5], not ")


def test_export_to_a_missing_directory_is_one_line(
    tmp_path: Path, answering: tuple[str, ThreadingHTTPServer]
) -> None:
    url, server = answering
    server.body = b'{"id": "x"}\n'  # type: ignore[attr-defined]
    target = tmp_path / "no-such-dir" / "out.jsonl"
    result = run(["evaluations", "export", "x", "-o", str(target)], tmp_path, url=url)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"cannot write {target}.part: No such file or directory")
    assert not target.parent.exists()
