"""`yardstick keys list` and `yardstick keys revoke` against the running server's database, and
what the server makes of them: a revoked key is refused within seconds, a use is recorded."""

import subprocess
import sys
import time
import uuid
from datetime import datetime

import httpx
from sqlalchemy import create_engine, text

from tests.fixtures.server import ACCOUNT_B, Server, server_hasher
from yardstick.auth.service import auth_service, generate_key
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory

# The server trusts a verified key for 5 s (yardstick.auth.dependencies.CACHE_SECONDS).
REVOKED_WITHIN_SECONDS = 8.0


def yardstick(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def status(server: Server, key: str, account: str = ACCOUNT_B) -> int:
    headers = {"x-api-key": key, "x-selected-account-id": account}
    return httpx.get(f"{server.base_url}/v5/datasets", headers=headers, timeout=30).status_code


def key_row(server: Server, name: str) -> dict[str, object]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT * FROM api_keys WHERE name = :name")
            return dict(connection.execute(query, {"name": name}).one()._mapping)
    finally:
        engine.dispose()


def new_key(server: Server, name: str | None = None) -> tuple[str, str]:
    """A new key of account B; returns (name, key). Made in this process, as `keys create` would
    (tests/auth/test_cli.py runs that command): a command costs seconds of start-up."""
    name = name or f"key-{uuid.uuid4().hex[:10]}"
    key = generate_key()
    engine = create_db_engine(server.database_url)
    try:
        with SessionFactory(engine).write() as session, session.begin():
            auth_service.add_key(
                session, server_hasher(server.data_dir), account_id=ACCOUNT_B, key=key, name=name
            )
    finally:
        engine.dispose()
    return name, key


def listed(server: Server) -> tuple[str, dict[str, list[str]]]:
    """`keys list --account B`: its output, and its rows by key name
    ([id, name, created, last used, revoked])."""
    result = yardstick(server, "keys", "list", "--account", ACCOUNT_B)
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 5:
            rows[cells[1]] = cells
    return result.stdout, rows


def test_list_shows_when_each_key_was_last_used_and_never_the_key(server: Server) -> None:
    name, key = new_key(server)
    assert status(server, key) == 200
    # Recorded off the request's path: it lands within moments.
    deadline = time.monotonic() + 10
    while key_row(server, name)["last_used_at"] is None:
        assert time.monotonic() < deadline, "last_used_at was never written"
        time.sleep(0.1)
    recorded = key_row(server, name)["last_used_at"]

    output, rows = listed(server)
    row = rows[name]
    assert row[0] == key_row(server, name)["id"]
    created, last_used = (datetime.strptime(cell, "%Y-%m-%d %H:%M:%S") for cell in row[2:4])
    assert created <= last_used and row[4] == ""
    for secret in (key, server.keys[ACCOUNT_B], key_row(server, name)["digest"]):
        assert str(secret) not in output

    # At most one write a minute per key and process: another use changes nothing.
    assert status(server, key) == 200
    time.sleep(0.5)
    assert key_row(server, name)["last_used_at"] == recorded


def test_a_revoked_key_is_refused_within_seconds(server: Server) -> None:
    name, key = new_key(server)
    other = server.keys[ACCOUNT_B]
    assert status(server, key) == 200  # now in the server's cache of verified keys

    result = yardstick(server, "keys", "revoke", name, "--account", ACCOUNT_B)
    assert result.returncode == 0, result.stderr
    key_id = key_row(server, name)["id"]
    assert result.stdout == f"revoked API key {key_id} ({name}) of account '{ACCOUNT_B}'\n"
    revoked_at = time.monotonic()
    while status(server, key) != 401:
        assert time.monotonic() - revoked_at < REVOKED_WITHIN_SECONDS, "still accepted"
        assert status(server, other) == 200
        time.sleep(0.2)
    assert status(server, other) == 200
    assert listed(server)[1][name][4] != ""

    again = yardstick(server, "keys", "revoke", str(key_id))
    assert again.returncode == 0, again.stderr
    assert "was already revoked" in again.stdout
    assert status(server, key) == 401


def test_revoke_refuses_what_it_cannot_tell_apart(server: Server) -> None:
    name = f"twin-{uuid.uuid4().hex[:10]}"
    keys = [new_key(server, name)[1], new_key(server, name)[1]]

    result = yardstick(server, "keys", "revoke", name)
    assert result.returncode == 1
    assert f"2 keys are named '{name}'" in result.stderr and len(result.stderr.splitlines()) == 1

    result = yardstick(server, "keys", "revoke", "no-such-key", "--account", ACCOUNT_B)
    assert result.returncode == 1
    assert (
        result.stderr
        == f"no API key 'no-such-key' in account '{ACCOUNT_B}' (give its id or name)\n"
    )
    assert [status(server, key) for key in keys] == [200, 200]
