"""Figures kept until the cells change (yardstick.evaluation.kept), on the server's database:
computed once per state, computed again after a write, a stale figure only where asked for, and
the summary API's answer following writes the engine's way (with the results version)."""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, insert, select, update
from sqlalchemy.orm import Session

from tests.fixtures.server import Server
from yardstick.evaluation import kept as kept_module
from yardstick.evaluation.kept import kept, kept_many
from yardstick.evaluation.results_version import results_changed
from yardstick.models import Evaluation, EvaluationItem, TaskResult


@pytest.fixture
def database(server: Server) -> Iterator[Engine]:
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


def create(http: httpx.Client, rows: int = 3) -> str:
    response = http.post(
        "/v5/evaluations", json={"name": "kept", "data": [{"i": i} for i in range(rows)]}
    )
    assert response.status_code == 200, response.text
    evaluation_id: str = response.json()["id"]
    return evaluation_id


def write_cell(database: Engine, evaluation_id: str, value: float, *, bump: bool) -> None:
    """A cell of alias `score` on the evaluation's next item without one; `bump` as the engine's
    group commits do (results_changed in the same transaction)."""
    with Session(database) as session, session.begin():
        taken = select(TaskResult.item_id).where(TaskResult.evaluation_id == evaluation_id)
        item_id = session.scalars(
            select(EvaluationItem.id)
            .where(EvaluationItem.evaluation_id == evaluation_id, EvaluationItem.id.not_in(taken))
            .order_by(EvaluationItem.id)
        ).first()
        session.execute(
            insert(TaskResult).values(
                item_id=item_id,
                alias="score",
                evaluation_id=evaluation_id,
                status="completed",
                value=value,
                attempts=1,
            )
        )
        if bump:
            results_changed(session, [evaluation_id])


def counted(log: list[str], value: Any) -> Any:
    log.append("computed")
    return value


def read(database: Engine, evaluation_id: str, work: Any) -> Any:
    with Session(database) as session:
        evaluation = session.get(Evaluation, evaluation_id)
        assert evaluation is not None
        return work(session, evaluation)


def test_computed_once_per_state(http: httpx.Client, database: Engine) -> None:
    evaluation_id = create(http)
    log: list[str] = []

    def figure(session: Session, evaluation: Evaluation) -> Any:
        return kept(session, evaluation, "test", lambda: counted(log, {"n": len(log)}))

    first = read(database, evaluation_id, figure)
    again = read(database, evaluation_id, figure)
    assert first.current and again.current
    assert again.value == first.value == {"n": 0} and log == ["computed"]

    write_cell(database, evaluation_id, 0.5, bump=True)
    after_write = read(database, evaluation_id, figure)
    assert after_write.value == {"n": 1} and after_write.current

    with database.begin() as connection:  # the fingerprint holds the status, and the tasks
        connection.execute(
            update(Evaluation).where(Evaluation.id == evaluation_id).values(status="failed")
        )
    assert read(database, evaluation_id, figure).value == {"n": 2}
    assert read(database, evaluation_id, figure).value == {"n": 2}


def test_many_computes_only_the_missing_in_one_call(http: httpx.Client, database: Engine) -> None:
    ids = [create(http, rows=1) for _ in range(3)]
    calls: list[list[str]] = []

    def compute(missing: list[Evaluation]) -> dict[str, Any]:
        calls.append(sorted(e.id for e in missing))
        return {e.id: e.id[-4:] for e in missing}

    def figures(chosen: list[str]) -> dict[str, Any]:
        with Session(database) as session:
            evaluations = list(session.scalars(select(Evaluation).where(Evaluation.id.in_(chosen))))
            found = kept_many(session, evaluations, "many", compute)
            return {key: k.value for key, k in found.items()}

    assert figures(ids[:2]) == {i: i[-4:] for i in ids[:2]}
    assert figures(ids) == {i: i[-4:] for i in ids}
    assert calls == [sorted(ids[:2]), [ids[2]]]


def test_a_running_evaluation_shows_a_costly_figure_stale_only_when_asked(
    http: httpx.Client, database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluation_id = create(http)
    with database.begin() as connection:
        connection.execute(
            update(Evaluation).where(Evaluation.id == evaluation_id).values(status="running")
        )
    log: list[str] = []
    monkeypatch.setattr(kept_module, "STALE_FROM_MS", 20.0)
    monkeypatch.setattr(kept_module, "STALE_FACTOR", 1000.0)  # stale for 30 s: no race

    def slow() -> Any:
        time.sleep(0.03)  # 30 ms: over STALE_FROM_MS, so it may be shown stale
        return counted(log, len(log))

    def figure(stale_ok: bool) -> Any:
        return read(
            database,
            evaluation_id,
            lambda session, evaluation: kept(session, evaluation, "slow", slow, stale_ok=stale_ok),
        )

    assert figure(stale_ok=True).value == 0
    write_cell(database, evaluation_id, 1.0, bump=True)
    stale = figure(stale_ok=True)
    assert (stale.value, stale.current) == (0, False)  # within its window: shown as it was
    assert figure(stale_ok=False).value == 1  # the API never takes a stale figure
    write_cell(database, evaluation_id, 2.0, bump=True)
    monkeypatch.setattr(kept_module, "STALE_FACTOR", 1.0)
    time.sleep(0.1)  # beyond 1 x its cost
    fresh = figure(stale_ok=True)
    assert (fresh.value, fresh.current) == (2, True)

    with database.begin() as connection:  # a finished evaluation's figure is always current
        connection.execute(
            update(Evaluation).where(Evaluation.id == evaluation_id).values(status="completed")
        )
    write_cell(database, evaluation_id, 3.0, bump=True)
    assert figure(stale_ok=True).value == 3


def test_the_summary_follows_the_cells_written_with_the_results_version(
    http: httpx.Client, database: Engine
) -> None:
    evaluation_id = create(http)

    def numbers() -> Any:
        response = http.get(f"/v5/evaluations/{evaluation_id}/summary")
        assert response.status_code == 200, response.text
        return response.json()["aliases"].get("score", {}).get("numeric")

    assert numbers() is None
    write_cell(database, evaluation_id, 0.25, bump=True)
    assert numbers()["count"] == 1
    write_cell(database, evaluation_id, 0.75, bump=True)
    assert (numbers()["count"], numbers()["mean"]) == (2, 0.5)
    # Kept, not recomputed: a write that skips the version (no code path does) is not seen.
    write_cell(database, evaluation_id, 1.0, bump=False)
    assert numbers()["count"] == 2
