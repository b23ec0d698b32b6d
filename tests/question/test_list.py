"""Questions list newest first, with cursor paging."""

import pytest
from scale_gp_beta import BadRequestError, SGPClient


def make_questions(client: SGPClient, count: int) -> list[str]:
    return [
        client.questions.create(name=f"list-{i}", prompt="p", configuration={"choices": ["a"]}).id
        for i in range(count)
    ]


def test_newest_first_by_default(client: SGPClient) -> None:
    ids = make_questions(client, 3)
    page = client.questions.list(limit=3)
    assert [q.id for q in page.items] == ids[::-1]
    assert page.has_more is (page.total > 3)
    assert page.total >= 3


def test_auto_paging_walks_everything_once(client: SGPClient) -> None:
    ids = make_questions(client, 5)
    seen = [q.id for q in client.questions.list(limit=2)]
    assert len(seen) == len(set(seen))
    assert seen[:5] == ids[::-1]


def test_ascending_and_cursors(client: SGPClient) -> None:
    ids = make_questions(client, 4)
    after = client.questions.list(starting_after=ids[0], sort_order="asc", limit=10)
    assert [q.id for q in after.items] == ids[1:]
    assert after.has_more is False
    newer = client.questions.list(ending_before=ids[1], limit=10)
    assert [q.id for q in newer.items] == [ids[3], ids[2]]


def test_unknown_cursor_is_400(client: SGPClient, other_client: SGPClient) -> None:
    with pytest.raises(BadRequestError):
        client.questions.list(starting_after="00000000-0000-7000-8000-000000000000")
    theirs = other_client.questions.create(name="x", prompt="p", configuration={"choices": ["a"]})
    with pytest.raises(BadRequestError):
        client.questions.list(starting_after=theirs.id)


def test_list_items_are_typed(client: SGPClient) -> None:
    client.questions.create(
        name="typed", prompt="p", configuration={"steps": 3, "min_label": "a", "max_label": "b"}
    )
    first = client.questions.list(limit=1).items[0]
    assert first.question_type == "rating"
    assert first.object == "question"
