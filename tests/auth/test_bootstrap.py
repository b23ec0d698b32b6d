"""What `yardstick serve` does for logins on start (SQLite only: each test runs its own server)."""

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from scale_gp_beta import AuthenticationError, SGPClient
from sqlalchemy import create_engine, text

from tests.dataset.factories import make_dataset
from tests.fixtures.server import (
    Server,
    free_port,
    serve_once,
    server_env,
    start_server,
    stop_server,
)


@contextmanager
def serving(tmp: Path, **init: str) -> Iterator[tuple[Server, str]]:
    """A server on the SQLite database in `tmp` with exactly the YARDSTICK_INIT_* given;
    yields it with what it logged while starting."""
    data_dir = tmp / "data"
    data_dir.mkdir(exist_ok=True)
    database_url = f"sqlite:///{tmp / 'yardstick.db'}"
    env = server_env(database_url, data_dir)
    del env["YARDSTICK_INIT_ACCOUNT_ID"], env["YARDSTICK_INIT_API_KEY"]
    env.update({f"YARDSTICK_INIT_{name.upper()}": value for name, value in init.items()})
    port = free_port()
    server = Server("sqlite", f"http://127.0.0.1:{port}", database_url, data_dir, env)
    log = data_dir / "server.log"
    offset = log.stat().st_size if log.exists() else 0
    try:
        start_server(server, port=port)
        yield server, log.read_text()[offset:]
    finally:
        stop_server(server)


KEY_1 = "key-1-" + "0123456789abcdef" * 2
KEY_2 = "key-2-" + "fedcba9876543210" * 2


def connect(server: Server, account: str, key: str) -> SGPClient:
    return SGPClient(api_key=key, account_id=account, base_url=server.base_url, max_retries=0)


def key_count(server: Server) -> int:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM api_keys")).scalar_one())
    finally:
        engine.dispose()


def test_init_pairs_are_applied_once_and_add_up_across_restarts(tmp_path: Path) -> None:
    with serving(tmp_path, account_id="team", api_key=KEY_1) as (server, _):
        dataset = make_dataset(connect(server, "team", KEY_1), 2)

    with serving(tmp_path, account_id="team", api_key=KEY_1) as (server, _):
        client = connect(server, "team", KEY_1)
        assert client.datasets.retrieve(dataset.id).to_dict() == dataset.to_dict()
        assert key_count(server) == 1

    with serving(tmp_path, account_id="other", api_key=KEY_2) as (server, _):
        old, new = connect(server, "team", KEY_1), connect(server, "other", KEY_2)
        assert [d.id for d in old.datasets.list()] == [dataset.id]
        assert [i.data for i in old.dataset_items.list(dataset_id=dataset.id)] == [
            {"i": 0},
            {"i": 1},
        ]
        assert list(new.datasets.list()) == []
        assert key_count(server) == 2


def test_an_empty_database_gets_a_default_key_shown_once(tmp_path: Path) -> None:
    with serving(tmp_path) as (server, first_log):
        assert "SGP_ACCOUNT_ID=default" in first_log
        keys = re.findall(r"SGP_API_KEY=(\S+)", first_log)
        assert len(keys) == 1
        make_dataset(connect(server, "default", keys[0]), 1)

    with serving(tmp_path) as (server, second_log):
        assert "SGP_API_KEY" not in second_log
        assert len(list(connect(server, "default", keys[0]).datasets.list())) == 1
        assert key_count(server) == 1


def test_a_short_init_key_stops_the_server_before_anything_is_created(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'yardstick.db'}", tmp_path / "data")
    env["YARDSTICK_INIT_API_KEY"] = "a" * 31  # one character short of 128 bits of hex
    result = serve_once(env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: YARDSTICK_INIT_API_KEY: must be at least 32 characters of a random secret "
        "(128 bits or more; e.g. `openssl rand -hex 24`)"
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "yardstick.db").exists()


def test_a_revoked_init_key_stays_refused_and_the_start_says_so(tmp_path: Path) -> None:
    """The README promised every start makes the init key valid; a key someone revoked is not
    brought back by a restart, and the start used to say nothing of it."""
    with serving(tmp_path, account_id="team", api_key=KEY_1) as (server, log):
        assert "revoked" not in log
        env = dict(server.env)
        revoked = subprocess.run(
            [sys.executable, "-m", "yardstick.cli", "keys", "revoke", "init", "--account", "team"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert revoked.returncode == 0, revoked.stderr
    with serving(tmp_path, account_id="team", api_key=KEY_1) as (server, log):
        assert re.search(r"warning: YARDSTICK_INIT_API_KEY was revoked at [0-9: -]+ UTC", log), log
        with pytest.raises(AuthenticationError):
            connect(server, "team", KEY_1).datasets.list()
