"""DELETE /v5/evaluations/{id} archives the evaluation and its items."""

import pytest
from scale_gp_beta import NotFoundError, SGPClient

from tests.evaluation.helpers import data_of, items_of, make_evaluation, rows


def test_delete_answers_with_the_deleted_envelope(client: SGPClient) -> None:
    evaluation = make_evaluation(client)

    response = client.evaluations.delete(evaluation.id)

    # The archived evaluation itself (what the 0.7.0 client reads), with `deleted` for a29.
    body = response.to_dict()
    assert (body["id"], body["deleted"], body["object"]) == (evaluation.id, True, "evaluation")
    assert body["archived_at"] is not None and body["name"] == evaluation.name


def test_archived_evaluation_is_404_unless_archived_ones_are_asked_for(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    client.evaluations.delete(evaluation.id)

    with pytest.raises(NotFoundError):
        client.evaluations.retrieve(evaluation.id)
    archived = client.evaluations.retrieve(evaluation.id, include_archived=True)
    assert archived.archived_at is not None
    assert archived.archived_at >= evaluation.created_at
    assert archived.model_dump(exclude={"archived_at", "tasks"}) == evaluation.model_dump(
        exclude={"archived_at", "tasks"}
    )


def test_deleting_again_is_ok_and_keeps_the_first_archive_time(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    client.evaluations.delete(evaluation.id)
    first = client.evaluations.retrieve(evaluation.id, include_archived=True).archived_at

    again = client.evaluations.delete(evaluation.id).to_dict()

    assert (again["id"], again["deleted"], again["object"]) == (evaluation.id, True, "evaluation")
    assert client.evaluations.retrieve(evaluation.id, include_archived=True).archived_at == first


def test_delete_of_unknown_is_404(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.evaluations.delete("00000000-0000-7000-8000-000000000000")


def test_items_are_archived_with_their_evaluation(client: SGPClient) -> None:
    evaluation = make_evaluation(client, 3)
    items = items_of(client, evaluation.id)
    client.evaluations.delete(evaluation.id)
    archived_at = client.evaluations.retrieve(evaluation.id, include_archived=True).archived_at

    for item in items:
        with pytest.raises(NotFoundError):
            client.evaluation_items.retrieve(item.id)
        assert (
            client.evaluation_items.retrieve(item.id, include_archived=True).archived_at
            == archived_at
        )
    with pytest.raises(NotFoundError):
        client.evaluation_items.list(evaluation_id=evaluation.id)
    listed = items_of(client, evaluation.id, include_archived=True)
    assert [data_of(item) for item in listed] == rows(3)
    assert {item.archived_at for item in listed} == {archived_at}
    assert [item.model_dump(exclude={"archived_at"}) for item in listed] == [
        item.model_dump(exclude={"archived_at"}) for item in items
    ]


def test_archiving_one_evaluation_leaves_others_alone(client: SGPClient) -> None:
    kept, gone = make_evaluation(client, 2), make_evaluation(client, 2)

    client.evaluations.delete(gone.id)

    assert client.evaluations.retrieve(kept.id).archived_at is None
    assert [item.archived_at for item in items_of(client, kept.id)] == [None, None]
