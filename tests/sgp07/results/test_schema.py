"""`client.evaluations.retrieve_schema`, the SDK's `get_evaluation_columns` and
`client.evaluations.retrieve_taxonomy` (0.7.0)."""

from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import NotFoundError
from scale_gp_beta.lib import get_evaluation_columns

from tests.sgp07.helpers import raw, unique

ROWS: list[dict[str, Any]] = [
    {"input": "hi", "meta": {"lang": "en", "n": 1}, "tags": ["a"], "maybe": None, "label": "yes"},
    {"input": "yo", "meta": {"lang": "fr", "deep": {"x": True}}, "maybe": 3, "empty": {}},
    {"input": 5, "meta": {"lang": "de"}, "maybe": None, "label": {"ok": False, "why": "typo"}},
]


def contributor_task(client: SGPClient) -> dict[str, Any]:
    question = client.questions.create(
        question={
            "name": unique("q"),
            "prompt": "Is it right?",
            "question_type": "categorical",
            "configuration": {"choices": ["yes", "no"]},
        }
    )
    # Prefilled from `label`: the cells hold "yes" and {"ok": false, "why": "typo"}, no engine needed.
    return {
        "task_type": "contributor_evaluation.question",
        "alias": "review",
        "configuration": {
            "question_id": question.id,
            "layout": {"children": [{"data": "item.input"}]},
            "prefill_from": "label",
        },
    }


def fields_of(
    client: SGPClient, evaluation_id: str, **params: Any
) -> list[tuple[str, str, str, int]]:
    schema = client.evaluations.retrieve_schema(evaluation_id, **params)
    return [(f.field_name, f.source, f.data_type, f.item_count) for f in schema.fields]


def test_fields_of_items_and_task_results(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        evaluation={"name": unique(), "data": ROWS, "tasks": [contributor_task(client)]}  # type: ignore[list-item]
    )

    schema = client.evaluations.retrieve_schema(evaluation.id)

    assert (schema.evaluation_id, schema.total_items, schema.is_sampled) == (
        evaluation.id,
        3,
        False,
    )
    assert schema.object == "evaluation_schema" and schema.sample_size is None
    assert all(f.object == "field_schema" for f in schema.fields)
    assert fields_of(client, evaluation.id) == [
        # Most frequent non-null type wins ("input": two strings, one number); empty objects
        # and arrays are leaves; nulls count as holding the field.
        ("empty", "data", "object", 1),
        ("input", "data", "string", 3),
        ("label", "data", "string", 1),
        ("label.ok", "data", "boolean", 1),
        ("label.why", "data", "string", 1),
        ("maybe", "data", "number", 3),
        ("meta.deep.x", "data", "boolean", 1),
        ("meta.lang", "data", "string", 3),
        ("meta.n", "data", "number", 1),
        ("review", "task_result_cache", "string", 1),
        ("review.ok", "task_result_cache", "boolean", 1),
        ("review.why", "task_result_cache", "string", 1),
        ("tags", "data", "array", 1),
    ]


def test_get_evaluation_columns_offers_the_data_fields(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        evaluation={"name": unique(), "data": ROWS, "tasks": [contributor_task(client)]}  # type: ignore[list-item]
    )

    columns = get_evaluation_columns(client, evaluation.id)

    names = [c.field_name for c in columns]
    assert names == [
        "empty",
        "input",
        "label",
        "label.ok",
        "label.why",
        "maybe",
        "meta.deep.x",
        "meta.lang",
        "meta.n",
        "tags",
    ]
    assert {c.source for c in columns} == {"data"}
    assert next(c for c in columns if c.field_name == "input").data_type == "string"


def test_a_field_only_ever_null_is_null(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        evaluation={"name": unique(), "data": [{"a": None}, {"a": None, "b": 1}]}
    )
    assert fields_of(client, evaluation.id) == [
        ("a", "data", "null", 2),
        ("b", "data", "number", 1),
    ]


def test_large_evaluations_are_sampled(client: SGPClient) -> None:
    with raw(client) as http:
        rows = [{"i": i, **({"rare": True} if i % 100 == 0 else {})} for i in range(10_001)]
        created = http.post("/v5/evaluations", json={"name": unique(), "data": rows})
        assert created.status_code == 200, created.text
    schema = client.evaluations.retrieve_schema(created.json()["id"])

    assert (schema.total_items, schema.is_sampled, schema.sample_size) == (10_001, True, 1000)
    counts = {f.field_name: f.item_count for f in schema.fields}
    # Every 10th row of 10,001: rows 0, 10, … 9990; every 10th of those holds `rare`.
    assert counts == {"i": 1000, "rare": 100}


def test_archived_evaluations_need_include_archived(client: SGPClient) -> None:
    evaluation = client.evaluations.create(evaluation={"name": unique(), "data": [{"a": 1}]})
    client.evaluations.archive(evaluation.id)

    with pytest.raises(NotFoundError):
        client.evaluations.retrieve_schema(evaluation.id)
    assert fields_of(client, evaluation.id, include_archived=True) == [("a", "data", "number", 1)]


def test_unknown_and_foreign_evaluations_are_404(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation = client.evaluations.create(
        evaluation={"name": unique(), "data": [{"a": 1}], "taxonomy_params": {"t": 1}}
    )
    for call in (
        other_client.evaluations.retrieve_schema,
        other_client.evaluations.retrieve_taxonomy,
    ):
        with pytest.raises(NotFoundError):
            call(evaluation.id)
    for call in (client.evaluations.retrieve_schema, client.evaluations.retrieve_taxonomy):
        with pytest.raises(NotFoundError):
            call("no-such-evaluation")


def test_taxonomy_is_returned_verbatim(client: SGPClient) -> None:
    taxonomy = {
        "labels": [{"name": "toxicity", "children": [{"name": "insult"}, {"name": "threat"}]}],
        "version": 2,
        "notes": None,
        "ünïcode": "✓",
    }
    evaluation = client.evaluations.create(
        evaluation={"name": unique(), "data": [{"a": 1}], "taxonomy_params": taxonomy}
    )

    assert client.evaluations.retrieve_taxonomy(evaluation.id) == taxonomy


def test_no_taxonomy_is_404(client: SGPClient) -> None:
    evaluation = client.evaluations.create(evaluation={"name": unique(), "data": [{"a": 1}]})

    with pytest.raises(NotFoundError) as caught:
        client.evaluations.retrieve_taxonomy(evaluation.id)
    assert "no taxonomy" in str(caught.value)
