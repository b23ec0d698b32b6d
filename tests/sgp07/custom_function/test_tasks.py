"""custom_function tasks end to end with the 0.7.0 client: results, per-cell errors, and 422s."""

import inspect
from typing import Any

import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError
from scale_gp_beta.lib.custom_function import CustomFunction
from scale_gp_beta.types import Evaluation

from tests.sgp07.api.test_runs import chat_task, wait_until_done
from tests.sgp07.custom_function import functions
from tests.sgp07.helpers import error_locs, unique

ROWS: list[dict[str, Any]] = [
    {"input": "Paris", "expected": "paris"},
    {"input": "Rome", "expected": "Milan"},
    {"input": "Oslo"},  # no `expected`
]


def source(fn: Any) -> str:
    return inspect.getsource(fn)


def task(fn: Any, alias: str | None = None, **config: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "task_type": "custom_function",
        "configuration": {"function_source": source(fn), **config},
    }
    if alias is not None:
        out["alias"] = alias
    return out


def create(client: SGPClient, data: list[dict[str, Any]], tasks: list[Any]) -> Evaluation:
    # Task dicts as JSON would send them: the client's TypedDict union cannot tell them apart.
    body: Any = {"name": unique(), "data": data, "tasks": tasks}
    return client.evaluations.create(evaluation=body)


def items(client: SGPClient, evaluation_id: str) -> list[Any]:
    return list(client.evaluation_items.list(evaluation_id=evaluation_id, limit=100))


def test_functions_score_items_and_fail_cell_by_cell(engine_client: SGPClient) -> None:
    tasks = [
        chat_task("answer"),  # the fake model answers "echo: <input>"
        CustomFunction(
            functions.exact_match, arg_mapping={"output": "input", "expected": "item.expected"}
        ).serialize(),
        task(functions.answer_length, arg_mapping={"text": "answer"}, config_args={"scale": 2}),
        # No task_type (inferred), no alias (the function's name), arguments bound by name.
        {"configuration": {"function_source": source(functions.input_length)}},
        task(functions.with_default),
        task(
            functions.text_stats,
            "stats",
            arg_mapping={"text": "item.answer"},
            outputs=[
                {"path": "length"},
                {"path": "shape.words", "alias": "words"},
                {"path": "shape.mean_word"},
            ],
        ),
        task(functions.divide_by_zero),
        task(functions.says_true),
        task(functions.reads_upstream),
    ]
    created = create(engine_client, ROWS, tasks)
    assert created.status == "running"
    assert [t.alias for t in created.tasks or []] == [
        "answer",
        "exact_match",
        "answer_length",
        "input_length",
        "with_default",
        "stats",
        "divide_by_zero",
        "says_true",
        "reads_upstream",
    ]
    assert [t.task_type for t in created.tasks or []][1:] == ["custom_function"] * 8

    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed"
    # Per row: divide_by_zero, says_true and reads_upstream fail; exact_match fails on Oslo.
    assert done.error_count == 3 * 3 + 1

    paris, rome, oslo = items(engine_client, created.id)
    for item, row in zip((paris, rome, oslo), ROWS):
        data = item.data
        assert data["answer"] == "echo: " + row["input"]
        assert data["answer_length"] == 2 * len("echo:" + row["input"])
        assert data["input_length"] == len(row["input"])
        assert data["with_default"] == len(row["input"]) + len(row.get("expected", "none"))
        words = data["answer"].split()
        assert data["stats"] == {
            "length": len(data["answer"]),
            "words": 2,
            "shape_mean_word": sum(len(w) for w in words) / 2,
        }
        errors = item.task_errors or {}
        assert errors["divide_by_zero"].type == "CustomFunctionError"
        assert errors["divide_by_zero"].message.startswith(
            "ZeroDivisionError: division by zero (line"
        )
        assert errors["says_true"].type == "CustomFunctionInvalidResult"
        assert "got bool" in errors["says_true"].message
        assert errors["reads_upstream"].type == "UpstreamTaskError"
        assert data.get("divide_by_zero") is None and data.get("says_true") is None
        assert (item.task_result_statuses or {})["divide_by_zero"] == "errored"
    assert paris.data["exact_match"] == 1.0
    assert rome.data["exact_match"] == 0.0
    oslo_errors = oslo.task_errors or {}
    assert oslo_errors["exact_match"].type == "ItemLocatorError"
    assert "item.expected" in oslo_errors["exact_match"].message
    assert set(paris.task_errors or {}) == {"divide_by_zero", "says_true", "reads_upstream"}


