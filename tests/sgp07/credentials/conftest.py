"""The credentials and secrets suite runs on the 0.7.0 package's shared engine server (API +
engine, `openai` on the fake model server with the server key `test-key`).

Tests that store a vendor key (`OPENAI_API_KEY`) do it in an account of their own
(`fresh_client`), so the key never reaches the model calls of other tests on that server.
"""

import uuid
from collections.abc import Iterator

import pytest
from scale_gp_beta import SGPClient

from tests.fixtures.server import Server, add_account

SERVER_KEY = (
    "test-key"  # the engine server's OPENAI_API_KEY (tests.fixtures.engine_server.engine_env)
)


def secret_key(prefix: str = "YS_TEST") -> str:
    """A secret key no vendor reads (vendor keys end in `_API_KEY`)."""
    return f"{prefix}_{uuid.uuid4().hex[:12].upper()}"


def marker() -> str:
    return f"mark-{uuid.uuid4().hex[:12]}"


def secret_value(what: str = "sk") -> str:
    """A value unique enough that finding it anywhere means it leaked."""
    return f"{what}-{uuid.uuid4().hex}"


def client_for(server: Server, account_id: str) -> SGPClient:
    return SGPClient(
        api_key=server.keys[account_id],
        account_id=account_id,
        base_url=server.base_url,
        max_retries=0,
    )


@pytest.fixture
def fresh_client(engine_server: Server) -> Iterator[SGPClient]:
    """The 0.7.0 client as a new account of its own on the engine server."""
    account_id = f"acct-cred-{uuid.uuid4().hex[:10]}"
    engine_server.keys[account_id] = add_account(
        engine_server.database_url, account_id, engine_server.data_dir
    )
    client = client_for(engine_server, account_id)
    yield client
    client.close()
