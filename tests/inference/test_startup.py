"""A providers file that cannot be used stops the server at startup, naming the problem."""

from pathlib import Path

import pytest

from tests.fixtures.server import Server, run_server


def test_a_broken_providers_file_stops_the_server(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp: Path = tmp_path_factory.mktemp(f"broken-providers-{server.backend}")
    providers_file = tmp / "providers.toml"
    providers_file.write_text(
        '[vendors.llmengine]\nbase_url = "http://127.0.0.1:9/v1"\nconcurency = 3\n'
    )
    with pytest.raises(RuntimeError, match="unknown keys \\['concurency'\\]"):
        next(run_server(server.backend, tmp, YARDSTICK_PROVIDERS_FILE=str(providers_file)))
