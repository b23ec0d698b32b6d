"""`resolve_registered_model`: a registered model is found later by its name (for tasks)."""

from collections.abc import Iterator

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy.orm import Session

from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server
from tests.inference_model.helpers import make_launch, make_llmengine, unique
from yardstick.db.engine import create_db_engine
from yardstick.inference_model.service import resolve_registered_model


@pytest.fixture
def session(server: Server) -> Iterator[Session]:
    engine = create_db_engine(server.database_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_resolves_by_name_and_by_vendor_slash_name(client: SGPClient, session: Session) -> None:
    name = unique()
    launch = make_launch(client, name)
    assert (model := resolve_registered_model(session, ACCOUNT_A, name)) is not None
    assert (model.id, model.status, model.vendor_configuration["model_image"]["tag"]) == (
        launch.id,
        "ready",
        "v1",
    )
    llm = make_llmengine(client, name)
    session.rollback()  # a new transaction sees the model created since
    both = resolve_registered_model(session, ACCOUNT_A, name)
    assert both is not None and both.id == llm.id  # chat-completion model first
    explicit = resolve_registered_model(session, ACCOUNT_A, f"launch/{name}")
    assert explicit is not None and explicit.id == launch.id


def test_unknown_or_foreign_names_resolve_to_none(client: SGPClient, session: Session) -> None:
    mine = make_llmengine(client)
    assert resolve_registered_model(session, ACCOUNT_A, unique()) is None
    assert resolve_registered_model(session, ACCOUNT_B, mine.name) is None
    assert resolve_registered_model(session, ACCOUNT_B, f"llmengine/{mine.name}") is None
