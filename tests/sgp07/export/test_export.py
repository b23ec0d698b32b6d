"""`client.evaluation_items.export(...)` with the 0.7.0 client: every format, `direct` inline,
`signed_url` a final 501, 404 for unknown and foreign evaluations, 422 for bad bodies."""

import csv
import io
import json
from typing import Any

import httpx
import pytest
from scale_gp_beta import APIStatusError, NotFoundError, SGPClient

from tests.execution.helpers import chat_task, wait_until_done
from tests.sgp07.helpers import unique

ROWS: list[dict[str, Any]] = [
    {"input": "first", "meta": {"level": 1, "tags": ["x"]}},
    {"input": 'comma, "quote"\nline', "meta": {"level": 2, "tags": []}},
    {"other": "no input", "meta": {"level": 3, "tags": []}},  # its `answer` cell errors
]


@pytest.fixture
def finished(engine_client: SGPClient) -> str:
    evaluation = engine_client.evaluations.create(
        evaluation={"name": unique("export"), "data": ROWS, "tasks": [chat_task("answer")]}
    )
    assert wait_until_done(engine_client, evaluation.id).status == "completed"
    return evaluation.id


def items(client: SGPClient, evaluation_id: str) -> list[dict[str, Any]]:
    """Every item as GET returns it, JSON as sent (extra fields included)."""
    return [
        item.model_dump(mode="json", by_alias=True, exclude_unset=True)
        for item in client.evaluation_items.list(evaluation_id=evaluation_id, limit=1000)
    ]


def test_json_is_the_default_and_holds_every_item_with_results(
    engine_client: SGPClient, finished: str
) -> None:
    exported = engine_client.evaluation_items.export(evaluation_id=finished)
    assert exported.filename == f"evaluation-{finished}.json"
    assert exported.signed_url is None
    assert exported.content is not None
    rows = json.loads(exported.content)
    assert rows == items(engine_client, finished)
    assert [row["data"].get("answer") for row in rows] == [
        "echo: first",
        f"echo: {ROWS[1]['input']}",
        None,
    ]
    assert rows[2]["task_errors"]["answer"]["type"] == "ItemLocatorError"
    assert {"id", "dataset_item_id", "task_errors"} <= set(rows[0])


def test_jsonl_is_one_object_per_line(engine_client: SGPClient, finished: str) -> None:
    exported = engine_client.evaluation_items.export(
        evaluation_id=finished, export_format="jsonl", export_method="direct"
    )
    assert exported.filename == f"evaluation-{finished}.jsonl"
    assert exported.content is not None and exported.content.endswith("\n")
    lines = [json.loads(line) for line in exported.content.splitlines()]
    assert lines == items(engine_client, finished)


def test_csv_flattens_data_and_adds_status_and_error_columns(
    engine_client: SGPClient, finished: str
) -> None:
    exported = engine_client.evaluation_items.export(evaluation_id=finished, export_format="csv")
    assert exported.filename == f"evaluation-{finished}.csv"
    assert exported.content is not None
    header, *rows = list(csv.reader(io.StringIO(exported.content, newline="")))
    assert header == [
        "id",
        "dataset_item_id",
        "data.input",
        "data.meta.level",
        "data.meta.tags",
        "data.answer",
        "data.other",
        "task_result_statuses.answer",
        "task_errors.answer.type",
        "task_errors.answer.message",
    ]
    ids = [row["id"] for row in items(engine_client, finished)]
    assert [row[0] for row in rows] == ids
    assert rows[0][2:8] == ["first", "1", '["x"]', "echo: first", "", "completed"]
    assert rows[1][2] == ROWS[1]["input"]
    assert rows[2][7:9] == ["errored", "ItemLocatorError"]


def test_signed_url_is_a_final_501(client: SGPClient) -> None:
    evaluation = client.evaluations.create(evaluation={"name": unique("e"), "data": [{"a": 1}]})
    with pytest.raises(APIStatusError) as caught:
        client.evaluation_items.export(evaluation_id=evaluation.id, export_method="signed_url")
    assert caught.value.status_code == 501
    assert caught.value.response.headers["x-should-retry"] == "false"


def test_unknown_and_foreign_evaluations_are_404(
    client: SGPClient, other_client: SGPClient
) -> None:
    with pytest.raises(NotFoundError):
        client.evaluation_items.export(evaluation_id="no-such-evaluation")
    evaluation = client.evaluations.create(evaluation={"name": unique("e"), "data": [{"a": 1}]})
    with pytest.raises(NotFoundError):
        other_client.evaluation_items.export(evaluation_id=evaluation.id)


def test_archived_evaluation_needs_include_archived(client: SGPClient) -> None:
    evaluation = client.evaluations.create(evaluation={"name": unique("e"), "data": [{"a": 1}]})
    client.evaluations.archive(evaluation.id)
    with pytest.raises(NotFoundError):
        client.evaluation_items.export(evaluation_id=evaluation.id)
    exported = client.evaluation_items.export(evaluation_id=evaluation.id, include_archived=True)
    assert exported.content is not None
    assert [row["data"] for row in json.loads(exported.content)] == [{"a": 1}]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "evaluation_id"]),
        ({"evaluation_id": "x", "export_format": "xml"}, ["body", "export_format"]),
        ({"evaluation_id": "x", "export_method": "email"}, ["body", "export_method"]),
    ],
)
def test_bad_body_is_422_naming_the_field(
    http: httpx.Client, body: dict[str, Any], loc: list[str]
) -> None:
    response = http.post("/v5/evaluation-items/export", json=body)
    assert response.status_code == 422
    assert [entry["loc"] for entry in response.json()["detail"]] == [loc]
