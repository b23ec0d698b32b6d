"""The master key on a real server: a key file made owner-only on first start, values stored
only sealed (bound to their account and row), and a bad YARDSTICK_SECRET_KEY stopping the
server at start with a message that names the problem but not the key."""

import base64
import stat
from pathlib import Path

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import select

from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, run_server
from tests.sgp07.credentials.conftest import secret_key, secret_value
from tests.sgp07.helpers import unique
from yardstick.db.engine import create_db_engine
from yardstick.models import AccountSecret, Credential
from yardstick.secret_box import SecretBox, SecretUnreadable, master_key

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_values_are_stored_sealed_under_the_key_file(
    engine_client: SGPClient, engine_server: Server
) -> None:
    key_file = engine_server.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    payload, value = secret_value(), secret_value()
    credential = engine_client.credentials.create(name=unique(), payload=payload, type="key")
    secret = engine_client.secrets.create(key=secret_key(), value=value)

    engine = create_db_engine(engine_server.database_url)
    try:
        with engine.connect() as connection:
            sealed_payload = connection.scalar(
                select(Credential.sealed_payload).where(Credential.id == credential.id)
            )
            sealed_value = connection.scalar(
                select(AccountSecret.sealed_value).where(AccountSecret.id == secret.id)
            )
    finally:
        engine.dispose()
    assert sealed_payload is not None and sealed_value is not None
    assert payload.encode() not in sealed_payload and value.encode() not in sealed_value

    box = SecretBox(master_key(None, key_file))
    assert (
        box.open(sealed_payload, kind="credential", account_id=ACCOUNT_A, object_id=credential.id)
        == payload
    )
    assert (
        box.open(sealed_value, kind="account_secret", account_id=ACCOUNT_A, object_id=secret.id)
        == value
    )
    with pytest.raises(SecretUnreadable):  # bound to its account
        box.open(sealed_payload, kind="credential", account_id=ACCOUNT_B, object_id=credential.id)
    engine_client.secrets.delete(secret.id)


def test_a_bad_master_key_stops_the_server_at_start(tmp_path: Path) -> None:
    short = base64.b64encode(b"sixteen byte key").decode()
    with pytest.raises(RuntimeError, match="YARDSTICK_SECRET_KEY decodes to 16 bytes") as caught:
        next(run_server("sqlite", tmp_path, YARDSTICK_SECRET_KEY=short))
    assert short not in str(caught.value)
    assert not (tmp_path / "data" / "secret.key").exists()
    # One line, as a bad setting's, not a traceback; and before the database was made.
    assert "Traceback" not in str(caught.value)
    assert "error: YARDSTICK_SECRET_KEY decodes to 16 bytes" in str(caught.value)
    assert not list(tmp_path.glob("**/*.db"))
