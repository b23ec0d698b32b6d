"""custom_function tasks with the a29 client, which has no such type but passes task dicts on."""

from typing import Any

from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, extra, items_of, wait_until_done

SCORE = """
def overlap(answer: str, reference: str, min_len: int = 1) -> dict:
    import re

    words = {w for w in re.findall(r"\\w+", answer.lower()) if len(w) >= min_len}
    wanted = {w for w in re.findall(r"\\w+", reference.lower()) if len(w) >= min_len}
    return {"recall": len(words & wanted) / len(wanted), "counts": {"shared": len(words & wanted)}}
"""


def test_a29_client_runs_custom_functions(engine_client: SGPClient) -> None:
    rows: list[dict[str, object]] = [
        {"input": "the cat sat", "reference": "The cat ran"},
        {"input": "dogs bark", "reference": "Cats meow"},
        {"input": "no reference"},
    ]
    # The a29 client has no custom_function type; it sends task dicts as they are.
    tasks: Any = [
        chat_task("answer"),  # the fake model answers "echo: <input>"
        {
            "task_type": "custom_function",
            "configuration": {
                "function_source": SCORE,
                "arg_mapping": {"reference": "reference"},
                "config_args": {"min_len": 3},
                "outputs": [{"path": "recall"}, {"path": "counts.shared", "alias": "shared"}],
            },
        },
        {
            "task_type": "custom_function",
            "alias": "answer_words",
            "configuration": {
                "function_source": "def n(answer):\n    return len(answer.split())\n"
            },
        },
    ]
    evaluation = engine_client.evaluations.create(name="custom functions", data=rows, tasks=tasks)
    assert [task.alias for task in evaluation.tasks or []] == ["answer", "overlap", "answer_words"]
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    assert extra(done, "error_count") == 1

    first, second, third = items_of(engine_client, evaluation.id)
    assert first.data["overlap"] == {"recall": 2 / 3, "shared": 2}  # "the", "cat" (not "ran")
    assert second.data["overlap"] == {"recall": 0.0, "shared": 0}
    assert [item.data["answer_words"] for item in (first, second, third)] == [4, 3, 3]
    error = extra(third, "task_errors")["overlap"]
    assert error["type"] == "ItemLocatorError" and "item.reference" in error["message"]


def test_a29_client_dry_runs_through_the_raw_route(engine_client: SGPClient) -> None:
    result = engine_client.post(
        "/v5/evaluations/tasks/dry-run",
        body={
            "task_type": "custom_function",
            "configuration": {"function_source": "def f(x):\n    return 10 / x\n"},
            "sample_data": [{"x": 4}, {"x": 0}, {"y": 1}],
        },
        cast_to=object,
    )
    assert result == {
        "object": "list",
        "items": [
            {"index": 0, "result": 2.5, "error": None},
            {
                "index": 1,
                "result": None,
                "error": {
                    "type": "CustomFunctionError",
                    "message": "ZeroDivisionError: division by zero (line 2)",
                },
            },
            {
                "index": 2,
                "result": None,
                "error": {
                    "type": "ItemLocatorError",
                    "message": "'item.x': the item has no field 'item.x'",
                },
            },
        ],
    }
