"""Every test that takes `server` (or a client built on it) runs once per database backend.

The suite runs twice, once per official client version (`./dev test`): everything but
`tests/sgp07` with scale-gp-beta 0.1.0a29, then `tests/sgp07` with 0.7.0. Both import as
`scale_gp_beta`, so which one a run has decides what it collects.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import scale_gp_beta
from scale_gp_beta import SGPClient

from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, postgres_admin_url, run_server

BACKENDS = ["sqlite", "postgresql"]


def _share_ssl_contexts() -> None:
    """Every httpx client (the official clients' too) builds an SSL context when made, loading
    certifi's CA bundle: ~50 ms, for servers that all speak plain HTTP here. Tests make a few
    clients each, thousands in a run, so they share one context per set of arguments instead
    (an SSLContext is safe to share between connections)."""
    import httpx._transports.default as transports

    build = getattr(transports, "create_ssl_context")  # noqa: B009 (not re-exported)
    made: dict[tuple[object, ...], Any] = {}

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if not (isinstance(verify, bool) and cert is None):
            return build(verify=verify, cert=cert, trust_env=trust_env)
        key = (verify, trust_env)
        if key not in made:
            made[key] = build(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    setattr(transports, "create_ssl_context", shared)  # noqa: B010 (not re-exported)


_share_ssl_contexts()
SGP07 = scale_gp_beta.__version__.startswith("0.7")
# Each run collects only the tests written for its client.
collect_ignore = [] if SGP07 else ["sgp07"]


def require_backend(backend: str) -> None:
    """Skip PostgreSQL tests where no server is given, unless CI says one must be there."""
    if backend == "postgresql" and postgres_admin_url() is None:
        if os.environ.get("YARDSTICK_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "YARDSTICK_TEST_REQUIRE_POSTGRES=1 but YARDSTICK_TEST_POSTGRES_URL is unset"
            )
        pytest.skip("PostgreSQL tests need YARDSTICK_TEST_POSTGRES_URL")


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    backend: str = request.param
    require_backend(backend)
    tmp: Path = tmp_path_factory.mktemp(backend)
    yield from run_server(backend, tmp)


# The fake model server's fixtures, for every test folder that talks to models, and the engine's
# server that runs evaluations against it.
pytest_plugins = ["tests.fixtures.fake_model_server", "tests.fixtures.engine_server"]


def make_client(server: Server, account: str = ACCOUNT_A, **kwargs: object) -> SGPClient:
    return SGPClient(
        api_key=server.keys[account],
        account_id=account,
        base_url=server.base_url,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(server: Server) -> SGPClient:
    """The official client, as account A."""
    return make_client(server)


@pytest.fixture
def other_client(server: Server) -> SGPClient:
    """The official client, as account B: must never see account A's data."""
    return make_client(server, ACCOUNT_B)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account A, for what the official client cannot send (bad bodies, headers)."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
        yield c
