"""API keys are hashed with a secret the database does not hold: a copy of the database alone
allows no testing of guesses. Keys made before that still work."""

import hashlib
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.fixtures.server import ACCOUNT_B, Server, server_hasher
from yardstick.auth.service import KeyHasher, auth_service, generate_key
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory


def rows_of(server: Server, account: str) -> list[tuple[str, str, str, int]]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            query = "SELECT lookup, salt, digest, scheme FROM api_keys WHERE account_id = :a"
            return [tuple(row) for row in connection.execute(text(query), {"a": account})]
    finally:
        engine.dispose()


def test_a_database_alone_cannot_test_a_guess(server: Server) -> None:
    key = server.keys[ACCOUNT_B]
    hasher = server_hasher(server.data_dir)
    [(lookup, salt, digest, scheme)] = [
        row for row in rows_of(server, ACCOUNT_B) if row[0] == hasher.lookup(key)
    ]
    assert scheme == 2
    # What an attacker holding only the database could compute does not match...
    assert lookup != hashlib.sha256(key.encode()).hexdigest()[:16]
    assert digest != hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()
    # ...nor does the same hash under another secret: only the server's secret matches.
    assert KeyHasher(secrets.token_bytes(32)).digest(salt, key) != digest
    assert hasher.digest(salt, key) == digest


def test_a_key_made_before_keyed_hashes_still_works(server: Server) -> None:
    key = generate_key()
    salt = secrets.token_hex(16)
    engine = create_db_engine(server.database_url)
    try:
        with SessionFactory(engine).write() as session, session.begin():
            row = auth_service.add_key(
                session, server_hasher(server.data_dir), account_id=ACCOUNT_B, key=key
            )
            # As an older Yardstick wrote it: plain SHA-256, scheme 1.
            row.lookup = hashlib.sha256(key.encode()).hexdigest()[:16]
            row.digest = hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()
            row.salt, row.scheme = salt, 1
    finally:
        engine.dispose()
    headers = {"x-api-key": key, "x-selected-account-id": ACCOUNT_B}
    assert httpx.get(f"{server.base_url}/v5/datasets", headers=headers).status_code == 200
    wrong = {**headers, "x-api-key": key[:-1] + ("A" if key[-1] != "A" else "B")}
    assert httpx.get(f"{server.base_url}/v5/datasets", headers=wrong).status_code == 401


def test_keys_create_away_from_the_servers_secret_refuses(server: Server, tmp_path: Path) -> None:
    # A key hashed with a secret of its own would never be accepted: say so, make none.
    before = len(rows_of(server, ACCOUNT_B))
    env = {**server.env, "YARDSTICK_DATA_DIR": str(tmp_path / "elsewhere")}
    result = subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "keys", "create", "--account", ACCOUNT_B],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "there is no key file" in result.stdout + result.stderr
    assert not (tmp_path / "elsewhere").exists()
    assert len(rows_of(server, ACCOUNT_B)) == before
