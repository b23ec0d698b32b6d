"""The route tests' clients: account A's over HTTP, and the engine server's database."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from tests.agreement.helpers import http_for
from tests.fixtures.server import Server


@pytest.fixture
def http(engine_server: Server) -> Iterator[httpx.Client]:
    with http_for(engine_server) as c:
        yield c


@pytest.fixture
def database(engine_server: Server) -> Iterator[Engine]:
    engine = create_engine(engine_server.database_url)
    yield engine
    engine.dispose()
