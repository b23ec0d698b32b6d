"""A write that got its 200 is visible to the very next request: the commit precedes the reply."""

from scale_gp_beta import SGPClient

from tests.evaluation.helpers import data_of, evaluation_ids, items_of, rows, unique


def test_create_then_read_at_once(client: SGPClient) -> None:
    tag = unique("tag")
    made: list[str] = []
    for count in range(1, 11):
        evaluation = client.evaluations.create(name=unique(), tags=[tag], data=rows(count))
        made.append(evaluation.id)

        assert client.evaluations.retrieve(evaluation.id).id == evaluation.id
        assert [data_of(item) for item in items_of(client, evaluation.id)] == rows(count)
        assert evaluation_ids(client, tag) == made[::-1]


def test_update_then_read_at_once(client: SGPClient) -> None:
    evaluation = client.evaluations.create(name=unique(), data=rows(1))
    for n in range(10):
        client.evaluations.update(evaluation.id, name=f"name-{n}")

        assert client.evaluations.retrieve(evaluation.id).name == f"name-{n}"


def test_delete_then_read_at_once(client: SGPClient) -> None:
    tag = unique("tag")
    for _ in range(5):
        evaluation = client.evaluations.create(name=unique(), tags=[tag], data=rows(1))
        client.evaluations.delete(evaluation.id)

        assert evaluation_ids(client, tag) == []
        assert client.evaluation_items.list(
            evaluation_id=evaluation.id, include_archived=True
        ).items
