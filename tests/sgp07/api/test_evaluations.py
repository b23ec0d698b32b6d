"""Evaluations through the 0.7.0 client: identity, metadata, files, archive and restore."""

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import ConflictError, NotFoundError, UnprocessableEntityError

from tests.sgp07.helpers import (
    assert_final_conflict,
    assert_identity,
    error_locs,
    raw,
    unique,
    upload,
)


def make_evaluation(client: SGPClient, **fields: object) -> str:
    body = {"name": unique("eval"), "data": [{"q": "a"}, {"q": "b"}], "tasks": [], **fields}
    return client.evaluations.create(evaluation=body).id  # type: ignore[arg-type]


def test_create_echoes_identity_metadata_and_progress(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"q": "a"}],
            "metadata": {"model": "m1", "run": {"seed": 3}},
            "taxonomy_params": {"labels": ["x"]},
            "skip_prefilled_rows": True,
        }
    )

    assert_identity(evaluation)
    assert evaluation.metadata == {"model": "m1", "run": {"seed": 3}}
    assert evaluation.status == "completed"
    assert evaluation.progress is not None
    assert evaluation.progress.items.total == 1
    assert evaluation.progress.items.failed_items == []
    assert evaluation.progress.workflows is not None
    assert evaluation.progress.workflows.total == 0
    assert evaluation.error_count == 0
    retrieved = client.evaluations.retrieve(evaluation.id)
    assert retrieved.metadata == evaluation.metadata
    items = list(client.evaluation_items.list(evaluation_id=evaluation.id))
    assert_identity(items[0])


def test_metadata_update_is_a_merge_patch(client: SGPClient) -> None:
    evaluation_id = make_evaluation(client, metadata={"a": 1, "b": {"c": 2, "d": 3}, "e": 4})

    updated = client.evaluations.update(
        evaluation_id, evaluation={"metadata": {"b": {"c": None, "x": 9}, "e": None, "f": "new"}}
    )

    assert updated.metadata == {"a": 1, "b": {"d": 3, "x": 9}, "f": "new"}
    assert client.evaluations.retrieve(evaluation_id).metadata == updated.metadata
    renamed = client.evaluations.update(evaluation_id, evaluation={"name": "renamed"})
    assert (renamed.name, renamed.metadata) == ("renamed", updated.metadata)


def test_archive_returns_the_evaluation_and_restore_brings_it_back(client: SGPClient) -> None:
    evaluation_id = make_evaluation(client)

    archived = client.evaluations.archive(evaluation_id)

    assert archived.id == evaluation_id and archived.archived_at is not None
    assert (archived.model_extra or {})["deleted"] is True
    with pytest.raises(NotFoundError):
        client.evaluations.retrieve(evaluation_id)
    assert list(client.evaluation_items.list(evaluation_id=evaluation_id, include_archived=True))
    with pytest.raises(ConflictError) as caught:
        client.evaluations.update(evaluation_id, evaluation={"name": "no"})
    assert_final_conflict(caught.value)
    assert client.evaluations.retrieve(evaluation_id, include_archived=True).name != "no"

    with pytest.raises(UnprocessableEntityError) as refused:
        client.evaluations.update(evaluation_id, evaluation={"restore": "true"})  # type: ignore[typeddict-item]
    assert error_locs(refused.value) == [["body", "restore"]]
    restored = client.evaluations.update(evaluation_id, evaluation={"restore": True})

    assert restored.archived_at is None
    assert client.evaluations.retrieve(evaluation_id).archived_at is None
    assert len(list(client.evaluation_items.list(evaluation_id=evaluation_id))) == 2
    # Restoring what is live changes nothing.
    assert (
        client.evaluations.update(evaluation_id, evaluation={"restore": True}).archived_at is None
    )


def test_restore_takes_no_other_field(client: SGPClient) -> None:
    evaluation_id = make_evaluation(client)
    client.evaluations.archive(evaluation_id)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.update(evaluation_id, evaluation={"restore": True, "name": "x"})  # type: ignore[typeddict-unknown-key]

    assert error_locs(caught.value) == [["body", "restore"]]
    assert client.evaluations.retrieve(evaluation_id, include_archived=True).archived_at is not None


def test_rows_carry_their_files(client: SGPClient) -> None:
    first, second = upload(client, "a.png"), upload(client, "b.png")
    evaluation = client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"q": "a"}, {"q": "b"}],
            "files": [{"image": first}, {"image": second, "other": first}],
        }
    )

    items = list(client.evaluation_items.list(evaluation_id=evaluation.id))

    assert [item.files for item in items] == [{"image": first}, {"image": second, "other": first}]
    assert client.evaluation_items.retrieve(items[0].id).files == {"image": first}


@pytest.mark.parametrize(
    ("files", "loc"),
    [
        ([{"image": "no-such-file"}, {}], ["body", "files", 0, "image"]),
        ([{}], ["body", "files"]),
    ],
)
def test_bad_files_are_422s_and_store_nothing(
    client: SGPClient, files: list[dict[str, str]], loc: list[object]
) -> None:
    name = unique()
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            evaluation={"name": name, "data": [{"q": "a"}, {"q": "b"}], "files": files}
        )

    assert error_locs(caught.value) == [loc]
    assert list(client.evaluations.list(name=name)) == []


def test_files_of_another_account_are_not_found(client: SGPClient, other_client: SGPClient) -> None:
    theirs = upload(other_client)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            evaluation={"name": unique(), "data": [{"q": "a"}], "files": [{"f": theirs}]}
        )

    assert error_locs(caught.value) == [["body", "files", 0, "f"]]


