"""GET /v5/evaluations: newest first, `name` and `tags` filters, paging."""

import pytest
from scale_gp_beta import BadRequestError, SGPClient
from scale_gp_beta.types import Evaluation

from tests.evaluation.helpers import evaluation_ids, make_evaluation, rows, unique


@pytest.fixture
def tagged(client: SGPClient) -> tuple[str, list[Evaluation]]:
    """Seven evaluations sharing a fresh tag, in creation order."""
    tag = unique("tag")
    return tag, [make_evaluation(client, 1, tag=tag) for _ in range(7)]


def ids(evaluations: list[Evaluation]) -> list[str]:
    return [e.id for e in evaluations]


def test_newest_first_across_pages(client: SGPClient, tagged: tuple[str, list[Evaluation]]) -> None:
    tag, made = tagged

    pages = list(client.evaluations.list(tags=[tag], limit=3).iter_pages())

    assert [ids(p.items) for p in pages] == [ids(made[6:3:-1]), ids(made[3:0:-1]), ids(made[:1])]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.to_dict()["total"] for p in pages} == {7}
    assert {p.to_dict()["object"] for p in pages} == {"list"}


def test_listed_evaluations_equal_retrieved_ones(
    client: SGPClient, tagged: tuple[str, list[Evaluation]]
) -> None:
    tag, made = tagged

    listed = list(client.evaluations.list(tags=[tag]))

    assert [e.to_dict() for e in listed] == [
        client.evaluations.retrieve(e.id).to_dict() for e in made[::-1]
    ]


def test_ascending_order(client: SGPClient, tagged: tuple[str, list[Evaluation]]) -> None:
    tag, made = tagged

    assert evaluation_ids(client, tag, limit=2, sort_order="asc") == ids(made)


def test_starting_after_and_ending_before(
    client: SGPClient, tagged: tuple[str, list[Evaluation]]
) -> None:
    tag, made = tagged

    after = client.evaluations.list(tags=[tag], starting_after=made[4].id)
    backwards = client.evaluations.list(tags=[tag], limit=3, ending_before=made[0].id)

    assert ids(after.items) == ids(made[3::-1])
    assert after.has_more is False
    assert ids(list(backwards)) == ids(made[3:0:-1] + made[6:3:-1])


def test_unknown_cursor_is_400(client: SGPClient) -> None:
    with pytest.raises(BadRequestError):
        client.evaluations.list(starting_after="00000000-0000-7000-8000-000000000000")


def test_name_filter_is_a_case_insensitive_substring(client: SGPClient) -> None:
    tag, name = unique("tag"), unique("name")
    wanted = make_evaluation(client, 1, tag=tag, name=name)
    longer = make_evaluation(client, 1, tag=tag, name=name + "x")
    upper = make_evaluation(client, 1, tag=tag, name=name.upper())
    make_evaluation(client, 1, tag=tag, name=unique("other"))

    found = [e.id for e in client.evaluations.list(name=name[3:])]
    assert found == [upper.id, longer.id, wanted.id]
    assert client.evaluations.list(name=name[3:]).to_dict()["total"] == 3


def test_tags_filter_is_any_of(client: SGPClient) -> None:
    a, b, c = unique("a"), unique("b"), unique("c")
    only_a = client.evaluations.create(name=unique(), data=rows(1), tags=[a])
    both = client.evaluations.create(name=unique(), data=rows(1), tags=[a, b])
    only_b = client.evaluations.create(name=unique(), data=rows(1), tags=[b, "x"])
    client.evaluations.create(name=unique(), data=rows(1), tags=[c])

    assert [e.id for e in client.evaluations.list(tags=[a])] == [both.id, only_a.id]
    assert [e.id for e in client.evaluations.list(tags=[a, b])] == [only_b.id, both.id, only_a.id]
    assert client.evaluations.list(tags=[a, b]).to_dict()["total"] == 3


def test_name_and_tags_filters_combine(client: SGPClient) -> None:
    tag, name = unique("tag"), unique("name")
    wanted = make_evaluation(client, 1, tag=tag, name=name)
    make_evaluation(client, 1, name=name)
    make_evaluation(client, 1, tag=tag)

    assert [e.id for e in client.evaluations.list(name=name, tags=[tag])] == [wanted.id]


def test_archived_are_listed_only_on_request(
    client: SGPClient, tagged: tuple[str, list[Evaluation]]
) -> None:
    tag, made = tagged
    client.evaluations.delete(made[2].id)

    assert evaluation_ids(client, tag) == ids(made[:2:-1] + made[1::-1])
    assert evaluation_ids(client, tag, include_archived=True) == ids(made[::-1])
    assert client.evaluations.list(tags=[tag]).to_dict()["total"] == 6
    archived = [
        e for e in client.evaluations.list(tags=[tag], include_archived=True) if e.archived_at
    ]
    assert ids(archived) == [made[2].id]
