"""Results no column can hold fail their own cell, never the run.

Each case once failed the whole group commit it was written in, and with it the run (every
other cell left pending, and a retry failing again): a model's reply holding a NUL character
(PostgreSQL's text refuses it), structured output nested past what JSON can be written at, an
agent's integer answer past 64 bits, a run condition's path with a digit `int()` cannot read.
"""

from typing import Any

from scale_gp_beta import SGPClient

from tests.execution.helpers import MODEL, chat_task, extra, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels

DEEP = '{"x": ' + '{"a": ' * 300 + "1" + "}" * 300 + "}"


def run(client: SGPClient, rows: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> Any:
    evaluation = client.evaluations.create(name="unstorable", data=rows, tasks=tasks)  # type: ignore[arg-type]
    done = wait_until_done(client, evaluation.id)
    assert done.status == "completed", extra(done, "status_reason")
    return {item.data["id"]: item for item in items_of(client, evaluation.id)}


def test_a_nul_in_a_reply_or_an_upstream_error(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(
        replies_for={"q0": ["a\u0000b"], "q1": [{"status": 400, "message": "bad \u0000 thing"}]}
    )
    items = run(
        engine_client, [{"id": f"q{i}", "input": f"q{i}"} for i in range(3)], [chat_task("answer")]
    )
    assert items["q0"].data["answer"] == "a\u0000b"  # JSON holds it: the value is kept
    error = extra(items["q1"], "task_errors")["answer"]
    assert error["type"] == "UpstreamRejected" and "bad \ufffd thing" in error["message"]
    assert items["q2"].data["answer"] == "echo: q2"


def test_structured_output_nested_past_what_json_writes(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(replies_for={"Grade r0": [DEEP]})
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "grade",
            "schema": {
                "type": "object",
                "properties": {"x": {"type": "object"}},
                "required": ["x"],
            },
        },
    }
    task = {
        "task_type": "auto_evaluation.guided_decoding",
        "alias": "structured",
        "configuration": {"model": MODEL, "prompt": "Grade {{item.id}}", "response_format": schema},
    }
    items = run(engine_client, [{"id": "r0"}, {"id": "r1"}], [task])
    error = extra(items["r0"], "task_errors")["structured"]
    assert error["type"] == "UnstorableResult", error
    assert items["r1"].data["structured"] == {"x": {}}


def test_an_agents_integer_past_64_bits_is_asked_again(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(replies_for={"Count a0": ["123456789012345678901234567890", "1e300", "7"]})
    task = {
        "task_type": "auto_evaluation.agent",
        "alias": "count",
        "configuration": {
            "name": "counter",
            "definition": "Count {{item.id}}",
            "output_rules": ["Answer with a number"],
            "output_type": "integer",
            "model": MODEL,
        },
    }
    items = run(engine_client, [{"id": "a0"}], [task])
    assert items["a0"].data["count"] == 7
    assert extra(items["a0"], "task_metadata")["count"]["asks"] == 3


def test_a_path_with_a_digit_int_cannot_read_is_null(engine_client: SGPClient) -> None:
    """A run condition's unreadable path counts as null, as the docs say; a locator's is the
    item's locator error."""
    condition = {"op": "is_null", "operands": [{"op": "var", "path": "xs.²"}]}
    tasks = [
        chat_task("answer", run_condition=condition),
        {
            "task_type": "metric",
            "alias": "f1",
            "configuration": {"type": "f1", "candidate": "item.xs.²", "reference": "item.ref"},
        },
    ]
    items = run(engine_client, [{"id": "p0", "input": "hi", "xs": ["a", "b"], "ref": "a"}], tasks)
    assert items["p0"].data["answer"] == "echo: hi"
    assert extra(items["p0"], "task_errors")["f1"]["type"] == "ItemLocatorError"