def test_evaluations_from_a_dataset_take_its_items_files(client: SGPClient) -> None:
    file_id = upload(client)
    dataset = client.datasets.create(name=unique(), data=[{"q": "a"}], files=[{"doc": file_id}])

    evaluation = client.evaluations.create(evaluation={"name": unique(), "dataset_id": dataset.id})

    [item] = client.evaluation_items.list(evaluation_id=evaluation.id)
    assert item.files == {"doc": file_id}


def test_name_filter_sort_by_and_paging(client: SGPClient) -> None:
    tag = unique("tag")
    names = [f"{tag}-{letter}" for letter in "dbeac"]
    for name in names:
        client.evaluations.create(evaluation={"name": name, "data": [{"q": 1}], "tags": [tag]})

    by_name = client.evaluations.list(tags=[tag], sort_by="name", sort_order="asc", limit=2)
    assert [e.name for e in by_name] == sorted(names)  # auto-paging across three pages
    by_name_desc = client.evaluations.list(tags=[tag], sort_by="name", sort_order="desc", limit=2)
    assert [e.name for e in by_name_desc] == sorted(names, reverse=True)
    newest_first = [e.name for e in client.evaluations.list(tags=[tag], sort_by="no_such_column")]
    assert newest_first == names[::-1]
    assert [e.name for e in client.evaluations.list(name=tag.upper() + "-B")] == [f"{tag}-b"]


def test_sort_by_pages_backwards_too(client: SGPClient) -> None:
    tag = unique("tag")
    for letter in "cab":
        client.evaluations.create(
            evaluation={"name": f"{tag}-{letter}", "data": [{"q": 1}], "tags": [tag]}
        )
    with raw(client) as http:
        first = http.get(
            "/v5/evaluations",
            params={"tags": tag, "sort_by": "name", "sort_order": "asc", "limit": 3},
        ).json()["items"]
        before_last = http.get(
            "/v5/evaluations",
            params={
                "tags": tag,
                "sort_by": "name",
                "sort_order": "asc",
                "ending_before": first[2]["id"],
            },
        ).json()

    assert [e["name"] for e in first] == [f"{tag}-a", f"{tag}-b", f"{tag}-c"]
    assert [e["name"] for e in before_last["items"]] == [f"{tag}-a", f"{tag}-b"]


def test_ids_are_percent_encoded_path_segments(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.evaluations.retrieve("no such/evaluation")
    with pytest.raises(NotFoundError):
        client.evaluation_items.retrieve("a b")


def test_another_accounts_evaluation_is_invisible(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation_id = make_evaluation(client)

    for call in (
        lambda: other_client.evaluations.retrieve(evaluation_id),
        lambda: other_client.evaluations.archive(evaluation_id),
        lambda: other_client.evaluations.update(evaluation_id, evaluation={"restore": True}),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert client.evaluations.retrieve(evaluation_id).archived_at is None


def test_a_new_dataset_keeps_the_rows_files(client: SGPClient) -> None:
    file_id = upload(client)
    evaluation = client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"q": "a", "extra": 1}],
            "files": [{"doc": file_id}],
            "dataset": {"name": unique("ds"), "keys": ["q"]},
        }
    )

    [dataset] = evaluation.datasets or []
    [dataset_item] = client.dataset_items.list(dataset_id=dataset.id)
    [item] = client.evaluation_items.list(evaluation_id=evaluation.id)
    assert (dataset_item.data, dataset_item.files) == ({"q": "a"}, {"doc": file_id})
    assert (item.files, item.dataset_item_id) == ({"doc": file_id}, dataset_item.id)


def test_files_come_from_the_dataset_not_the_body(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=[{"q": "a"}])

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            evaluation={
                "name": unique(),
                "dataset_id": dataset.id,
                "files": [{"f": upload(client)}],
            }
        )

    assert error_locs(caught.value) == [["body", "files"]]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"metadata": "not an object"}, ["body", "metadata"]),
        ({"skip_prefilled_rows": "maybe"}, ["body", "skip_prefilled_rows"]),
        ({"taxonomy_params": [1]}, ["body", "taxonomy_params"]),
        ({"files": "nope"}, ["body", "files"]),
    ],
)
def test_bad_new_fields_are_422s_naming_them(
    client: SGPClient, body: dict[str, object], loc: list[object]
) -> None:
    with raw(client) as http:
        response = http.post("/v5/evaluations", json={"name": unique(), "data": [{"q": 1}], **body})

    assert response.status_code == 422
    assert [entry["loc"][:2] for entry in response.json()["detail"]] == [loc]


def test_new_tasks_may_not_use_an_archived_question(client: SGPClient) -> None:
    question = client.questions.create(
        question={
            "name": unique("q"),
            "prompt": "ok?",
            "question_type": "categorical",
            "configuration": {"choices": ["yes", "no"]},
        }
    )
    task = {
        "task_type": "contributor_evaluation.question",
        "alias": "review",
        "configuration": {"question_id": question.id, "layout": {"children": [{"data": "item.q"}]}},
    }
    client.evaluations.create(evaluation={"name": unique(), "data": [{"q": 1}], "tasks": [task]})
    client.questions.archive(question.id)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            evaluation={"name": unique(), "data": [{"q": 1}], "tasks": [task]}
        )

    assert error_locs(caught.value) == [["body", "tasks", 0, "configuration", "question_id"]]