def test_a_slow_or_forbidden_function_fails_only_its_own_cells(engine_client: SGPClient) -> None:
    tasks = [task(functions.spins), task(functions.opens_a_file), task(functions.input_length)]
    created = create(engine_client, [{"input": "a"}, {"input": "bb"}], tasks)
    done = wait_until_done(engine_client, created.id, timeout=120)
    assert done.status == "completed" and done.error_count == 4
    for item in items(engine_client, created.id):
        errors = item.task_errors or {}
        assert errors["spins"].type == "CustomFunctionTimeout"
        assert errors["spins"].message == "the function ran longer than 5 s and was stopped"
        assert errors["opens_a_file"].type == "CustomFunctionSandboxViolation"
        assert item.data["input_length"] == len(item.data["input"])


def create_with(
    client: SGPClient, configuration: dict[str, Any], data: list[dict[str, Any]] | None = None
) -> list[list[Any]]:
    with pytest.raises(UnprocessableEntityError) as caught:
        create(
            client,
            data or [{"input": "a", "expected": "b"}],
            [{"task_type": "custom_function", "configuration": configuration}],
        )
    return error_locs(caught.value)


LOC = ["body", "tasks", 0, "configuration"]
OK = "def f(input):\n    return len(input)\n"


@pytest.mark.parametrize(
    ("configuration", "field"),
    [
        ({}, ["function_source"]),
        ({"function_source": 3}, ["function_source"]),
        ({"function_source": "def f(:\n  pass"}, ["function_source"]),
        (
            {"function_source": "def f():\n    return 1\ndef g():\n    return 2"},
            ["function_source"],
        ),
        ({"function_source": "def f():\n    import os\n    return 1"}, ["function_source"]),
        ({"function_source": "def f():\n    return ().__class__"}, ["function_source"]),
        ({"function_source": "def f(a, /):\n    return a", "config_args": {}}, ["function_source"]),
        ({"function_source": OK, "arg_mapping": {"nope": "input"}}, ["arg_mapping", "nope"]),
        ({"function_source": OK, "arg_mapping": {"input": "has space"}}, ["arg_mapping", "input"]),
        ({"function_source": OK, "arg_mapping": {"input": 3}}, ["arg_mapping", "input"]),
        ({"function_source": OK, "arg_mapping": []}, ["arg_mapping"]),
        ({"function_source": OK, "config_args": {"nope": 1}}, ["config_args", "nope"]),
        (
            {
                "function_source": OK,
                "config_args": {"input": "x"},
                "arg_mapping": {"input": "expected"},
            },
            ["config_args", "input"],
        ),
        ({"function_source": OK, "config_args": {"input": "x" * 10_000}}, ["config_args"]),
        ({"function_source": "def f(missing):\n    return 1"}, ["arg_mapping"]),
        ({"function_source": OK, "outputs": {"path": "a"}}, ["outputs"]),
        ({"function_source": OK, "outputs": [{"alias": "a"}]}, ["outputs", 0, "path"]),
        ({"function_source": OK, "outputs": [{"path": "a..b"}]}, ["outputs", 0, "path"]),
        (
            {"function_source": OK, "outputs": [{"path": "a", "alias": "x.y"}]},
            ["outputs", 0, "alias"],
        ),
        (
            {"function_source": OK, "outputs": [{"path": "a.b"}, {"path": "a_b"}]},
            ["outputs", 1, "alias"],
        ),
    ],
)
def test_bad_configurations_are_422s_naming_the_field(
    client: SGPClient, configuration: dict[str, Any], field: list[Any]
) -> None:
    assert create_with(client, configuration) == [[*LOC, *field]]


def test_parameters_may_be_filled_by_earlier_tasks_config_args_or_defaults(
    client: SGPClient,
) -> None:
    # `answer` is no input column, but the task before provides it; `scale` comes from
    # config_args and `expected` has a default. None of this runs (no engine on this server).
    tasks = [
        {
            "task_type": "custom_function",
            "alias": "answer",
            "configuration": {"function_source": OK},
        },
        {
            "configuration": {
                "function_source": "def g(answer, scale, expected='x'):\n    return answer * scale\n",
                "config_args": {"scale": 2},
            }
        },
    ]
    evaluation = create(client, [{"input": "a"}], tasks)
    assert [(t.alias, t.task_type) for t in evaluation.tasks or []] == [
        ("answer", "custom_function"),
        ("g", "custom_function"),
    ]
    configuration = (evaluation.tasks or [])[1].configuration
    assert configuration.config_args == {"scale": 2}  # type: ignore[union-attr]
    assert "arg_mapping" not in configuration.to_dict()  # stored as sent
