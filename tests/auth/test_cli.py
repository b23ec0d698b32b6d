"""`yardstick accounts create` and `yardstick keys create`, against the running server's database."""

import subprocess
import sys

from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.dataset.factories import make_dataset, unique
from tests.fixtures.server import ACCOUNT_B, Server


def yardstick(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def api_key_rows(server: Server) -> list[dict[str, object]]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [
                dict(row._mapping) for row in connection.execute(text("SELECT * FROM api_keys"))
            ]
    finally:
        engine.dispose()


def test_a_new_account_and_key_work_with_the_official_client(server: Server) -> None:
    account = unique("acct")

    assert yardstick(server, "accounts", "create", account).returncode == 0
    key = server.cli("keys", "create", "--account", account, "--name", "ci").strip()

    client = SGPClient(api_key=key, account_id=account, base_url=server.base_url)
    dataset = make_dataset(client, 1)
    assert [d.id for d in client.datasets.list()] == [dataset.id]


def test_keys_are_stored_only_as_salted_hashes(server: Server) -> None:
    name = unique("name")
    new_key = server.cli("keys", "create", "--account", ACCOUNT_B, "--name", name).strip()

    rows = api_key_rows(server)

    assert [row["account_id"] for row in rows if row["name"] == name] == [ACCOUNT_B]
    stored = " ".join(str(value) for row in rows for value in row.values())
    for key in (new_key, *server.keys.values()):
        assert key not in stored
    assert len({row["salt"] for row in rows}) == len(rows)


def test_a_duplicate_account_is_refused(server: Server) -> None:
    again = yardstick(server, "accounts", "create", ACCOUNT_B)

    # One line on stderr, as every other refusal of the database commands.
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == f"account {ACCOUNT_B!r} already exists\n"


def test_a_key_for_an_unknown_account_is_refused(server: Server) -> None:
    before = len(api_key_rows(server))

    result = yardstick(server, "keys", "create", "--account", unique("nobody"))

    assert result.returncode == 1
    assert len(api_key_rows(server)) == before


def test_an_account_id_no_request_could_select_is_refused(server: Server) -> None:
    """An id must travel in `x-selected-account-id`: an empty one, one with spaces around it
    (HTTP trims them), a non-ASCII one or one longer than the column were created, unusable."""
    with create_engine(server.database_url).connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM accounts")).scalar_one()
    for bad in ("", " sp ", "ü", "x" * 129):
        result = yardstick(server, "accounts", "create", bad)
        assert result.returncode == 1
        assert "cannot be an account id: an account id is 1 to 128 visible ASCII" in result.stderr
    with create_engine(server.database_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM accounts")).scalar_one() == before
