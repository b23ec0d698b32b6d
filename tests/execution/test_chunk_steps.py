"""A chunk's workflow completes its run inside its `execute_chunk` step. A chunk recorded by an
earlier version, whose `execute_chunk` step answered True and left the completion to a step of
its own, still completes its run when it is recovered after an upgrade."""

import base64
import pickle
import time

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import BACKENDS, make_client
from tests.execution.helpers import chat_task, wait_until_done
from tests.execution.processes import stop
from tests.fixtures.server import Server, start_server


def _table(server: Server, name: str) -> str:
    return f"dbos.{name}" if server.backend == "postgresql" else name


def _wait_for_success(engine: Engine, workflows: str, workflow_id: str) -> None:
    deadline = time.monotonic() + 30
    query = text(f"SELECT status FROM {workflows} WHERE workflow_uuid = :w")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query, {"w": workflow_id}).scalar_one() == "SUCCESS":
                return
        time.sleep(0.05)
    raise AssertionError(f"workflow {workflow_id} did not succeed within 30 s")


@pytest.mark.parametrize(
    "crash_server", [(backend, ()) for backend in BACKENDS], indirect=True, ids=BACKENDS
)
def test_a_chunk_recorded_before_the_merged_step_still_completes_its_run(
    crash_server: Server,
) -> None:
    client = make_client(crash_server)
    evaluation = client.evaluations.create(
        name="steps", data=[{"input": "q0"}, {"input": "q1"}], tasks=[chat_task("answer")]
    )
    assert wait_until_done(client, evaluation.id).status == "completed"
    assert crash_server.process is not None
    stop(crash_server.process)

    # Rewind to the moment an earlier version's chunk had recorded its cells' step (True) and
    # died before its completion step: the run still `running`, the workflow pending.
    outputs, workflows = (
        _table(crash_server, "operation_outputs"),
        _table(crash_server, "workflow_status"),
    )
    engine = create_engine(crash_server.database_url)
    with engine.begin() as connection:
        (workflow_id,) = connection.execute(
            text(f"SELECT workflow_uuid FROM {workflows} WHERE name = 'evaluations.run_chunk'")
        ).one()
        steps = connection.execute(
            text(f"SELECT function_name FROM {outputs} WHERE workflow_uuid = :w"),
            {"w": workflow_id},
        ).scalars()
        assert list(steps) == ["evaluations.execute_chunk"]  # the completion is in that step
        connection.execute(
            text(f"UPDATE {outputs} SET output = :o WHERE workflow_uuid = :w"),
            {"o": base64.b64encode(pickle.dumps(True)).decode(), "w": workflow_id},
        )
        connection.execute(
            text(
                f"UPDATE {workflows} SET status = 'PENDING', output = NULL WHERE workflow_uuid = :w"
            ),
            {"w": workflow_id},
        )
        connection.execute(
            text("UPDATE evaluations SET status = 'running' WHERE id = :e"), {"e": evaluation.id}
        )
    try:
        start_server(crash_server, port=crash_server.port)  # recovers the pending chunk
        assert wait_until_done(client, evaluation.id).status == "completed"
        # The step marks the run completed in its own transaction; DBOS records the step's output
        # just after, so the run can read `completed` a moment before the record exists.
        _wait_for_success(engine, workflows, workflow_id)
        with engine.connect() as connection:
            steps = connection.execute(
                text(
                    f"SELECT function_name FROM {outputs} WHERE workflow_uuid = :w "
                    "ORDER BY function_id"
                ),
                {"w": workflow_id},
            ).scalars()
            assert list(steps) == ["evaluations.execute_chunk", "evaluations.complete_if_done"]
    finally:
        engine.dispose()
